#include "dispatcher/sqlite_db.h"

namespace tf {

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob(int index, const void* data, size_t size) {
  sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  return *this;
}

Result<bool> SqliteStatement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = std::string("database error: ") + sqlite3_errmsg(db_) + " (in: " +
                        sqlite3_sql(stmt_) + ")";
  sqlite3_reset(stmt_);
  return Error{std::move(message)};
}

Status SqliteStatement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row) return row.status();
    if (!row.value()) break;
  }
  reset();
  return Status::ok();
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::column_text(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
              : std::string();
}

std::vector<uint8_t> SqliteStatement::column_blob(int col) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  return data ? std::vector<uint8_t>(data, data + sqlite3_column_bytes(stmt_, col))
              : std::vector<uint8_t>();
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open_with_flags(const std::filesystem::path& path,
                                                            int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) {
    return Error{"cannot open the dispatcher database " + path.string() + ": " +
                 (raw ? sqlite3_errmsg(raw) : "out of memory")};
  }
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::filesystem::path& path) {
  Result<std::unique_ptr<SqliteDb>> db =
      open_with_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db;
  // WAL + synchronous=FULL: every commit is durable across power loss (NORMAL is not).
  Status s = db.value()->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!s) return Error{"cannot configure " + path.string() + ": " + s.message()};
  return db;
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open_read_only(const std::filesystem::path& path) {
  return open_with_flags(path, SQLITE_OPEN_READONLY);
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = std::string("database error: ") + (err ? err : sqlite3_errmsg(db_));
    sqlite3_free(err);
    return Error{std::move(message)};
  }
  return Status::ok();
}

Result<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Error{std::string("database error: ") + sqlite3_errmsg(db_) + " (preparing: " +
                 std::string(sql) + ")"};
  }
  return SqliteStatement(db_, stmt);
}

}  // namespace tf
