#include "dispatcher/leadership.h"

#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

namespace tf {
namespace {

// The database server's clock in milliseconds (leases never compare two machines' clocks).
constexpr const char* kServerNowMs = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

Status rollback_with(SqlDb& db, Status status) {
  db.rollback();
  return status;
}

}  // namespace

std::string Leadership::default_holder_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  std::random_device random;
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(random());
}

Result<bool> Leadership::try_take(SqlDb& db, std::string* current_holder) {
  if (Status s = db.begin(); !s) return Error{s.message()};
  Status s = db.exec(
      "INSERT INTO leadership(id, holder, epoch, expires_ms) VALUES (1, '', 0, 0)"
      " ON CONFLICT DO NOTHING");
  if (!s) return Error{rollback_with(db, s).message()};
  Result<SqlStatement> row = db.prepare(std::string("SELECT holder, epoch, expires_ms < ") +
                                        kServerNowMs + " FROM leadership WHERE id = 1 FOR UPDATE");
  if (!row) return Error{rollback_with(db, row.status()).message()};
  Result<bool> found = row->step();
  if (!found || !found.value()) {
    return Error{
        rollback_with(db, found ? Status(Error{"no leadership row"}) : found.status()).message()};
  }
  *current_holder = row->column_text(0);
  const bool expired = row->column_int(2) != 0;
  const uint64_t epoch = static_cast<uint64_t>(row->column_int(1));
  if (!expired) {
    db.rollback();
    return false;
  }
  Result<SqlStatement> take =
      db.prepare(std::string("UPDATE leadership SET holder = ?, epoch = ?, expires_ms = ") +
                 kServerNowMs + " + ? WHERE id = 1");
  if (!take) return Error{rollback_with(db, take.status()).message()};
  take->bind(1, options_.holder)
      .bind(2, static_cast<int64_t>(epoch + 1))
      .bind(3, options_.lease_ms);
  if (Status t = take->run(); !t) return Error{rollback_with(db, t).message()};
  if (Status c = db.commit(); !c) return Error{c.message()};
  epoch_ = epoch + 1;
  return true;
}

Result<std::unique_ptr<Leadership>> Leadership::acquire(SqlDb& db, LeadershipOptions options) {
  std::unique_ptr<Leadership> leadership(new Leadership(std::move(options)));
  const LeadershipOptions& o = leadership->options_;
  // A stopped leader's open transaction must not hold the row's lock for longer than half a
  // lease; statements never wait on a lock for longer than a lease.
  if (Status s = db.set_session(
          "SET idle_in_transaction_session_timeout = " + std::to_string(o.lease_ms / 2) +
          "; SET lock_timeout = " + std::to_string(o.lease_ms));
      !s) {
    return Error{s.message()};
  }
  std::string seen;
  for (;;) {
    // A database that is down or unreachable while this dispatcher waits is waited out too
    // (the connection is opened again before the next try); the first failure is logged.
    std::string holder;
    Result<bool> taken = leadership->try_take(db, &holder);
    if (taken && taken.value()) return leadership;
    const std::string state =
        taken ? "dispatcher " + holder + " is active; taking over when its lease lapses"
              : "cannot reach the database (" + taken.message() + "); trying again";
    if (state != seen && o.log) o.log("standby: " + state);
    seen = state;
    if (o.stop_waiting && o.stop_waiting()) return Error{"stopped while on standby"};
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
}

Status Leadership::fence(SqlDb& db) {
  if (!renew_) {
    Result<SqlStatement> renew =
        db.prepare(std::string("UPDATE leadership SET expires_ms = ") + kServerNowMs +
                   " + ? WHERE id = 1 AND holder = ? AND epoch = ? RETURNING epoch");
    if (!renew) return renew.status();
    renew_.emplace(std::move(renew.value()));
  }
  renew_->reset();
  renew_->bind(1, options_.lease_ms).bind(2, options_.holder).bind(3, static_cast<int64_t>(epoch_));
  Result<bool> row = renew_->step();
  renew_->reset();
  if (!row) return row.status();
  if (!row.value()) {
    return Error{"this dispatcher lost the leadership (epoch " + std::to_string(epoch_) +
                 "): another dispatcher of the farm is active now; this one writes nothing more"};
  }
  last_fence_ = std::chrono::steady_clock::now();
  return Status::ok();
}

bool Leadership::renewal_due() const {
  return std::chrono::steady_clock::now() - last_fence_ >=
         std::chrono::milliseconds(options_.lease_ms / 3);
}

}  // namespace tf
