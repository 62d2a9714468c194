// The OpenCL program binary cache: round trips, and every kind of damaged or foreign entry is
// a miss; a backend build survives a corrupt entry by recompiling.
#include "kernels/opencl/program_cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "kernels/opencl/opencl_runtime.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using tf::ocl::ProgramCache;
using tf::testing::TempDir;

std::vector<unsigned char> sample_binary() {
  std::vector<unsigned char> b(1000);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(i * 31 + 7);
  return b;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST(ProgramCache, StoreThenLoadRoundTrips) {
  TempDir dir;
  ProgramCache cache(dir.path() / "nested" / "cache");
  EXPECT_FALSE(cache.load("key one").has_value());
  tf::Status st = cache.store("key one", sample_binary());
  ASSERT_TRUE(st) << st.message();
  auto loaded = cache.load("key one");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, sample_binary());
  EXPECT_FALSE(cache.load("key two").has_value());
}

TEST(ProgramCache, EntryUnderAnotherKeyIsAMiss) {
  TempDir dir;
  ProgramCache cache(dir.path());
  ASSERT_TRUE(cache.store("device A\nsource", sample_binary()));
  // Simulate a file-name collision: the entry of one key found at another key's path.
  fs::copy_file(cache.entry_path("device A\nsource"), cache.entry_path("device B\nsource"));
  EXPECT_FALSE(cache.load("device B\nsource").has_value());
}

TEST(ProgramCache, CorruptOrTruncatedEntriesAreMisses) {
  TempDir dir;
  ProgramCache cache(dir.path());
  ASSERT_TRUE(cache.store("k", sample_binary()));
  const fs::path entry = cache.entry_path("k");
  const std::string good = read_file(entry);

  std::string flipped = good;
  flipped[flipped.size() - 20] = static_cast<char>(flipped[flipped.size() - 20] ^ 0x01);  // inside the binary
  write_file(entry, flipped);
  EXPECT_FALSE(cache.load("k").has_value()) << "checksum must catch a flipped bit";

  for (size_t keep : {size_t{0}, size_t{5}, size_t{20}, good.size() / 2, good.size() - 1}) {
    write_file(entry, good.substr(0, keep));
    EXPECT_FALSE(cache.load("k").has_value()) << "truncated to " << keep << " bytes";
  }
  write_file(entry, good + "x");
  EXPECT_FALSE(cache.load("k").has_value()) << "trailing bytes";

  write_file(entry, good);
  EXPECT_TRUE(cache.load("k").has_value()) << "the intact entry still loads";
}

TEST(ProgramCache, StoreIntoAnUnusableDirectoryFailsWithAReason) {
  TempDir dir;
  write_file(dir.path() / "file", "not a directory");
  ProgramCache cache(dir.path() / "file" / "cache");
  tf::Status st = cache.store("k", sample_binary());
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("cache"), std::string::npos) << st.message();
}

TEST(ProgramCache, DefaultDirectoryFollowsXdgCacheHome) {
  const char* saved = std::getenv("XDG_CACHE_HOME");
  std::string saved_value = saved != nullptr ? saved : "";
  setenv("XDG_CACHE_HOME", "/some/where", 1);
  auto dir = ProgramCache::default_directory();
  ASSERT_TRUE(dir.has_value());
  EXPECT_EQ(*dir, fs::path("/some/where/tilefarm/opencl"));
  if (saved != nullptr) {
    setenv("XDG_CACHE_HOME", saved_value.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
}

TEST(ProgramCache, BuildUsesAndRepairsTheCache) {
  TempDir dir;
  ProgramCache cache(dir.path());
  auto session = tf::ocl::DeviceSession::open(0);
  ASSERT_TRUE(session) << session.message();
  const std::string source = "__kernel void twice(__global float* x) { x[get_global_id(0)] *= 2.0f; }\n";

  auto first = session.value()->build_program(source, &cache);
  ASSERT_TRUE(first) << first.message();
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) entries += e.path().extension() == ".clbin" ? 1u : 0u;
  EXPECT_EQ(entries, 1u) << "a compiled program is stored";

  // Corrupt the entry: the next build still succeeds (from source) and rewrites it.
  const fs::path entry = fs::directory_iterator(dir.path())->path();
  write_file(entry, "garbage");
  auto second = session.value()->build_program(source, &cache);
  ASSERT_TRUE(second) << second.message();
  auto kernel = session.value()->create_kernel(second.value(), "twice");
  EXPECT_TRUE(kernel) << kernel.message();
  EXPECT_GT(read_file(entry).size(), std::string("garbage").size()) << "the entry was rewritten";
}

TEST(ProgramCache, BuildFailureReportsTheBuildLog) {
  auto session = tf::ocl::DeviceSession::open(0);
  ASSERT_TRUE(session) << session.message();
  auto program = session.value()->build_program("__kernel void broken( { undefined_name; }\n", nullptr);
  ASSERT_FALSE(program);
  EXPECT_NE(program.message().find("build log"), std::string::npos) << program.message();
  EXPECT_NE(program.message().find("error"), std::string::npos) << program.message();
}

}  // namespace
