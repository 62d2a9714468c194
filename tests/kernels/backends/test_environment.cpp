// Keeps every cache the tests cause inside the build tree: XDG_CACHE_HOME holds both
// tilefarm's OpenCL program cache and PoCL's own kernel cache. Set before any test runs (and
// so before the OpenCL ICD loader initialises a platform).
#include <gtest/gtest.h>

#include <cstdlib>

namespace {

class CacheInBuildTree : public testing::Environment {
 public:
  void SetUp() override { setenv("XDG_CACHE_HOME", TILEFARM_TEST_CACHE_DIR, 1); }
};

[[maybe_unused]] testing::Environment* const kCacheEnvironment =
    testing::AddGlobalTestEnvironment(new CacheInBuildTree);

}  // namespace
