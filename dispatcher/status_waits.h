// Status requests that wait for their job to end (long polls: proto::StatusRequest::wait_ms).
//
// A client following a job used to ask for its status every half second, so it learned of the
// job's end 250 ms late on average: nothing beside a GPU that finishes a job in a tenth of a
// second. A request that names an active job and a wait is held here instead, and answered by
// the first loop iteration that sees the job ended (its outcome committed) or that finds its
// wait over, whichever is first; the client asks again at once. One request costs the loop
// nothing while it waits and a lookup per held request per iteration: at most kMaxHeld are
// held, the rest answered at once as before, so a flood of waits cannot grow the dispatcher.
//
// Held requests are not durable: a dispatcher that stops drops them, and their clients ask
// again when their reply timeout passes (DispatcherClient retries on a fresh socket).
//
// Thread safety: the dispatcher's loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tf {

class StatusWaits {
 public:
  static constexpr size_t kMaxHeld = 1024;

  struct Held {
    std::string peer;  // routing id the answer goes to
    uint64_t request_id = 0;
    uint64_t job_id = 0;
    int64_t until_ms = 0;  // answered once the clock reaches this, if the job has not ended
  };

  // Holds the request until `now_ms + wait_ms` (wait_ms at most `max_wait_ms`); false, and
  // nothing held, when wait_ms is 0 or kMaxHeld requests are held already.
  bool hold(Held request, uint32_t wait_ms, uint32_t max_wait_ms, int64_t now_ms);
  // Removes and returns the requests to answer now: those whose job `ended` says has ended,
  // and those whose wait is over at `now_ms`.
  std::vector<Held> take_due(int64_t now_ms, const std::function<bool(uint64_t)>& ended);
  // When the earliest held wait is over; nullopt when none is held.
  std::optional<int64_t> next_due_ms() const;
  size_t size() const { return held_.size(); }

 private:
  std::vector<Held> held_;
};

}  // namespace tf
