// The worker's asset cache: a bundle is fetched once and verified, eviction is least recently
// used, a bad manifest or file never lands in the cache, and the index survives a reopen.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/support/temp_dir.h"
#include "worker/asset_cache.h"

namespace tf {
namespace {

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
  Result<std::filesystem::path> path = cache->bundle_dir(id, source.fetch());
  ASSERT_TRUE(path.is_ok()) << path.message();
  EXPECT_EQ(std::filesystem::file_size(path.value() / "a.pbrt"), 1000u);
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
  std::filesystem::create_directories(dir.path() / ".partial-123-0");  // an interrupted fetch
  auto cache = AssetCache::open(dir.path(), 1 << 20).value();
  EXPECT_TRUE(cache->contains(a));
  EXPECT_EQ(cache->total_bytes(), 500u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".partial-123-0"));
  const int before = source.fetches;
  ASSERT_TRUE(cache->bundle_dir(a, source.fetch()).is_ok());
  EXPECT_EQ(source.fetches, before);
}

}  // namespace
}  // namespace tf
