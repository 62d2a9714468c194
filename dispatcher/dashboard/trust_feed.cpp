#include "dispatcher/dashboard/trust_feed.h"

#include <algorithm>

namespace tf {

std::shared_ptr<const TrustSummary> TrustFeed::summary(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (summary_ && now_ms - summary_->taken_ms < refresh_ms_) return summary_;
  auto next =
      summary_ ? std::make_shared<TrustSummary>(*summary_) : std::make_shared<TrustSummary>();
  next->taken_ms = now_ms;
  next->error.clear();
  if (Status s = refresh(*next); !s) {
    next->error = s.message();
    store_.reset();  // reopened on the next refresh
  }
  summary_ = std::move(next);
  return summary_;
}

Status TrustFeed::refresh(TrustSummary& next) {
  if (!store_) {
    Result<ReadOnlyStore> opened = open_();
    if (!opened) return Error{opened.message()};
    store_ = std::move(opened.value());
  }
  SqlDb& db = *store_->db;
  Result<std::vector<proto::CreditRow>> credits = query_credits(db);
  if (!credits) return Error{credits.message()};
  next.credits = std::move(credits.value());
  Result<uint64_t> count = count_ledger_entries(db);
  if (!count) return Error{count.message()};
  next.ledger_entries = count.value();
  const uint64_t first = next.ledger_entries > kTail ? next.ledger_entries - kTail : 0;
  Result<std::vector<LedgerEntry>> tail = read_ledger_entries(db, first, kTail);
  if (!tail) return Error{tail.message()};
  next.tail = std::move(tail.value());
  if (!store_->ledger_key) {
    next.key_known = false;
    return Status::ok();
  }
  next.key_known = true;
  if (!verifier_) verifier_.emplace(*store_->ledger_key);
  const uint64_t checked = verifier_->result().entries;
  if (!verifier_->result().ok() || checked >= next.ledger_entries) return Status::ok();
  const uint64_t batch = std::min(kVerifyPerRefresh, next.ledger_entries - checked);
  Result<std::vector<LedgerEntry>> entries = read_ledger_entries(db, checked, batch);
  if (!entries) return Error{entries.message()};
  for (const LedgerEntry& entry : entries.value()) {
    if (!verifier_->add(entry)) break;
  }
  const LedgerVerification& outcome = verifier_->result();
  // Entries read but not yet covered by a signature wait for the page that holds it.
  next.entries_verified = outcome.covered();
  next.ledger_ok = outcome.ok();
  next.problem = outcome.problem;
  return Status::ok();
}

}  // namespace tf
