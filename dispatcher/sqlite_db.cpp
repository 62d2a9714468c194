#include "dispatcher/sqlite_db.h"

#include <sqlite3.h>

#include "dispatcher/wal_checkpointer.h"

namespace tf {
namespace {

class SqliteCursor final : public SqlStatement::Cursor {
 public:
  SqliteCursor(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteCursor() override { sqlite3_finalize(stmt_); }
  SqliteCursor(const SqliteCursor&) = delete;
  SqliteCursor& operator=(const SqliteCursor&) = delete;

  void bind_int(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void bind_text(int index, std::string_view text) override {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind_blob(int index, const void* data, size_t size) override {
    sqlite3_bind_blob(stmt_, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
  }

  Result<bool> step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string message =
        std::string("database error: ") + sqlite3_errmsg(db_) + " (in: " + sqlite3_sql(stmt_) + ")";
    sqlite3_reset(stmt_);
    return Error{std::move(message)};
  }

  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t column_int(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string column_text(int col) const override {
    const auto* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
                : std::string();
  }
  std::vector<uint8_t> column_blob(int col) const override {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
    return data ? std::vector<uint8_t>(data, data + sqlite3_column_bytes(stmt_, col))
                : std::vector<uint8_t>();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb final : public SqlDb {
 public:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  ~SqliteDb() override {
    checkpointer_.reset();  // before the connection it hooks closes
    sqlite3_close_v2(db_);
  }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  SqlEngine engine() const override { return SqlEngine::kSqlite; }

  Status exec(std::string_view sql) override {
    char* err = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = std::string("database error: ") + (err ? err : sqlite3_errmsg(db_));
      sqlite3_free(err);
      return Error{std::move(message)};
    }
    return Status::ok();
  }

  Result<SqlStatement> prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return Error{std::string("database error: ") + sqlite3_errmsg(db_) +
                   " (preparing: " + std::string(sql) + ")"};
    }
    return SqlStatement(std::make_unique<SqliteCursor>(db_, stmt));
  }

  Status set_session(std::string_view sql) override { return exec(sql); }
  Status begin() override { return exec("BEGIN IMMEDIATE"); }
  Status commit() override { return exec("COMMIT"); }
  void rollback() override { (void)exec("ROLLBACK"); }
  // sqlite3_get_autocommit is zero inside an explicit transaction.
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

  // Hands this connection's checkpoints to a thread of their own (wal_checkpointer.h).
  Status checkpoint_in_background(const std::filesystem::path& path) {
    Result<std::unique_ptr<WalCheckpointer>> started = WalCheckpointer::start(path, db_);
    if (!started) return Error{started.message()};
    checkpointer_ = std::move(started.value());
    return Status::ok();
  }

 private:
  sqlite3* db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

// sqlite3_open_v2 with `flags` and a 5 s busy timeout; no pragmas.
Result<std::unique_ptr<SqliteDb>> open_with_flags(const std::filesystem::path& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  auto db = std::make_unique<SqliteDb>(raw);
  if (rc != SQLITE_OK) {
    return Error{"cannot open the dispatcher database " + path.string() + ": " +
                 (raw ? sqlite3_errmsg(raw) : "out of memory")};
  }
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

}  // namespace

Result<std::unique_ptr<SqlDb>> open_sqlite(const std::filesystem::path& path) {
  Result<std::unique_ptr<SqliteDb>> db =
      open_with_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return Error{db.message()};
  // WAL + synchronous=FULL: every commit is durable across power loss (NORMAL is not).
  Status s =
      db.value()->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!s) return Error{"cannot configure " + path.string() + ": " + s.message()};
  if (s = db.value()->checkpoint_in_background(path); !s) return Error{s.message()};
  return std::unique_ptr<SqlDb>(std::move(db.value()));
}

Result<std::unique_ptr<SqlDb>> open_sqlite_read_only(const std::filesystem::path& path) {
  Result<std::unique_ptr<SqliteDb>> db = open_with_flags(path, SQLITE_OPEN_READONLY);
  if (!db) return Error{db.message()};
  return std::unique_ptr<SqlDb>(std::move(db.value()));
}

}  // namespace tf
