// Flood resistance for the dispatcher's socket: a key whose messages keep being rejected is
// muted for a cool-down, and its rejections reach the dispatcher's state once per window.
//
// - RejectionTally (the server's thread only) counts each key's rejected messages in fixed
//   windows of `window_ms` that open at the key's first rejection. The rejection that takes a
//   key past `max_rejections` in its window is the one that mutes it (reported once per
//   window). A window that ended is handed back once, with its count and first reason, so that
//   a flood costs the store one report per key and window instead of one per message. Fixed
//   windows let a key place up to twice the limit within one window's time across a boundary.
// - MutedKeys (shared by the server's thread and the ZAP handler's thread, behind one mutex)
//   holds the muted keys and when their cool-down ends. The server drops a muted key's
//   messages before decoding them; the ZAP handler refuses its new handshakes.
//
// Times are milliseconds of a monotonic clock (steady_now_ms): a step of the wall clock never
// lengthens or shortens a mute or a window.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tf {

struct FloodLimits {
  uint64_t max_rejections = 50;  // per key and window; one more mutes the key
  int64_t window_ms = 10000;
  int64_t mute_ms = 60000;       // the cool-down
};

// Milliseconds of std::chrono::steady_clock.
int64_t steady_now_ms();

// Thread safety: every method may be called from any thread.
class MutedKeys {
 public:
  // Mutes `key` for `duration_ms` from `now_ms`; a longer mute already in place is kept.
  // Forgets mutes that ended, so the set holds only keys muted now.
  void mute(const std::string& key, int64_t now_ms, int64_t duration_ms);
  bool is_muted(const std::string& key, int64_t now_ms) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int64_t> until_ms_;
};

// Thread safety: belongs to one thread.
class RejectionTally {
 public:
  // One key's window: how many of its messages were rejected, and why the first was.
  struct Window {
    std::string key;
    uint64_t count = 0;
    std::string first_reason;
  };

  // At most `max_keys` windows are open at once (memory stays bounded whatever the number of
  // keys); a rejection from another key while the table is full is not tallied.
  explicit RejectionTally(FloodLimits limits, size_t max_keys = 65536);

  // Counts one rejection of `key`'s message. True exactly when this rejection took the key past
  // max_rejections in its current window (the caller mutes the key). Call take_ended(now_ms)
  // first: until then a window that ended keeps counting its key's rejections.
  bool add(const std::string& key, const std::string& reason, int64_t now_ms);
  // Removes and returns every window that ended by `now_ms`, oldest first; take_ended(INT64_MAX)
  // returns all of them (at shutdown).
  std::vector<Window> take_ended(int64_t now_ms);

 private:
  struct Open {
    int64_t start_ms = 0;
    uint64_t count = 0;
    std::string first_reason;
  };

  const FloodLimits limits_;
  const size_t max_keys_;
  std::unordered_map<std::string, Open> open_;
  std::deque<std::pair<int64_t, std::string>> opened_;  // (start_ms, key) in opening order
};

}  // namespace tf
