// A check of a dispatcher's credit on its store (either engine): one ledger entry per agreeing
// replica of every accepted unit, and no entry for a result that was not accepted. Shared by
// the dispatcher core tests and the farm tests (tests/integration/ledger_checks.h).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "dispatcher/sql_db.h"

namespace tf::testing {

// Runs `sql` (one integer or text key and one integer per row) into a map.
inline std::map<std::string, int64_t> keyed_counts(SqlDb& db, const std::string& sql) {
  std::map<std::string, int64_t> out;
  auto q = db.prepare(sql);
  EXPECT_TRUE(q.is_ok()) << q.message();
  if (!q) return out;
  for (;;) {
    auto row = q->step();
    EXPECT_TRUE(row.is_ok()) << row.message();
    if (!row || !row.value()) return out;
    out[q->column_text(0)] = q->column_int(1);
  }
}

// Per accepted unit, its agreeing replicas and the ledger entries must match one to one.
inline void expect_one_entry_per_agreeing_replica(SqlDb& db) {
  const auto agreeing = keyed_counts(
      db,
      "SELECT r.unit_id || '/' || r.worker_key, COUNT(*) FROM replicas r JOIN units u ON"
      " u.id = r.unit_id WHERE u.result IS NOT NULL AND r.hash = u.result AND r.state = 'agreed'"
      " GROUP BY r.unit_id, r.worker_key");
  const auto entries = keyed_counts(
      db, "SELECT unit_id || '/' || worker_key, COUNT(*) FROM ledger GROUP BY unit_id, worker_key");
  EXPECT_EQ(entries, agreeing);
  const auto orphans =
      keyed_counts(db,
                   "SELECT 'orphans', COUNT(*) FROM ledger l JOIN units u ON u.id = l.unit_id"
                   " WHERE u.result IS NULL OR u.result != l.result");
  EXPECT_EQ(orphans.at("orphans"), 0);
}

}  // namespace tf::testing
