#include "worker/asset_cache.h"

#include <algorithm>
#include <atomic>
#include <unistd.h>

namespace tf {
namespace {

uint64_t folder_bytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace

Result<std::unique_ptr<AssetCache>> AssetCache::open(const std::filesystem::path& dir,
                                                     uint64_t max_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create the asset cache " + dir.string() + ": " + ec.message()};
  std::unique_ptr<AssetCache> cache(new AssetCache(dir, max_bytes));
  struct Found {
    Hash256 id;
    std::filesystem::file_time_type mtime;
    uint64_t bytes;
  };
  std::vector<Found> found;
  for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
    Result<Hash256> id = Hash256::from_hex(item.path().filename().string());
    if (!id || !item.is_directory()) {
      std::filesystem::remove_all(item.path(), ec);  // an interrupted materialisation
      continue;
    }
    found.push_back({id.value(), item.last_write_time(ec), folder_bytes(item.path())});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.mtime < b.mtime; });
  for (const Found& f : found) {
    cache->entries_[f.id] = {f.bytes, ++cache->clock_};
    cache->total_bytes_ += f.bytes;
  }
  return cache;
}

Result<std::filesystem::path> AssetCache::bundle_dir(const Hash256& bundle_id,
                                                     const FetchFn& fetch) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::filesystem::path final_dir = dir_ / bundle_id.to_hex();
  std::error_code ec;
  if (auto it = entries_.find(bundle_id); it != entries_.end()) {
    it->second.last_use = ++clock_;
    std::filesystem::last_write_time(final_dir, std::filesystem::file_time_type::clock::now(), ec);
    return final_dir;
  }
  Result<std::vector<uint8_t>> manifest_bytes = fetch(bundle_id);
  if (!manifest_bytes) return Error{"cannot fetch the scene bundle manifest: " + manifest_bytes.message()};
  if (blake2b_256(manifest_bytes.value()) != bundle_id) {
    return Error{"the scene bundle manifest does not match its id " + bundle_id.to_hex()};
  }
  Result<BundleManifest> manifest = parse_bundle_manifest(std::string_view(
      reinterpret_cast<const char*>(manifest_bytes->data()), manifest_bytes->size()));
  if (!manifest) return Error{"invalid scene bundle manifest: " + manifest.message()};

  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path partial =
      dir_ / (".partial-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  if (Status s = materialize_bundle(manifest.value(), fetch, partial); !s) {
    std::filesystem::remove_all(partial, ec);
    return Error{s.message()};
  }
  std::filesystem::rename(partial, final_dir, ec);
  if (ec) {
    std::filesystem::remove_all(partial, ec);
    return Error{"cannot move the bundle into " + final_dir.string() + ": " + ec.message()};
  }
  const uint64_t bytes = folder_bytes(final_dir);
  entries_[bundle_id] = {bytes, ++clock_};
  total_bytes_ += bytes;
  evict_except(bundle_id);
  return final_dir;
}

void AssetCache::evict_except(const Hash256& keep) {
  while (total_bytes_ > max_bytes_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == keep) continue;
      if (victim == entries_.end() || it->second.last_use < victim->second.last_use) victim = it;
    }
    if (victim == entries_.end()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_ / victim->first.to_hex(), ec);
    total_bytes_ -= victim->second.bytes;
    entries_.erase(victim);
  }
}

uint64_t AssetCache::total_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_bytes_;
}

bool AssetCache::contains(const Hash256& bundle_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.count(bundle_id) != 0;
}

}  // namespace tf
