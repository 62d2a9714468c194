// The trust side of the dashboard: credit per key, the ledger's tail and whether the ledger
// verifies, read from the dispatcher's store through a read-only connection of its own (the
// loop's is never touched: SQLite WAL readers do not block the writer; PostgreSQL sessions are
// read-only).
//
// Cost: a summary is refreshed at most every `refresh_ms`; verification is incremental (each
// refresh checks only the entries appended since, at most kVerifyPerRefresh of them, so a long
// ledger is verified over several refreshes without stalling a request). A read error keeps
// the last good summary, says what failed, and reopens the connection on the next refresh.
//
// Thread safety: summary() may be called from any thread (one refresh at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/ledger.h"
#include "dispatcher/trust_queries.h"
#include "formats/protocol/trust_messages.h"

namespace tf {

struct TrustSummary {
  int64_t taken_ms = 0;
  std::vector<proto::CreditRow> credits;  // most credit first
  uint64_t ledger_entries = 0;
  uint64_t entries_verified = 0;  // checked so far, from the first
  bool ledger_ok = true;          // no bad entry among those checked
  bool key_known = true;          // false: no ledger public key to verify with yet
  std::string problem;            // the first bad entry's, when !ledger_ok
  std::vector<LedgerEntry> tail;  // the last kTail entries, oldest first
  std::string error;              // why the last refresh failed (empty: it did not)
};

class TrustFeed {
 public:
  static constexpr uint64_t kTail = 12;
  static constexpr uint64_t kVerifyPerRefresh = 50000;
  using Opener = std::function<Result<ReadOnlyStore>()>;
  TrustFeed(Opener open, int64_t refresh_ms) : open_(std::move(open)), refresh_ms_(refresh_ms) {}

  std::shared_ptr<const TrustSummary> summary(int64_t now_ms);

 private:
  Status refresh(TrustSummary& next);

  Opener open_;
  const int64_t refresh_ms_;
  std::mutex mutex_;
  std::optional<ReadOnlyStore> store_;
  std::optional<LedgerVerifier> verifier_;
  std::shared_ptr<const TrustSummary> summary_;
};

}  // namespace tf
