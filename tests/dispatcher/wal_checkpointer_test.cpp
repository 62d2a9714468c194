// The writer's checkpoints on their own thread (dispatcher/wal_checkpointer.h), through
// open_sqlite: a log past the threshold is copied into the database file with no further
// commit and no call from the writer; closing the writer (and with it the checkpointer) ends
// with every row in the database file and the log removed, as a lone connection's close does.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "dispatcher/sqlite_db.h"
#include "dispatcher/wal_checkpointer.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::TempDir;

constexpr int kPageBytes = 4096;  // SQLite's default page size
constexpr int kRows = WalCheckpointer::kBackgroundPages + 200;  // a row fills about a page

// One committed transaction of kRows rows of 4,000 bytes each: a log longer than the threshold.
void commit_rows(SqlDb& db) {
  ASSERT_TRUE(db.exec("CREATE TABLE t(b BLOB)").is_ok());
  ASSERT_TRUE(db.exec("BEGIN IMMEDIATE").is_ok());
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(db.exec("INSERT INTO t(b) VALUES (zeroblob(4000))").is_ok());
  }
  ASSERT_TRUE(db.exec("COMMIT").is_ok());
}

// A writer of `path` (open_sqlite) that committed commit_rows; null (the test failed) when not.
std::unique_ptr<SqlDb> writer_with_rows(const std::filesystem::path& path) {
  Result<std::unique_ptr<SqlDb>> db = open_sqlite(path);
  EXPECT_TRUE(db.is_ok()) << db.message();
  if (!db) return nullptr;
  commit_rows(*db.value());
  return std::move(db.value());
}

int64_t count_rows(SqlDb& db) {
  Result<SqlStatement> q = db.prepare("SELECT COUNT(*) FROM t");
  if (!q) return -1;
  Result<bool> row = q->step();
  return row.is_ok() && row.value() ? q->column_int(0) : -1;
}

TEST(WalCheckpointer, CopiesALongLogIntoTheDatabaseWithoutTheWriter) {
  TempDir dir;
  const std::filesystem::path path = dir / "state.db";
  std::unique_ptr<SqlDb> db = writer_with_rows(path);
  ASSERT_NE(db, nullptr);
  // Before the checkpoint the rows are in the log only, and the database file holds a page or
  // two; nothing more is done on the writer's connection from here on.
  const auto enough = static_cast<std::uintmax_t>(kRows) * kPageBytes;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::filesystem::file_size(path) < enough && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(std::filesystem::file_size(path), enough)
      << "the log of " << kRows << " pages was never copied into the database file";
  EXPECT_EQ(count_rows(*db), kRows);
}

TEST(WalCheckpointer, ClosingTheWriterLeavesEveryRowInTheDatabaseAndNoLog) {
  TempDir dir;
  const std::filesystem::path path = dir / "state.db";
  ASSERT_NE(writer_with_rows(path), nullptr);  // and closed: the pointer is a temporary
  EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"))
      << "the log outlived the writer's close";
  Result<std::unique_ptr<SqlDb>> reader = open_sqlite_read_only(path);
  ASSERT_TRUE(reader.is_ok()) << reader.message();
  EXPECT_EQ(count_rows(*reader.value()), kRows);
}

}  // namespace
}  // namespace tf
