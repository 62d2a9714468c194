// The store's unit results: canonical result bytes by hash, in the database (Store, see store.h).
#include "dispatcher/store.h"

namespace tf {

Status Store::put_result_bytes(const Hash256& hash, std::span<const uint8_t> bytes) {
  if (Status s = require_transaction("put_result_bytes"); !s) return s;
  // The same bytes reported twice (two agreeing replicas) are stored once.
  auto st = statement("INSERT INTO results(hash, bytes) VALUES (?, ?) ON CONFLICT DO NOTHING");
  if (!st) return st.status();
  st.value()->bind_blob(1, hash.bytes.data(), hash.bytes.size()).bind_blob(2, bytes.data(), bytes.size());
  return st.value()->run_batched();
}

bool Store::has_result_bytes(const Hash256& hash) {
  auto st = statement("SELECT 1 FROM results WHERE hash = ?");
  if (!st) return false;
  st.value()->bind_blob(1, hash.bytes.data(), hash.bytes.size());
  Result<bool> row = st.value()->step();
  const bool found = row && row.value();
  st.value()->reset();
  return found || blobs_->contains(hash);
}

Status Store::put_observations(const Hash256& result, std::span<const uint8_t> bytes) {
  if (Status s = require_transaction("put_observations"); !s) return s;
  auto st = statement("INSERT INTO observations(result, bytes) VALUES (?, ?) ON CONFLICT DO NOTHING");
  if (!st) return st.status();
  st.value()->bind_blob(1, result.bytes.data(), result.bytes.size())
      .bind_blob(2, bytes.data(), bytes.size());
  return st.value()->run_batched();
}

Result<std::vector<uint8_t>> Store::observations(const Hash256& result) {
  auto st = statement("SELECT bytes FROM observations WHERE result = ?");
  if (!st) return Error{st.message()};
  st.value()->bind_blob(1, result.bytes.data(), result.bytes.size());
  Result<bool> row = st.value()->step();
  if (!row) return Error{row.message()};
  std::vector<uint8_t> bytes = row.value() ? st.value()->column_blob(0) : std::vector<uint8_t>{};
  const bool found = row.value();
  st.value()->reset();
  if (!found) return Error{"no observations stored for result " + result.to_hex()};
  return bytes;
}

Result<std::vector<uint8_t>> Store::result_bytes(const Hash256& hash) {
  auto st = statement("SELECT bytes FROM results WHERE hash = ?");
  if (!st) return Error{st.message()};
  st.value()->bind_blob(1, hash.bytes.data(), hash.bytes.size());
  Result<bool> row = st.value()->step();
  if (!row) return Error{row.message()};
  if (row.value()) {
    std::vector<uint8_t> bytes = st.value()->column_blob(0);
    st.value()->reset();
    return bytes;
  }
  st.value()->reset();
  return blobs_->get(hash);  // a result stored as a file by an older version
}

}  // namespace tf
