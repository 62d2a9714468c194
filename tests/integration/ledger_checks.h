// Checks of a farm's credit after a run, on its store (either engine): one ledger entry per
// agreeing replica of every accepted unit, and a ledger that verifies under the dispatcher's
// public key. Also submits the replicated synthetic job those checks are made on.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "dispatcher/client.h"
#include "dispatcher/ledger.h"
#include "tests/integration/farm_fixture.h"

namespace tf::testing {

inline Result<uint64_t> submit_replicated(DispatcherClient& client, const SyntheticScene& scene,
                                          uint32_t frames) {
  Result<Hash256> bundle = client.upload_bundle(scene.manifest, scene.dir);
  if (!bundle) return Error{bundle.message()};
  proto::SubmitJob job{"trust", bundle.value(), {}, kTile, kSpp, kSamplesPerUnit, 0, 2, 2, 0};
  for (uint32_t f = 1; f <= frames; ++f) job.frames.push_back({f, "scene.pbrt", kWidth, kHeight});
  return client.submit(job);
}

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

inline void expect_ledger_verifies(SqlDb& db, const std::filesystem::path& state) {
  auto key = read_ledger_public_key(state);
  ASSERT_TRUE(key.is_ok()) << key.message();
  auto v = verify_ledger(db, key.value());
  ASSERT_TRUE(v.is_ok()) << v.message();
  EXPECT_TRUE(v->ok()) << "entry " << v->first_bad_seq.value_or(0) << ": " << v->problem;
  EXPECT_GT(v->entries, 0u);
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
