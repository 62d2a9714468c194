#include "formats/hash/tree_hash.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "formats/hash/blake2b_lanes.h"

namespace tf {
namespace {

// The parameters of node `offset` at `depth` (0: a leaf, 1: the root); see the header.
Blake2bTreeNode tree_node(uint64_t offset, uint8_t depth, bool last) {
  return {.fanout = 0,
          .depth = 2,
          .leaf_length = kTreeLeafBytes,
          .node_offset = offset,
          .node_depth = depth,
          .inner_length = sizeof(Hash256::bytes),
          .last_node = last};
}

// The most leaves hashed at once (blake2b_lanes()).
constexpr size_t kMaxLanes = 8;

// One message's leaves: claimed a group at a time by its caller and by the helpers that join
// it.
struct Leaves {
  std::vector<std::span<const uint8_t>> parts;
  size_t bytes = 0;  // the message's length
  size_t count = 0;  // its leaves
  std::atomic<size_t> next{0};  // the next leaf to claim
  std::atomic<size_t> done{0};  // leaves hashed; the last one hashed notifies
  std::vector<Hash256> digests;

  Hash256 hash_leaf(size_t leaf) const {
    Blake2bHasher hasher(tree_node(leaf, 0, leaf + 1 == count));
    const size_t begin = leaf * kTreeLeafBytes;
    const size_t end = std::min(bytes, begin + kTreeLeafBytes);
    size_t at = 0;  // where the part starts in the message
    for (std::span<const uint8_t> part : parts) {
      const size_t lo = std::max(begin, at), hi = std::min(end, at + part.size());
      if (lo < hi) hasher.update(part.subspan(lo - at, hi - lo));
      at += part.size();
      if (at >= end) break;
    }
    return hasher.finish();
  }

  // Leaf `leaf`'s bytes when it is whole (kTreeLeafBytes) and within one part; else null.
  const uint8_t* whole_leaf(size_t leaf) const {
    const size_t begin = leaf * kTreeLeafBytes;
    if (begin + kTreeLeafBytes > bytes) return nullptr;
    size_t at = 0;  // where the part starts in the message
    for (std::span<const uint8_t> part : parts) {
      if (begin < at + part.size()) {
        return begin + kTreeLeafBytes <= at + part.size() ? part.data() + (begin - at) : nullptr;
      }
      at += part.size();
    }
    return nullptr;
  }

  // Leaves [first, end): the whole ones together in SIMD lanes (blake2b_lanes.h), any other
  // (the message's short last leaf, one cut by a part's end) on its own.
  void hash_leaves(size_t first, size_t end) {
    LaneMessage whole[kMaxLanes];
    size_t whole_leaves[kMaxLanes];
    size_t n = 0;
    for (size_t leaf = first; leaf < end; ++leaf) {
      if (const uint8_t* at = whole_leaf(leaf)) {
        whole[n] = {at, tree_node(leaf, 0, leaf + 1 == count)};
        whole_leaves[n++] = leaf;
      } else {
        digests[leaf] = hash_leaf(leaf);
      }
    }
    Hash256 hashed[kMaxLanes];
    blake2b_256_lanes(whole, n, kTreeLeafBytes, hashed);
    for (size_t i = 0; i < n; ++i) digests[whole_leaves[i]] = hashed[i];
  }

  // Hashes leaves until every leaf is claimed, as many at a time as the host's lanes take.
  void hash_unclaimed() {
    const size_t group = std::min<size_t>(blake2b_lanes(), kMaxLanes);
    for (size_t first; (first = next.fetch_add(group)) < count;) {
      const size_t end = std::min(count, first + group);
      hash_leaves(first, end);
      if (done.fetch_add(end - first) + (end - first) == count) done.notify_all();
    }
  }
};

// The process-wide helper threads. Never destroyed: they wait on its members until the
// process ends, past static destructors.
class Helpers {
 public:
  static Helpers& get() {
    static Helpers* helpers = new Helpers();
    return *helpers;
  }

  // Lets the helpers join `leaves` until its caller withdraws it.
  void offer(const std::shared_ptr<Leaves>& leaves) {
    if (threads_ == 0) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      offered_.push_back(leaves);
    }
    wake_.notify_all();
  }
  void withdraw(const std::shared_ptr<Leaves>& leaves) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase(offered_, leaves);
  }

 private:
  Helpers() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i + 1 < cores && i < kMaxTreeHelpers; ++i) {
      try {
        std::thread([this] { serve(); }).detach();
        ++threads_;
      } catch (const std::system_error&) {
        break;  // fewer helpers; callers hash their own leaves anyway
      }
    }
  }

  void serve() {
    for (;;) {
      std::shared_ptr<Leaves> leaves;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return !offered_.empty(); });
        leaves = offered_.front();
        if (leaves->next.load() >= leaves->count) {
          offered_.pop_front();  // all claimed: its caller withdraws it soon
          continue;
        }
      }
      leaves->hash_unclaimed();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Leaves>> offered_;
  unsigned threads_ = 0;
};

}  // namespace

Hash256 blake2b_tree_256(std::span<const std::span<const uint8_t>> parts) {
  auto leaves = std::make_shared<Leaves>();
  leaves->parts.assign(parts.begin(), parts.end());
  for (std::span<const uint8_t> part : parts) leaves->bytes += part.size();
  leaves->count = std::max<size_t>(1, (leaves->bytes + kTreeLeafBytes - 1) / kTreeLeafBytes);
  leaves->digests.resize(leaves->count);
  Helpers* helpers = leaves->count > 1 ? &Helpers::get() : nullptr;
  if (helpers != nullptr) helpers->offer(leaves);
  leaves->hash_unclaimed();
  for (size_t done; (done = leaves->done.load()) < leaves->count;) leaves->done.wait(done);
  if (helpers != nullptr) helpers->withdraw(leaves);
  Blake2bHasher root(tree_node(0, 1, true));
  for (const Hash256& digest : leaves->digests) root.update(digest.bytes);
  return root.finish();
}

}  // namespace tf
