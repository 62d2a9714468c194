// Atomic file replacement: the target holds either its old or its complete new content, and no
// temporary file is left behind, whether the write succeeds or fails.
#include "formats/fileio/atomic_write.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <span>
#include <string>
#include <vector>

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

TEST(AtomicWrite, FilesWrittenTogetherReplaceEveryTargetInTwoFolders) {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  ASSERT_TRUE(write_file_atomically(dir / "a" / "old.bin", std::string_view("old content")));
  const std::string one = "one", two(100000, 'x'), three = "three";
  auto span = [](const std::string& s) {
    return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  const std::vector<FileToWrite> files{
      {dir / "a" / "old.bin", span(one)}, {dir / "b" / "2.bin", span(two)},
      {dir / "a" / "3.bin", span(three)}};
  ASSERT_TRUE(write_files_atomically(files));
  EXPECT_EQ(read_text(dir / "a" / "old.bin"), one);
  EXPECT_EQ(read_text(dir / "b" / "2.bin"), two);
  EXPECT_EQ(read_text(dir / "a" / "3.bin"), three);
  EXPECT_EQ(entries_in(dir / "a"), 2u);  // no temporary left
  EXPECT_EQ(entries_in(dir / "b"), 1u);
}

TEST(AtomicWrite, FilesWrittenTogetherReplaceNothingWhenOneCannotBeWritten) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir / "kept.bin", std::string_view("kept")));
  const std::string bytes = "new";
  const auto span = std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  const std::vector<FileToWrite> files{{dir / "kept.bin", span},
                                       {dir / "missing" / "x.bin", span}};
  const Status s = write_files_atomically(files);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s.message();
  EXPECT_EQ(read_text(dir / "kept.bin"), "kept");
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
