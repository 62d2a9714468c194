// Exactly one active dispatcher among several that share one PostgreSQL database: leadership
// is a fenced lease in the database's `leadership` row (holder, epoch, expiry on the database
// server's clock, so the dispatchers' own clocks never matter).
//
// - acquire() waits while another holder's lease is live, then takes the row: epoch + 1.
// - fence() runs first in every write transaction of the leader (Store::begin): it extends the
//   lease and succeeds only while the row still names this holder and epoch. Its UPDATE holds
//   the row's lock until the transaction ends, so a takeover cannot interleave with a
//   transaction: either the old leader's transaction commits before the new leader's epoch
//   exists, or its fence finds the new epoch and it writes nothing.
// - A leader that stops mid-transaction (SIGSTOP, a hung machine) would keep that lock; its
//   session is set to be ended by the server after idle_in_transaction_session_timeout (half
//   the lease), so the lock is freed before the lease can be taken over.
// - A leader idle for a while renews by opening a transaction (renewal_due()).
// A deposed leader's next transaction fails with an error that says so; the dispatcher stops
// and can be started again as a standby.
//
// Thread safety: one Leadership belongs to the thread of its store's connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dispatcher/sql_db.h"
#include "kernels/status.h"

namespace tf {

struct LeadershipOptions {
  std::string holder;       // this dispatcher's name in the row (host, process, random)
  int64_t lease_ms = 5000;  // how long a leader's lease lasts without renewal
  int64_t poll_ms = 500;    // how often a standby looks at the row
  // Polled while waiting: true stops the wait (acquire() then fails with "stopped").
  std::function<bool()> stop_waiting;
  // One line each time the standby starts waiting or sees a new holder.
  std::function<void(const std::string&)> log;
};

class Leadership {
 public:
  // Waits for and takes the leadership of `db` (a PostgreSQL connection that stays this
  // dispatcher's store connection), riding out database outages while it waits. The only
  // error: stop_waiting said so.
  static Result<std::unique_ptr<Leadership>> acquire(SqlDb& db, LeadershipOptions options);

  // Inside an open transaction on the same connection: extends the lease, or fails when
  // another dispatcher holds the leadership now.
  Status fence(SqlDb& db);
  // True when the lease should be renewed (a third of it passed since the last fence).
  bool renewal_due() const;
  uint64_t epoch() const { return epoch_; }

  // A holder name unique to this process: host name, process id and a random suffix.
  static std::string default_holder_name();

 private:
  explicit Leadership(LeadershipOptions options) : options_(std::move(options)) {}
  // One attempt, in its own transaction: true when the row is now ours.
  Result<bool> try_take(SqlDb& db, std::string* current_holder);

  LeadershipOptions options_;
  uint64_t epoch_ = 0;
  std::chrono::steady_clock::time_point last_fence_{};
  std::optional<SqlStatement> renew_;  // fence()'s statement, prepared once
};

}  // namespace tf
