// The dispatcher's one interface to a SQL database: a connection that runs statements and
// prepares them, errors as values. Two engines sit behind it: SQLite (sqlite_db.h, the
// embedded default under --state) and PostgreSQL (postgres_db.h, `--store postgresql://...`).
//
// SQL text is written once, in the subset both engines accept: `?` or `?N` placeholders
// (PostgreSQL's backend rewrites them to `$N`), `INSERT ... ON CONFLICT ... DO NOTHING / DO
// UPDATE`, `RETURNING id` for generated keys, INTEGER (64-bit: PostgreSQL schemas declare
// BIGINT) and BLOB (bytea) columns. Schema text differs per engine only where the engines do
// (store_schema.cpp).
//
// Thread safety: a SqlDb and its statements belong to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/status.h"

namespace tf {

enum class SqlEngine : uint8_t { kSqlite, kPostgres };

// A prepared statement: bind by 1-based position, step through the rows, read columns of the
// current row. A NULL column reads as 0, "" or no bytes.
class SqlStatement {
 public:
  // What an engine implements.
  class Cursor {
   public:
    virtual ~Cursor() = default;
    virtual void bind_int(int index, int64_t value) = 0;
    virtual void bind_text(int index, std::string_view text) = 0;
    // data == nullptr binds NULL; otherwise `size` bytes (possibly none).
    virtual void bind_blob(int index, const void* data, size_t size) = 0;
    virtual Result<bool> step() = 0;
    // Forgets the rows and the bindings; the statement may be bound and stepped again.
    virtual void reset() = 0;
    virtual int64_t column_int(int col) const = 0;
    virtual std::string column_text(int col) const = 0;
    virtual std::vector<uint8_t> column_blob(int col) const = 0;
    // Queues the bound statement to run with the connection's next round trip instead of
    // now, and resets it; false when this engine or moment does not batch (it then runs now).
    virtual bool queue() { return false; }
  };

  explicit SqlStatement(std::unique_ptr<Cursor> cursor) : cursor_(std::move(cursor)) {}

  // Binds by 1-based position; returns *this for chaining.
  SqlStatement& bind(int index, int64_t value) {
    cursor_->bind_int(index, value);
    return *this;
  }
  SqlStatement& bind(int index, std::string_view text) {
    cursor_->bind_text(index, text);
    return *this;
  }
  SqlStatement& bind_blob(int index, const void* data, size_t size) {
    cursor_->bind_blob(index, data, size);
    return *this;
  }

  // Steps once: true when a row is available, false when done. Errors name the SQL.
  Result<bool> step() { return cursor_->step(); }
  // Steps until done (for statements that return no rows) and resets for reuse.
  Status run();
  // As run(), for writes inside a transaction whose failure may be reported later: PostgreSQL
  // sends queued writes together with the connection's next statement or the commit (one round
  // trip for many), and an error then surfaces there, failing the transaction as it would have
  // anyway. SQLite runs it now.
  Status run_batched() { return cursor_->queue() ? Status::ok() : run(); }
  void reset() { cursor_->reset(); }

  int64_t column_int(int col) const { return cursor_->column_int(col); }
  std::string column_text(int col) const { return cursor_->column_text(col); }
  std::vector<uint8_t> column_blob(int col) const { return cursor_->column_blob(col); }

 private:
  std::unique_ptr<Cursor> cursor_;
};

class SqlDb;

// Statements prepared once and reset for each use, keyed by the address of their SQL text
// (callers pass string literals, so one text is one statement).
class SqlStatementCache {
 public:
  explicit SqlStatementCache(SqlDb& db) : db_(&db) {}
  // The statement for `sql`, prepared on first use, reset (no rows, no bindings).
  Result<SqlStatement*> get(const char* sql);
  // Forgets every statement (after the connection was opened again, they are gone).
  void clear() { statements_.clear(); }

 private:
  SqlDb* db_;
  std::map<const char*, SqlStatement> statements_;
};

class SqlDb {
 public:
  virtual ~SqlDb() = default;
  virtual SqlEngine engine() const = 0;
  // Runs one or more statements that return no rows.
  virtual Status exec(std::string_view sql) = 0;
  virtual Result<SqlStatement> prepare(std::string_view sql) = 0;
  // Runs session settings (SET ...) that must hold for the connection's life: an engine that
  // reconnects after losing its server runs them again.
  virtual Status set_session(std::string_view sql) = 0;
  // Opens a write transaction (SQLite: BEGIN IMMEDIATE, so the write lock is taken now).
  virtual Status begin() = 0;
  // Commits; an error when the engine did not (PostgreSQL rolls back a transaction in which a
  // statement failed, and says so only in the command's tag).
  virtual Status commit() = 0;
  // Ends the open transaction without its writes (none open: a no-op).
  virtual void rollback() = 0;
  // True between begin() and commit() or rollback() on this connection.
  virtual bool in_transaction() const = 0;
};

}  // namespace tf
