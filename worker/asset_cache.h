// The worker's asset cache: scene bundles materialised on disk, one folder per bundle id
// (content-addressed: the id is the hash of the manifest, which names every file's hash),
// bounded in total size with least-recently-used eviction.
//
// Crash safety: a bundle is materialised into a temporary folder and renamed into place, so
// a folder named by a bundle id is always complete; leftovers are removed at open.
//
// Thread safety: all methods may be called from several threads (one internal mutex; a
// materialisation in progress makes other callers wait).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "formats/bundle/bundle.h"
#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf {

class AssetCache {
 public:
  // Supplies a blob by hash (the worker asks its dispatcher).
  using FetchFn = std::function<Result<std::vector<uint8_t>>(const Hash256&)>;

  // Opens (creating) `dir`, indexing bundles already there (most recently modified = most
  // recently used). `max_bytes` bounds the sum of the bundles' file sizes.
  static Result<std::unique_ptr<AssetCache>> open(const std::filesystem::path& dir,
                                                  uint64_t max_bytes);

  // The folder holding bundle `bundle_id`, materialised first when absent: the manifest and
  // then every file are fetched with `fetch` and verified against their hashes. Evicts least
  // recently used bundles (never the one returned) to stay under the bound. A single bundle
  // larger than the bound is kept until the next call evicts it.
  Result<std::filesystem::path> bundle_dir(const Hash256& bundle_id, const FetchFn& fetch);

  uint64_t total_bytes() const;
  bool contains(const Hash256& bundle_id) const;

 private:
  struct Entry {
    uint64_t bytes = 0;
    uint64_t last_use = 0;  // logical clock
  };
  AssetCache(std::filesystem::path dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  void evict_except(const Hash256& keep);

  std::filesystem::path dir_;
  uint64_t max_bytes_;
  mutable std::mutex mutex_;
  std::map<Hash256, Entry> entries_;
  uint64_t total_bytes_ = 0;
  uint64_t clock_ = 0;
};

}  // namespace tf
