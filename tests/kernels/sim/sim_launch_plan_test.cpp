// The device launch plan: its boxes cover every cell of the state exactly once, and the
// interior box holds only cells whose neighbours all lie inside the state's box (the promise
// behind inside = 1).
#include "kernels/sim/sim_launch_plan.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

void expect_exact_cover(Model model, Extent size) {
  SCOPED_TRACE(std::string(model_name(model)) + " " + std::to_string(size.nx) + "x" +
               std::to_string(size.ny) + "x" + std::to_string(size.nz));
  const TileState s = testing::must(make_state(model, size));
  std::vector<int> covered(static_cast<std::size_t>(size.cell_count()), 0);
  int interior_launches = 0;
  for (const LaunchBox& box : step_launches(s)) {
    interior_launches += box.interior ? 1 : 0;
    for (int z = box.offset[2]; z < box.offset[2] + box.size[2]; ++z) {
      for (int y = box.offset[1]; y < box.offset[1] + box.size[1]; ++y) {
        for (int x = box.offset[0]; x < box.offset[0] + box.size[0]; ++x) {
          ASSERT_TRUE(x >= 0 && y >= 0 && z >= 0 && x < size.nx && y < size.ny && z < size.nz);
          ++covered[static_cast<std::size_t>(s.cell_index(x, y, z))];
          if (box.interior) {
            const bool inside = x > 0 && y > 0 && x < size.nx - 1 && y < size.ny - 1 &&
                                (dimension_count(model) == 2 || (z > 0 && z < size.nz - 1));
            ASSERT_TRUE(inside) << "cell " << x << "," << y << "," << z;
          }
        }
      }
    }
  }
  for (int count : covered) ASSERT_EQ(count, 1);
  EXPECT_LE(interior_launches, 1);
}

TEST(StepLaunches, CoverEveryCellOnceWithATrueInterior) {
  expect_exact_cover(Model::d2q9, {7, 5, 1});
  expect_exact_cover(Model::d2q9, {3, 3, 1});
  expect_exact_cover(Model::d2q9, {2, 9, 1});  // no interior
  expect_exact_cover(Model::d3q19, {6, 5, 4});
  expect_exact_cover(Model::d3q19, {3, 3, 3});
  expect_exact_cover(Model::d3q19, {5, 4, 2});  // no interior
  expect_exact_cover(Model::heat, {6, 5, 1});
  expect_exact_cover(Model::gray_scott, {4, 3, 1});
}

TEST(StepLaunches, LatticeBoltzmannBoxesGetAnInteriorLaunch) {
  const TileState s = testing::must(make_state(Model::d3q19, {8, 7, 6}));
  const std::vector<LaunchBox> launches = step_launches(s);
  ASSERT_EQ(launches.size(), 7u);
  EXPECT_TRUE(launches[0].interior);
  EXPECT_EQ(launches[0].cell_count(), 6 * 5 * 4);
}

}  // namespace
}  // namespace tf::sim
