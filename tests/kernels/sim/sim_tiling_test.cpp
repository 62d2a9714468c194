// The property the farm relies on: advancing tiles with ghost borders and stitching their
// interiors gives the same bytes as advancing the whole domain; and the bytes do not depend
// on the thread count.
#include "kernels/sim/sim_tiling.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

using testing::must;
using testing::same_bytes;

struct TilingCase {
  const char* name;
  TileState (*make)();
  Extent tile;
};

TileState channel() { return testing::d2q9_channel(37, 23); }
TileState box3d() { return testing::d3q19_box(13, 11, 9); }
TileState heat() { return testing::scalar_box(Model::heat, 31, 26); }
TileState gray_scott() { return testing::scalar_box(Model::gray_scott, 31, 26); }

void PrintTo(const TilingCase& c, std::ostream* os) { *os << c.name; }

class TiledRun : public ::testing::TestWithParam<TilingCase> {};

TEST_P(TiledRun, StitchedTilesEqualUntiledRunByteForByte) {
  constexpr int kStepsPerChunk = 4;
  constexpr int kChunks = 3;
  TileState whole = GetParam().make();
  TileState tiled = whole;
  ASSERT_TRUE(run_steps_cpu(whole, kStepsPerChunk * kChunks, 2));
  for (int chunk = 0; chunk < kChunks; ++chunk) {
    Status st = run_tiled_cpu(tiled, GetParam().tile, kStepsPerChunk, 1);
    ASSERT_TRUE(st) << st.message();
  }
  EXPECT_TRUE(same_bytes(whole.fields, tiled.fields));
  // The run moved something: identity of two unchanged states would prove nothing.
  EXPECT_FALSE(same_bytes(whole.fields, GetParam().make().fields));
}

TEST_P(TiledRun, GhostBorderNarrowerThanStepsBreaksTheResult) {
  constexpr int kSteps = 4;
  TileState whole = GetParam().make();
  TileState expected = whole;
  ASSERT_TRUE(run_steps_cpu(expected, kSteps, 1));
  bool any_tile_differs = false;
  for (const Box& box : split_domain(whole.size, GetParam().tile)) {
    TileState unit = must(extract_tile(whole, box, ghost_width(whole.model, kSteps) - 1));
    ASSERT_TRUE(run_steps_cpu(unit, kSteps, 1));
    TileState stitched = expected;
    ASSERT_TRUE(insert_interior(stitched, unit, box));
    any_tile_differs = any_tile_differs || !same_bytes(stitched.fields, expected.fields);
  }
  EXPECT_TRUE(any_tile_differs);
}

TEST_P(TiledRun, BytesDoNotDependOnThreadCount) {
  TileState one = GetParam().make();
  TileState three = one;
  ASSERT_TRUE(run_steps_cpu(one, 7, 1));
  ASSERT_TRUE(run_steps_cpu(three, 7, 3));
  EXPECT_TRUE(same_bytes(one.fields, three.fields));
}

INSTANTIATE_TEST_SUITE_P(Models, TiledRun,
                         ::testing::Values(TilingCase{"d2q9", channel, {9, 7, 1}},
                                           TilingCase{"d3q19", box3d, {5, 4, 6}},
                                           TilingCase{"heat", heat, {8, 10, 1}},
                                           TilingCase{"gray_scott", gray_scott, {12, 5, 1}}),
                         [](const ::testing::TestParamInfo<TilingCase>& c) {
                           return std::string(c.param.name);
                         });

TEST(SplitDomain, CoversEveryCellExactlyOnce) {
  const Extent domain{23, 17, 5};
  std::set<std::tuple<int, int, int>> seen;
  long long total = 0;
  for (const Box& b : split_domain(domain, {6, 5, 2})) {
    for (int z = b.z0; z < b.z0 + b.size.nz; ++z) {
      for (int y = b.y0; y < b.y0 + b.size.ny; ++y) {
        for (int x = b.x0; x < b.x0 + b.size.nx; ++x) {
          EXPECT_TRUE(x < domain.nx && y < domain.ny && z < domain.nz);
          seen.insert({x, y, z});
          ++total;
        }
      }
    }
  }
  EXPECT_EQ(total, domain.cell_count());
  EXPECT_EQ(static_cast<long long>(seen.size()), domain.cell_count());
}

TEST(ExtractTile, WrapsPeriodicAxesAndWallsOffTheOthers) {
  TileState domain = testing::scalar_box(Model::heat, 10, 8);  // periodic in y only
  Box corner{0, 0, 0, {3, 3, 1}};
  TileState tile = must(extract_tile(domain, corner, 2));
  EXPECT_EQ(tile.size, (Extent{7, 7, 1}));
  // x < 0 is outside a non-periodic axis: a wall with a zero field.
  EXPECT_EQ(tile.cell_types[static_cast<std::size_t>(tile.cell_index(0, 3))], TF_CELL_WALL);
  EXPECT_EQ(tile.fields[static_cast<std::size_t>(tile.cell_index(0, 3))], 0.0f);
  // y = -2 wraps to y = 6 of the domain.
  EXPECT_EQ(tile.fields[static_cast<std::size_t>(tile.cell_index(3, 0))],
            domain.fields[static_cast<std::size_t>(domain.cell_index(1, 6))]);
}

TEST(ExtractTile, RejectsBoxesOutsideTheDomain) {
  TileState domain = testing::scalar_box(Model::heat, 10, 8);
  EXPECT_FALSE(extract_tile(domain, {8, 0, 0, {3, 3, 1}}, 1).is_ok());
  EXPECT_FALSE(extract_tile(domain, {-1, 0, 0, {3, 3, 1}}, 1).is_ok());
}

TEST(RunSteps, RejectsInvalidStatesAndLeavesThemUntouched) {
  TileState s = testing::scalar_box(Model::heat, 6, 6);
  s.cell_types[3] = TF_CELL_INLET;  // not a scalar-model cell type
  const std::vector<float> before = s.fields;
  Status st = run_steps_cpu(s, 3);
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("not allowed"), std::string::npos) << st.message();
  EXPECT_TRUE(same_bytes(before, s.fields));

  TileState lbm = testing::d2q9_channel(8, 6);
  lbm.lbm.omega = 2.5f;  // tau < 1/2: unstable
  EXPECT_FALSE(run_steps_cpu(lbm, 1));
}

}  // namespace
}  // namespace tf::sim

namespace tf::sim {
namespace {

TEST(UnitOutput, IsTheInteriorComponentMajorAndRoundTrips) {
  TileState domain = testing::scalar_box(Model::gray_scott, 9, 7);
  const Box box{2, 1, 0, {4, 3, 1}};
  TileState tile = testing::must(extract_tile(domain, box, 2));
  std::vector<float> out = unit_output(tile);
  ASSERT_EQ(out.size(), 2u * 4u * 3u);
  // Component v (q = 1) of interior cell (1, 2) is domain cell (3, 3).
  const std::size_t domain_cells = 9 * 7;
  EXPECT_EQ(out[(1 * 3 + 2) * 4 + 1],
            domain.fields[domain_cells + static_cast<std::size_t>(domain.cell_index(3, 3))]);
  TileState copy = domain;
  std::fill(copy.fields.begin(), copy.fields.end(), -1.0f);
  ASSERT_TRUE(insert_unit_output(copy, box, out));
  EXPECT_EQ(unit_output(testing::must(extract_tile(copy, box, 0))), out);
}

TEST(UnitOutput, WrongSizeIsRejectedAndLeavesTheDomainUntouched) {
  TileState domain = testing::scalar_box(Model::heat, 9, 7);
  const std::vector<float> before = domain.fields;
  Status st = insert_unit_output(domain, {0, 0, 0, {3, 3, 1}}, std::vector<float>(8, 0.0f));
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("needs 9"), std::string::npos) << st.message();
  EXPECT_TRUE(testing::same_bytes(before, domain.fields));
}

}  // namespace
}  // namespace tf::sim
