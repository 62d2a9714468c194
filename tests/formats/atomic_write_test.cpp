// Atomic file replacement: the target holds either its old or its complete new content, and no
// temporary file is left behind, whether the write succeeds or fails.
#include "formats/fileio/atomic_write.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace tf {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t entries_in(const fs::path& folder) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(folder)) ++n;
  return n;
}

TEST(AtomicWrite, ReplacesExistingContentAndLeavesOnlyTheTarget) {
  TempDir dir;
  const fs::path target = dir / "out.bin";
  ASSERT_TRUE(write_file_atomically(target, std::string_view("first, longer content")));
  ASSERT_TRUE(write_file_atomically(target, std::string_view("second")));
  EXPECT_EQ(read_text(target), "second");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(AtomicWrite, TemporaryFolderHoldsNothingAfterwards) {
  TempDir dir;
  fs::create_directories(dir / "tmp");
  const std::vector<uint8_t> bytes = {0, 1, 2, 255};
  ASSERT_TRUE(write_file_atomically(dir / "blob", bytes, dir / "tmp"));
  EXPECT_EQ(read_text(dir / "blob"), std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(entries_in(dir / "tmp"), 0u);
}

TEST(AtomicWrite, MissingFolderIsAnErrorNamingTheFile) {
  TempDir dir;
  const Status s = write_file_atomically(dir / "no-such-folder" / "out.bin", std::string_view("x"));
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("no-such-folder"), std::string::npos) << s.message();
}

TEST(AtomicWrite, WriterErrorKeepsOldContentAndRemovesTheTemporary) {
  TempDir dir;
  const fs::path target = dir / "image.png";
  ASSERT_TRUE(write_file_atomically(target, std::string_view("old")));
  fs::path seen;
  const Status s = replace_file_atomically(target, [&](const fs::path& temporary) -> Status {
    seen = temporary;
    std::ofstream(temporary, std::ios::binary) << "partial";
    return Error{"encoder failed"};
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "encoder failed");
  EXPECT_EQ(seen.parent_path(), dir.path());
  EXPECT_EQ(seen.extension(), ".png");  // writers that pick the format by extension still can
  EXPECT_EQ(read_text(target), "old");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(AtomicWrite, WriterOutputBecomesTheTarget) {
  TempDir dir;
  const fs::path target = dir / "frame.exr";
  ASSERT_TRUE(replace_file_atomically(target, [](const fs::path& temporary) -> Status {
    std::ofstream(temporary, std::ios::binary) << "pixels";
    return Status::ok();
  }));
  EXPECT_EQ(read_text(target), "pixels");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

}  // namespace
}  // namespace tf
