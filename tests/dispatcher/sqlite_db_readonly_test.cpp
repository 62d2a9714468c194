// open_sqlite_read_only and SqlDb::in_transaction on SQLite (dispatcher/sqlite_db.h): a read-only
// handle reads what a WAL writer committed, never its open transaction, refuses every write
// with an error that says so, and creates nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dispatcher/sqlite_db.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::TempDir;

std::unique_ptr<SqlDb> open_writer(const std::filesystem::path& path) {
  Result<std::unique_ptr<SqlDb>> db = open_sqlite(path);
  EXPECT_TRUE(db.is_ok()) << db.message();
  return db.is_ok() ? std::move(db.value()) : nullptr;
}

// SELECT COUNT(*) FROM t, or -1 when it cannot be read.
int64_t count_rows(SqlDb& db) {
  Result<SqlStatement> q = db.prepare("SELECT COUNT(*) FROM t");
  if (!q) return -1;
  Result<bool> row = q->step();
  return row.is_ok() && row.value() ? q->column_int(0) : -1;
}

// A database with table t holding `rows` committed rows.
std::unique_ptr<SqlDb> writer_with_rows(const std::filesystem::path& path, int rows) {
  std::unique_ptr<SqlDb> db = open_writer(path);
  if (!db) return nullptr;
  EXPECT_TRUE(db->exec("CREATE TABLE t(x INTEGER)").is_ok());
  for (int i = 0; i < rows; ++i) {
    EXPECT_TRUE(db->exec("INSERT INTO t(x) VALUES (" + std::to_string(i) + ")").is_ok());
  }
  return db;
}

TEST(SqliteDbReadOnly, ReadsCommittedRowsWhileAWriterHoldsATransaction) {
  TempDir dir;
  const std::filesystem::path path = dir / "state.db";
  std::unique_ptr<SqlDb> writer = writer_with_rows(path, 3);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->exec("BEGIN IMMEDIATE").is_ok());
  ASSERT_TRUE(writer->exec("INSERT INTO t(x) VALUES (100), (101)").is_ok());
  ASSERT_EQ(count_rows(*writer), 5);  // the writer sees its own uncommitted rows

  Result<std::unique_ptr<SqlDb>> reader = open_sqlite_read_only(path);
  ASSERT_TRUE(reader.is_ok()) << reader.message();
  EXPECT_EQ(count_rows(*reader.value()), 3) << "the reader saw uncommitted rows or none";

  ASSERT_TRUE(writer->exec("COMMIT").is_ok()) << "the reader blocked the writer's commit";
  EXPECT_EQ(count_rows(*reader.value()), 5);
}

TEST(SqliteDbReadOnly, RefusesWritesWithAClearError) {
  TempDir dir;
  const std::filesystem::path path = dir / "state.db";
  std::unique_ptr<SqlDb> writer = writer_with_rows(path, 2);
  ASSERT_NE(writer, nullptr);
  Result<std::unique_ptr<SqlDb>> reader = open_sqlite_read_only(path);
  ASSERT_TRUE(reader.is_ok()) << reader.message();
  for (const char* sql : {"INSERT INTO t(x) VALUES (7)", "UPDATE t SET x = 0", "DELETE FROM t",
                          "CREATE TABLE u(y)"}) {
    const Status s = reader.value()->exec(sql);
    ASSERT_FALSE(s.is_ok()) << sql << " was allowed";
    EXPECT_NE(s.message().find("readonly"), std::string::npos) << sql << ": " << s.message();
  }
  EXPECT_EQ(count_rows(*writer), 2);
}

TEST(SqliteDbReadOnly, OpensADatabaseNoWriterHoldsOpen) {
  TempDir dir;
  const std::filesystem::path path = dir / "state.db";
  writer_with_rows(path, 4).reset();  // closed: SQLite removes the -wal and -shm files
  Result<std::unique_ptr<SqlDb>> reader = open_sqlite_read_only(path);
  ASSERT_TRUE(reader.is_ok()) << reader.message();
  EXPECT_EQ(count_rows(*reader.value()), 4);
}

TEST(SqliteDbReadOnly, AMissingFileIsNamedAndNotCreated) {
  TempDir dir;
  const std::filesystem::path path = dir / "absent.db";
  Result<std::unique_ptr<SqlDb>> reader = open_sqlite_read_only(path);
  ASSERT_FALSE(reader.is_ok());
  EXPECT_NE(reader.message().find(path.string()), std::string::npos) << reader.message();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(SqliteDbTransaction, InTransactionFollowsBeginCommitAndRollback) {
  TempDir dir;
  std::unique_ptr<SqlDb> db = writer_with_rows(dir / "state.db", 0);
  ASSERT_NE(db, nullptr);
  EXPECT_FALSE(db->in_transaction());
  ASSERT_TRUE(db->exec("BEGIN IMMEDIATE").is_ok());
  EXPECT_TRUE(db->in_transaction());
  ASSERT_TRUE(db->exec("COMMIT").is_ok());
  EXPECT_FALSE(db->in_transaction());
  ASSERT_TRUE(db->exec("BEGIN").is_ok());
  EXPECT_TRUE(db->in_transaction());
  ASSERT_TRUE(db->exec("ROLLBACK").is_ok());
  EXPECT_FALSE(db->in_transaction());
}

}  // namespace
}  // namespace tf
