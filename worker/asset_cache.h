// The worker's asset cache: scene bundles materialised on disk, one folder per bundle id
// (content-addressed: the id is the hash of the manifest, which names every file's hash),
// bounded in total size with least-recently-used eviction.
//
// Pinning: bundle_dir() returns a PinnedBundle; while any pin of a bundle is held, its folder
// is never evicted, so a device thread can load a scene from it while another thread brings
// in other bundles. The bound may therefore be exceeded while pins are held; whenever a pin
// drops, eviction runs again. The most recently used bundle is never evicted either, so a
// single bundle larger than the bound stays until another bundle is used.
//
// Crash safety: a bundle is materialised into a temporary folder (".partial-<pid>-<n>") and
// renamed into place, so a folder named by a bundle id is always complete; open() removes
// partial folders left by processes that are no longer running.
//
// Sharing a folder: give each worker its own folder (default_worker_cache_dir). Two instances
// on one folder never corrupt a bundle (renames are atomic; the instance that loses a rename
// race adopts the winner's complete folder), but each evicts by its own index.
//
// Thread safety: all methods may be called from several threads (one internal mutex; a
// materialisation in progress makes other callers wait). Every PinnedBundle must be dropped
// before its AssetCache is destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "formats/bundle/bundle.h"
#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf {

class AssetCache;

// Keeps one bundle's folder from eviction while held. Movable, not copyable.
class PinnedBundle {
 public:
  PinnedBundle(PinnedBundle&& other) noexcept;
  PinnedBundle& operator=(PinnedBundle&& other) noexcept;
  PinnedBundle(const PinnedBundle&) = delete;
  PinnedBundle& operator=(const PinnedBundle&) = delete;
  ~PinnedBundle();

  // The bundle's folder; its files stay in place while this pin is held.
  const std::filesystem::path& path() const { return path_; }
  const Hash256& bundle_id() const { return bundle_id_; }

 private:
  friend class AssetCache;
  PinnedBundle(AssetCache* cache, const Hash256& bundle_id, std::filesystem::path path)
      : cache_(cache), bundle_id_(bundle_id), path_(std::move(path)) {}
  void release();

  AssetCache* cache_ = nullptr;  // null once moved from
  Hash256 bundle_id_;
  std::filesystem::path path_;
};

class AssetCache {
 public:
  // Supplies a blob by hash (the worker asks its dispatcher).
  using FetchFn = std::function<Result<std::vector<uint8_t>>(const Hash256&)>;

  // Opens (creating) `dir`, indexing bundles already there (most recently modified = most
  // recently used). `max_bytes` bounds the sum of the bundles' file sizes (see Pinning).
  static Result<std::unique_ptr<AssetCache>> open(const std::filesystem::path& dir,
                                                  uint64_t max_bytes);

  // Pins the folder holding bundle `bundle_id`, materialising it first when absent: the
  // manifest and then every file are fetched with `fetch` and verified against their hashes.
  // Then evicts least recently used bundles that are neither pinned nor this one to stay
  // under the bound. On error nothing is pinned and the cache is as it was.
  Result<PinnedBundle> bundle_dir(const Hash256& bundle_id, const FetchFn& fetch);

  uint64_t total_bytes() const;
  bool contains(const Hash256& bundle_id) const;

 private:
  friend class PinnedBundle;
  struct Entry {
    uint64_t bytes = 0;
    uint64_t last_use = 0;  // logical clock
    uint32_t pins = 0;
    // When this instance last set the folder's modification time (the LRU order that caches
    // sharing the folder see): at most once a second, not once per unit.
    std::chrono::steady_clock::time_point touched{};
  };
  AssetCache(std::filesystem::path dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  // Moves a freshly materialised `partial` folder to `final_dir`, adopting `final_dir` when
  // another instance put the same bundle there first.
  Status move_into_place(const std::filesystem::path& partial,
                         const std::filesystem::path& final_dir);
  PinnedBundle pin(const Hash256& bundle_id, Entry& entry);  // caller holds mutex_
  void unpin(const Hash256& bundle_id);
  void evict_over_bound();  // caller holds mutex_

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<Hash256, Entry> entries_;
  uint64_t total_bytes_ = 0;
  uint64_t clock_ = 0;
};

// The default cache folder of a worker known by `identity` (its CurveZMQ public key, else its
// routing id): $XDG_CACHE_HOME/tilefarm/worker-<id>, else ~/.cache/tilefarm/worker-<id>, where
// <id> is the first 12 hex digits of the identity's BLAKE2b-256 hash (keys hold characters
// such as '/' that cannot name a folder). Distinct workers on one machine get distinct folders.
Result<std::filesystem::path> default_worker_cache_dir(const std::string& identity);

}  // namespace tf
