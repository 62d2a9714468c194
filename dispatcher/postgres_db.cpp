#include "dispatcher/postgres_db.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace tf {
namespace {

// `?N` -> `$N` and bare `?` -> `$k` (k counting the bare ones), outside quoted text.
std::string dollar_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int bare = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      if (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') continue;
      out += std::to_string(++bare);
    } else {
      out += c;
    }
  }
  return out;
}

constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea, fixed in every PostgreSQL

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string result_error(PGconn* conn, const PGresult* result) {
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  std::string text = message && *message ? message : PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool command_ok(const PGresult* r) {
  const ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// Writes queued by run_batched() inside a transaction, sent as one multi-statement query (one
// round trip) before the connection's next statement, or at the commit.
class WriteBatch {
 public:
  void add(std::string statement) {
    sql_ += statement;
    sql_ += ";\n";
    ++count_;
  }
  // Sends the queued writes; the error of the first that failed (the server stops there).
  Status flush(PGconn* conn) {
    if (count_ == 0) return Status::ok();
    const std::string text = std::exchange(sql_, {});
    const size_t count = std::exchange(count_, 0);
    PgResult r(PQexec(conn, text.c_str()));
    if (!r || !command_ok(r.get())) {
      return Error{"database error: " + result_error(conn, r.get()) + " (in one of " +
                   std::to_string(count) + " batched writes)"};
    }
    return Status::ok();
  }
  void discard() {
    sql_.clear();
    count_ = 0;
  }

 private:
  std::string sql_;
  size_t count_ = 0;
};

class PostgresCursor final : public SqlStatement::Cursor {
 public:
  PostgresCursor(PGconn* conn, WriteBatch* batch, std::string name, std::string sql)
      : conn_(conn), batch_(batch), name_(std::move(name)), sql_(std::move(sql)) {}
  // The server keeps a prepared statement for the session's life unless told otherwise.
  ~PostgresCursor() override { PQclear(PQexec(conn_, ("DEALLOCATE " + name_).c_str())); }
  PostgresCursor(const PostgresCursor&) = delete;
  PostgresCursor& operator=(const PostgresCursor&) = delete;

  void bind_int(int index, int64_t value) override { set(index, std::to_string(value), 0); }
  // Binary format: text columns are bytea here (store_schema.h), and a text parameter's binary
  // form is its bytes too.
  void bind_text(int index, std::string_view text) override { set(index, std::string(text), 1); }
  void bind_blob(int index, const void* data, size_t size) override {
    if (!data) {
      slot(index) = Param{};
      return;
    }
    const auto* bytes = static_cast<const char*>(data);
    set(index, std::string(bytes, size), 1);
  }

  bool queue() override {
    if (PQtransactionStatus(conn_) != PQTRANS_INTRANS) return false;
    batch_->add(with_literals());
    reset();
    return true;
  }

  Result<bool> step() override {
    if (!result_) {
      if (Status s = batch_->flush(conn_); !s) {
        reset();
        return Error{s.message()};
      }
      std::vector<const char*> values(params_.size());
      std::vector<int> lengths(params_.size()), formats(params_.size());
      for (size_t i = 0; i < params_.size(); ++i) {
        if (params_[i].value) {
          values[i] = params_[i].value->data();
          lengths[i] = static_cast<int>(params_[i].value->size());
        }
        formats[i] = params_[i].format;
      }
      result_.reset(PQexecPrepared(conn_, name_.c_str(), static_cast<int>(params_.size()),
                                   values.data(), lengths.data(), formats.data(), 0));
      if (!result_ || !command_ok(result_.get())) {
        std::string message =
            "database error: " + result_error(conn_, result_.get()) + " (in: " + sql_ + ")";
        reset();
        return Error{std::move(message)};
      }
      row_ = -1;
    }
    return ++row_ < PQntuples(result_.get());
  }

  void reset() override {
    result_.reset();
    params_.clear();
  }

  int64_t column_int(int col) const override {
    const char* text = value(col);
    if (!text) return 0;
    if (text[0] == 't' && text[1] == 0) return 1;  // boolean
    if (text[0] == 'f' && text[1] == 0) return 0;
    return std::strtoll(text, nullptr, 10);
  }
  std::string column_text(int col) const override {
    std::vector<uint8_t> bytes = column_blob(col);
    return std::string(bytes.begin(), bytes.end());
  }
  std::vector<uint8_t> column_blob(int col) const override {
    const char* text = value(col);
    if (!text) return {};
    const size_t length = static_cast<size_t>(PQgetlength(result_.get(), row_, col));
    if (PQftype(result_.get(), col) != kByteaOid || length < 2) {
      return std::vector<uint8_t>(text, text + length);
    }
    // bytea in text form is hex (bytea_output = 'hex'): \x, then two digits per byte.
    std::vector<uint8_t> bytes((length - 2) / 2);
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<uint8_t>(hex_value(text[2 + 2 * i]) << 4 | hex_value(text[3 + 2 * i]));
    }
    return bytes;
  }

 private:
  // The statement with its parameters written in as literals: integers as they are, bytes
  // as bytea hex ('\x...'), NULL as NULL.
  std::string with_literals() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    char quote = 0;
    for (size_t i = 0; i < sql_.size(); ++i) {
      const char c = sql_[i];
      if (quote || c != '$' || i + 1 >= sql_.size() || sql_[i + 1] < '0' || sql_[i + 1] > '9') {
        if (quote && c == quote) {
          quote = 0;
        } else if (!quote && (c == '\'' || c == '"')) {
          quote = c;
        }
        out += c;
        continue;
      }
      size_t end = i + 1;
      while (end < sql_.size() && sql_[end] >= '0' && sql_[end] <= '9') ++end;
      const size_t index = std::stoul(sql_.substr(i + 1, end - i - 1));
      const Param* p = index >= 1 && index <= params_.size() ? &params_[index - 1] : nullptr;
      if (!p || !p->value) {
        out += "NULL";
      } else if (p->format == 0) {
        out += *p->value;  // an integer's decimal text
      } else {
        out += "'\\x";
        for (unsigned char b : *p->value) {
          out += kHex[b >> 4];
          out += kHex[b & 15];
        }
        out += "'::bytea";
      }
      i = end - 1;
    }
    return out;
  }

  struct Param {
    std::optional<std::string> value;  // nullopt: NULL
    int format = 0;                    // 0 text, 1 binary
  };
  Param& slot(int index) {
    if (params_.size() < static_cast<size_t>(index)) params_.resize(static_cast<size_t>(index));
    return params_[static_cast<size_t>(index) - 1];
  }
  void set(int index, std::string value, int format) {
    slot(index) = Param{std::move(value), format};
  }
  const char* value(int col) const {
    if (!result_ || row_ < 0 || row_ >= PQntuples(result_.get()) ||
        col >= PQnfields(result_.get()) || PQgetisnull(result_.get(), row_, col)) {
      return nullptr;
    }
    return PQgetvalue(result_.get(), row_, col);
  }

  PGconn* conn_;
  WriteBatch* batch_;  // the connection's
  std::string name_, sql_;
  std::vector<Param> params_;
  PgResult result_;
  int row_ = -1;
};

class PostgresDb final : public SqlDb {
 public:
  explicit PostgresDb(PGconn* conn) : conn_(conn) {}
  ~PostgresDb() override { PQfinish(conn_); }
  PostgresDb(const PostgresDb&) = delete;
  PostgresDb& operator=(const PostgresDb&) = delete;

  SqlEngine engine() const override { return SqlEngine::kPostgres; }

  Status exec(std::string_view sql) override {
    reconnect_if_lost();
    if (Status s = batch_.flush(conn_); !s) return s;
    PgResult r(PQexec(conn_, std::string(sql).c_str()));
    if (!r || !command_ok(r.get())) {
      return Error{"database error: " + result_error(conn_, r.get())};
    }
    return Status::ok();
  }

  Result<SqlStatement> prepare(std::string_view sql) override {
    reconnect_if_lost();
    const std::string text = dollar_placeholders(sql);
    const std::string name = "tf" + std::to_string(++statements_);
    PgResult r(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    if (!r || !command_ok(r.get())) {
      return Error{"database error: " + result_error(conn_, r.get()) + " (preparing: " + text +
                   ")"};
    }
    return SqlStatement(std::make_unique<PostgresCursor>(conn_, &batch_, name, text));
  }

  Status set_session(std::string_view sql) override {
    if (Status s = exec(sql); !s) return s;
    session_settings_.emplace_back(sql);
    return Status::ok();
  }

  Status begin() override { return exec("BEGIN"); }

  void rollback() override {
    batch_.discard();
    PQclear(PQexec(conn_, "ROLLBACK"));
  }

  Status commit() override {
    if (Status s = batch_.flush(conn_); !s) {
      rollback();
      return s;
    }
    PgResult r(PQexec(conn_, "COMMIT"));
    if (!r || !command_ok(r.get())) return Error{"database error: " + result_error(conn_, r.get())};
    // COMMIT of a transaction in which a statement failed rolls it back, successfully.
    if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
      return Error{"database error: the transaction was rolled back (a statement in it failed)"};
    }
    return Status::ok();
  }

  bool in_transaction() const override {
    const PGTransactionStatusType s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
  }

 private:
  // A connection the server or the network dropped is opened again with the same settings
  // (PQreset) before the next statement; the session's SET commands are run again. Statements
  // prepared on the old connection are gone: their next use fails with an error that names
  // them, which is what a dispatcher in the middle of its work should see (it stops; a standby
  // that only prepares afresh rides the outage out).
  void reconnect_if_lost() {
    if (PQstatus(conn_) != CONNECTION_BAD) return;
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) {
      for (const std::string& set : session_settings_) PQclear(PQexec(conn_, set.c_str()));
    }
  }

  PGconn* conn_;
  WriteBatch batch_;
  uint64_t statements_ = 0;
  std::vector<std::string> session_settings_;  // set_session(), repeated after a reconnection
};

// libpq's notices (e.g. "relation already exists, skipping") are not errors; keep them off
// stderr.
void ignore_notice(void*, const char*) {}

// True when `text` names a PostgreSQL database (postgresql:// or postgres://).
bool is_postgres_url(const std::string& text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

}  // namespace

std::string redact_database_url(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t at = url.find('@', scheme + 3);
  const size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<std::unique_ptr<SqlDb>> open_postgres(const std::string& url) {
  if (!is_postgres_url(url)) {
    return Error{"unsupported store " + redact_database_url(url) +
                 ": give a PostgreSQL URL (postgresql://user:password@host:port/database)"};
  }
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), "10", "tilefarm-dispatcher", nullptr};
  // expand_dbname = 1: the URI's own settings win over the defaults above.
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (!conn) return Error{"cannot connect to " + redact_database_url(url) + ": out of memory"};
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = result_error(conn, nullptr);
    PQfinish(conn);
    return Error{"cannot connect to the database " + redact_database_url(url) + ": " + message};
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  auto db = std::make_unique<PostgresDb>(conn);
  // Blobs read back as hex whatever the server's default; a statement waits at most 30 s for a
  // lock instead of hanging forever.
  if (Status s = db->set_session("SET bytea_output = 'hex'; SET lock_timeout = '30s'"); !s) {
    return Error{s.message()};
  }
  return std::unique_ptr<SqlDb>(std::move(db));
}

}  // namespace tf
