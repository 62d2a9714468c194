// A thin RAII layer over the SQLite C API: one connection, prepared statements, errors as
// values. Used by the dispatcher's store, and read-only by the trust queries.
//
// Thread safety: a SqliteDb and its statements belong to one thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/status.h"

namespace tf {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement() { sqlite3_finalize(stmt_); }

  // Binds by 1-based position; returns *this for chaining.
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_blob(int index, const void* data, size_t size);

  // Steps once: true when a row is available, false when done. Errors name the SQL.
  Result<bool> step();
  // Steps until done (for statements that return no rows) and resets for reuse.
  Status run();
  void reset();

  int64_t column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string column_text(int col) const;
  std::vector<uint8_t> column_blob(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb {
 public:
  // Opens (creating if needed) the database at `path` with the durability settings the
  // dispatcher relies on: WAL, synchronous=FULL, foreign_keys=ON, busy_timeout 5 s.
  static Result<std::unique_ptr<SqliteDb>> open(const std::filesystem::path& path);
  // Opens an existing database for reading only (SQLITE_OPEN_READONLY): every write is refused
  // by SQLite ("attempt to write a readonly database"), and nothing is created. In WAL mode it
  // reads the last committed state while a writer holds a transaction open (it never sees the
  // writer's uncommitted rows and never blocks it). Errors name the path.
  static Result<std::unique_ptr<SqliteDb>> open_read_only(const std::filesystem::path& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows.
  Status exec(std::string_view sql);
  Result<SqliteStatement> prepare(std::string_view sql);
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  // True between BEGIN and COMMIT/ROLLBACK on this connection (sqlite3_get_autocommit).
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  // sqlite3_open_v2 with `flags` and a 5 s busy timeout; no pragmas.
  static Result<std::unique_ptr<SqliteDb>> open_with_flags(const std::filesystem::path& path,
                                                           int flags);
  sqlite3* db_;
};

}  // namespace tf
