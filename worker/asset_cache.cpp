#include "worker/asset_cache.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "kernels/user_dirs.h"

namespace tf {
namespace {

constexpr std::string_view kPartialPrefix = ".partial-";

uint64_t folder_bytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// True for ".partial-<pid>-<n>" folders whose process is still running (its materialisation
// may be in progress); such folders are left alone.
bool partial_of_live_process(const std::string& name) {
  if (!name.starts_with(kPartialPrefix)) return false;
  const char* digits = name.c_str() + kPartialPrefix.size();
  char* end = nullptr;
  errno = 0;
  const long long pid = std::strtoll(digits, &end, 10);
  if (end == digits || *end != '-' || errno != 0 || pid <= 0 || pid > INT32_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

PinnedBundle::PinnedBundle(PinnedBundle&& other) noexcept
    : cache_(std::exchange(other.cache_, nullptr)),
      bundle_id_(other.bundle_id_),
      path_(std::move(other.path_)) {}

PinnedBundle& PinnedBundle::operator=(PinnedBundle&& other) noexcept {
  if (this != &other) {
    release();
    cache_ = std::exchange(other.cache_, nullptr);
    bundle_id_ = other.bundle_id_;
    path_ = std::move(other.path_);
  }
  return *this;
}

PinnedBundle::~PinnedBundle() { release(); }

void PinnedBundle::release() {
  if (cache_ != nullptr) std::exchange(cache_, nullptr)->unpin(bundle_id_);
}

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
    const std::string name = item.path().filename().string();
    Result<Hash256> id = Hash256::from_hex(name);
    if (!id || !item.is_directory()) {
      // An interrupted materialisation, unless its process is still at work.
      if (!partial_of_live_process(name)) std::filesystem::remove_all(item.path(), ec);
      continue;
    }
    found.push_back({id.value(), item.last_write_time(ec), folder_bytes(item.path())});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.mtime < b.mtime; });
  for (const Found& f : found) {
    cache->entries_[f.id] = {f.bytes, ++cache->clock_, 0};
    cache->total_bytes_ += f.bytes;
  }
  return cache;
}

Result<PinnedBundle> AssetCache::bundle_dir(const Hash256& bundle_id, const FetchFn& fetch) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::filesystem::path final_dir = dir_ / bundle_id.to_hex();
  std::error_code ec;
  if (auto it = entries_.find(bundle_id); it != entries_.end()) {
    const auto now = std::chrono::steady_clock::now();
    if (now - it->second.touched >= std::chrono::seconds(1)) {
      std::filesystem::last_write_time(final_dir, std::filesystem::file_time_type::clock::now(), ec);
      it->second.touched = now;
    }
    return pin(bundle_id, it->second);
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
      dir_ / (std::string(kPartialPrefix) + std::to_string(::getpid()) + "-" +
              std::to_string(counter++));
  if (Status s = materialize_bundle(manifest.value(), fetch, partial); !s) {
    std::filesystem::remove_all(partial, ec);
    return Error{s.message()};
  }
  if (Status s = move_into_place(partial, final_dir); !s) return Error{s.message()};
  Entry& entry = entries_[bundle_id];
  entry.bytes = folder_bytes(final_dir);
  total_bytes_ += entry.bytes;
  PinnedBundle pinned = pin(bundle_id, entry);
  evict_over_bound();
  return pinned;
}

Status AssetCache::move_into_place(const std::filesystem::path& partial,
                                   const std::filesystem::path& final_dir) {
  std::error_code ec;
  std::filesystem::rename(partial, final_dir, ec);
  if (!ec) return Status::ok();
  const std::string rename_error = ec.message();
  std::error_code ignored;
  std::filesystem::remove_all(partial, ignored);
  // Folders named by a bundle id are only ever created by a complete rename, so one that
  // exists now holds the same verified bundle, put there by another instance.
  if (std::filesystem::is_directory(final_dir, ignored)) return Status::ok();
  return Error{"cannot move the bundle into " + final_dir.string() + ": " + rename_error +
               " (is the cache folder writable?)"};
}

PinnedBundle AssetCache::pin(const Hash256& bundle_id, Entry& entry) {
  entry.last_use = ++clock_;
  ++entry.pins;
  return PinnedBundle(this, bundle_id, dir_ / bundle_id.to_hex());
}

void AssetCache::unpin(const Hash256& bundle_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(bundle_id);
  if (it == entries_.end() || it->second.pins == 0) return;
  if (--it->second.pins == 0) evict_over_bound();
}

void AssetCache::evict_over_bound() {
  while (total_bytes_ > max_bytes_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.pins > 0 || it->second.last_use == clock_) continue;
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

Result<std::filesystem::path> default_worker_cache_dir(const std::string& identity) {
  const std::string folder = "worker-" + blake2b_256(identity).to_hex().substr(0, 12);
  std::optional<std::filesystem::path> dir = tilefarm_user_dir(UserDir::kCache);
  if (!dir) {
    return Error{"neither XDG_CACHE_HOME nor HOME is set to an absolute folder: pass --cache DIR"};
  }
  return *dir / folder;
}

}  // namespace tf
