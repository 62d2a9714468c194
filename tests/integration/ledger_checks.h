// Checks of a farm's credit after a run, on its store (either engine): one ledger entry per
// agreeing replica of every accepted unit, and a ledger that verifies under the dispatcher's
// public key. Also submits the replicated synthetic job those checks are made on.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dispatcher/client.h"
#include "dispatcher/ledger.h"
#include "tests/dispatcher/ledger_entry_checks.h"
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

inline void expect_ledger_verifies(SqlDb& db, const std::filesystem::path& state) {
  auto key = read_ledger_public_key(state);
  ASSERT_TRUE(key.is_ok()) << key.message();
  auto v = verify_ledger(db, key.value());
  ASSERT_TRUE(v.is_ok()) << v.message();
  EXPECT_TRUE(v->ok()) << "entry " << v->first_bad_seq.value_or(0) << ": " << v->problem;
  EXPECT_GT(v->entries, 0u);
}

}  // namespace tf::testing
