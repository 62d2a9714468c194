// The worker's asset cache: a bundle is fetched once and verified, eviction is least recently
// used and skips pinned bundles, a bad manifest or file never lands in the cache, the index
// survives a reopen, two caches on one folder both end with the bundle, and the default folder
// is per worker identity.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>

#include "tests/support/temp_dir.h"
#include "tests/worker/scoped_env.h"
#include "worker/asset_cache.h"

namespace tf {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

// A blob source holding bundles made of one file of `size` bytes each.
struct FakeDispatcher {
  std::map<Hash256, std::vector<uint8_t>> blobs;
  int fetches = 0;

  Hash256 add_bundle(const std::string& name, size_t size) {
    std::vector<uint8_t> bytes(size, static_cast<uint8_t>(name[0]));
    const Hash256 file_hash = blake2b_256(bytes);
    blobs[file_hash] = bytes;
    BundleManifest manifest{name + ".pbrt", {{name + ".pbrt", file_hash, size}}};
    const std::string text = serialize_bundle_manifest(manifest);
    blobs[bundle_id(manifest)] = std::vector<uint8_t>(text.begin(), text.end());
    return bundle_id(manifest);
  }

  AssetCache::FetchFn fetch() {
    return [this](const Hash256& h) -> Result<std::vector<uint8_t>> {
      ++fetches;
      auto it = blobs.find(h);
      if (it == blobs.end()) return Error{"no blob " + h.to_hex()};
      return it->second;
    };
  }
};

TEST(AssetCache, MaterialisesABundleOnceAndVerifiesIt) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 id = source.add_bundle("a", 1000);
  auto cache = AssetCache::open(dir.path(), 1 << 20).value();
  Result<PinnedBundle> bundle = cache->bundle_dir(id, source.fetch());
  ASSERT_TRUE(bundle.is_ok()) << bundle.message();
  EXPECT_EQ(bundle->path(), dir.path() / id.to_hex());
  EXPECT_EQ(std::filesystem::file_size(bundle->path() / "a.pbrt"), 1000u);
  const int fetches = source.fetches;
  EXPECT_EQ(fetches, 2);  // the manifest and the one file
  ASSERT_TRUE(cache->bundle_dir(id, source.fetch()).is_ok());
  EXPECT_EQ(source.fetches, fetches) << "a cached bundle is not fetched again";
}

TEST(AssetCache, RefusesCorruptManifestsAndFiles) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 id = source.add_bundle("a", 100);
  auto cache = AssetCache::open(dir.path(), 1 << 20).value();
  FakeDispatcher corrupt = source;
  corrupt.blobs[id].back() ^= 1;  // manifest no longer matches its id
  EXPECT_FALSE(cache->bundle_dir(id, corrupt.fetch()).is_ok());
  FakeDispatcher wrong_file = source;
  for (auto& [hash, bytes] : wrong_file.blobs) {
    if (hash != id) bytes[0] ^= 1;  // the file no longer matches its manifest entry
  }
  EXPECT_FALSE(cache->bundle_dir(id, wrong_file.fetch()).is_ok());
  EXPECT_FALSE(cache->contains(id));
  EXPECT_EQ(cache->total_bytes(), 0u);
  EXPECT_TRUE(cache->bundle_dir(id, source.fetch()).is_ok()) << "a good copy still materialises";
}

TEST(AssetCache, EvictsTheLeastRecentlyUsedBundle) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 a = source.add_bundle("a", 1000);
  const Hash256 b = source.add_bundle("b", 1000);
  const Hash256 c = source.add_bundle("c", 1000);
  auto cache = AssetCache::open(dir.path(), 2500).value();
  ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());
  ASSERT_TRUE(cache->bundle_dir(b, source.fetch()).is_ok());
  ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());  // a is now more recent than b
  ASSERT_TRUE(cache->bundle_dir(c, source.fetch()).is_ok());
  EXPECT_TRUE(cache->contains(a));
  EXPECT_FALSE(cache->contains(b));
  EXPECT_TRUE(cache->contains(c));
  EXPECT_LE(cache->total_bytes(), 2500u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / b.to_hex()));
}

TEST(AssetCache, ReopeningKeepsBundlesAndDropsPartialOnes) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 a = source.add_bundle("a", 500);
  {
    auto cache = AssetCache::open(dir.path(), 1 << 20).value();
    ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());
  }
  // pid 2147483647 is above every kernel's pid_max: that process cannot be running.
  const std::string dead = ".partial-2147483647-0";  // an interrupted fetch
  const std::string live = ".partial-" + std::to_string(::getpid()) + "-77";  // one in progress
  std::filesystem::create_directories(dir.path() / dead);
  std::filesystem::create_directories(dir.path() / live);
  std::ofstream(dir.path() / "stray-file") << "x";
  auto cache = AssetCache::open(dir.path(), 1 << 20).value();
  EXPECT_TRUE(cache->contains(a));
  EXPECT_EQ(cache->total_bytes(), 500u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / dead));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "stray-file"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / live)) << "a running process's partial folder stays";
  const int before = source.fetches;
  ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());
  EXPECT_EQ(source.fetches, before);
}

TEST(AssetCache, APinnedBundleOutlivesEvictionUntilItsPinDrops) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 a = source.add_bundle("a", 1000);
  const Hash256 b = source.add_bundle("b", 1000);
  auto cache = AssetCache::open(dir.path(), 1500).value();  // room for one bundle, not two
  std::optional<PinnedBundle> pin_a = cache->bundle_dir(a, source.fetch()).value();
  Result<PinnedBundle> pin_b = cache->bundle_dir(b, source.fetch());
  ASSERT_TRUE(pin_b.is_ok()) << pin_b.message();
  EXPECT_TRUE(cache->contains(a)) << "a is pinned: b's arrival must not evict it";
  EXPECT_EQ(std::filesystem::file_size(pin_a->path() / "a.pbrt"), 1000u);
  EXPECT_EQ(cache->total_bytes(), 2000u) << "the bound is exceeded while pins are held";
  pin_a.reset();
  EXPECT_FALSE(cache->contains(a)) << "a is least recently used and unpinned: evicted";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / a.to_hex()));
  EXPECT_TRUE(cache->contains(b));
  EXPECT_EQ(cache->total_bytes(), 1000u);
  PinnedBundle moved = std::move(pin_b.value());
  EXPECT_EQ(moved.path(), dir.path() / b.to_hex());
  EXPECT_TRUE(std::filesystem::exists(moved.path() / "b.pbrt"));
}

TEST(AssetCache, ABundleLargerThanTheBoundStaysUntilAnotherIsUsed) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 a = source.add_bundle("a", 1000);
  const Hash256 b = source.add_bundle("b", 1000);
  auto cache = AssetCache::open(dir.path(), 500).value();
  ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());  // the pin drops at once
  EXPECT_TRUE(cache->contains(a));
  const int fetches = source.fetches;
  ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());
  EXPECT_EQ(source.fetches, fetches) << "the most recently used bundle is still cached";
  ASSERT_TRUE(cache->bundle_dir(b, source.fetch()).is_ok());
  EXPECT_FALSE(cache->contains(a));
  EXPECT_TRUE(cache->contains(b));
  EXPECT_EQ(cache->total_bytes(), 1000u);
}

TEST(AssetCache, TwoCachesOnOneFolderBothGetTheBundle) {
  TempDir dir;
  FakeDispatcher source;
  const Hash256 a = source.add_bundle("a", 1000);
  auto first = AssetCache::open(dir.path(), 1 << 20).value();
  auto second = AssetCache::open(dir.path(), 1 << 20).value();  // its index does not know a
  Result<PinnedBundle> from_first = first->bundle_dir(a, source.fetch());
  ASSERT_TRUE(from_first.is_ok()) << from_first.message();
  // The second materialises a too and loses the rename to the folder already in place.
  Result<PinnedBundle> from_second = second->bundle_dir(a, source.fetch());
  ASSERT_TRUE(from_second.is_ok()) << from_second.message();
  EXPECT_EQ(from_second->path(), from_first->path());
  EXPECT_TRUE(second->contains(a));
  EXPECT_EQ(second->total_bytes(), 1000u);
  std::string content(1001, '\0');
  std::ifstream file(from_second->path() / "a.pbrt", std::ios::binary);
  file.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(file.gcount()));
  EXPECT_EQ(content, std::string(1000, 'a')) << "the adopted folder holds the verified file";
  std::vector<std::string> names;
  for (const auto& item : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(item.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{a.to_hex()}) << "the losing partial folder is gone";
}

TEST(DefaultWorkerCacheDir, IsPerIdentityUnderTheUsersCacheFolder) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/x/cache");
    // BLAKE2b-256("abc") = bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319
    // (RFC 7693 test vector family; published digest for the 256-bit variant).
    EXPECT_EQ(default_worker_cache_dir("abc").value(),
              std::filesystem::path("/x/cache/tilefarm/worker-bddd813c6342"));
    EXPECT_NE(default_worker_cache_dir("key-one").value(), default_worker_cache_dir("key-two").value());
    // Z85 keys hold '/', which must not make a nested folder.
    EXPECT_EQ(default_worker_cache_dir("a/b.c/d:e+f").value().parent_path(),
              std::filesystem::path("/x/cache/tilefarm"));
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "relative/ignored");
    EXPECT_EQ(default_worker_cache_dir("abc").value(),
              std::filesystem::path("/home/someone/.cache/tilefarm/worker-bddd813c6342"));
  }
  ScopedEnv no_xdg("XDG_CACHE_HOME", nullptr);
  ScopedEnv no_home("HOME", nullptr);
  Result<std::filesystem::path> none = default_worker_cache_dir("abc");
  ASSERT_FALSE(none.is_ok());
  EXPECT_NE(none.message().find("--cache"), std::string::npos) << none.message();
}

}  // namespace
}  // namespace tf
