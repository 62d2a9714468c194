// The store's part of rendering to quality on both engines (SQLite, PostgreSQL): the job's
// target, cap and deadline and the tiles' rows survive a reopen exactly; a store of the
// previous schema migrates with its jobs reading as jobs of fixed spp.
#include <gtest/gtest.h>

#include "dispatcher/store.h"
#include "tests/dispatcher/store_engines.h"

namespace tf {
namespace {

using testing::StoreLocation;

class QualityStoreTest : public ::testing::TestWithParam<SqlEngine> {
 protected:
  StoreLocation location{GetParam()};
};

TEST_P(QualityStoreTest, KeepsTheJobsOptionsAndItsTilesAcrossAReopen) {
  JobRow row;
  row.name = "quality";
  row.spp = 16;
  row.noise_target = 0.0213;  // not a binary fraction: the double must round-trip bit for bit
  row.max_spp = 1024;
  row.deadline_ms = 1'700'000'123'456;
  uint64_t job = 0;
  {
    std::unique_ptr<Store> store = location.open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->begin().is_ok());
    job = store->insert_job(row).value();
    ASSERT_TRUE(store->insert_frame({job, 2, "s.pbrt", 16, 8, {}, {}, {}}).is_ok());
    ASSERT_TRUE(store->put_quality_tile({job, 2, 8, 0, 16, false}).is_ok());
    ASSERT_TRUE(store->put_quality_tile({job, 2, 0, 0, 16, false}).is_ok());
    // A round planned, then the other tile done: replaced in place, not added.
    ASSERT_TRUE(store->put_quality_tile({job, 2, 8, 0, 32, false}).is_ok());
    ASSERT_TRUE(store->put_quality_tile({job, 2, 0, 0, 16, true}).is_ok());
    ASSERT_TRUE(store->commit().is_ok());
  }
  std::unique_ptr<Store> store = location.open();
  ASSERT_NE(store, nullptr);
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  const JobRow& loaded = snap->jobs.at(0);
  EXPECT_EQ(loaded.noise_target, 0.0213);
  EXPECT_EQ(loaded.max_spp, 1024u);
  EXPECT_EQ(loaded.deadline_ms, 1'700'000'123'456);
  EXPECT_TRUE(loaded.renders_to_quality());
  const std::vector<QualityTileRow> expected = {{job, 2, 0, 0, 16, true},
                                                {job, 2, 8, 0, 32, false}};
  EXPECT_EQ(snap->quality_tiles, expected);
}

TEST_P(QualityStoreTest, AJobOfThePreviousSchemaReadsAsAJobOfFixedSpp) {
  const int previous = Store::latest_schema_version() - 1;
  {
    std::unique_ptr<Store> old = location.open(previous);
    ASSERT_NE(old, nullptr);
    ASSERT_TRUE(old->begin().is_ok());
    Result<uint64_t> id = testing::insert_first_schema_job(*old, "old");
    ASSERT_TRUE(id.is_ok()) << id.message();
    ASSERT_TRUE(old->commit().is_ok());
  }
  std::unique_ptr<Store> store = location.open();
  ASSERT_NE(store, nullptr);
  Result<StoreSnapshot> snap = store->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_FALSE(snap->jobs[0].renders_to_quality());
  EXPECT_EQ(snap->jobs[0].noise_target, 0.0);
  EXPECT_EQ(snap->jobs[0].deadline_ms, 0);
  EXPECT_TRUE(snap->quality_tiles.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, QualityStoreTest, testing::kBothEngines, testing::engine_name);

}  // namespace
}  // namespace tf
