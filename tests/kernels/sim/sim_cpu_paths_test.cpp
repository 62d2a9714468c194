// The CPU stepper takes fast paths for the fluid bulk (a plain streaming load, no cell types
// read, vectorized row loops built for several ISAs). Its bytes must equal those of the
// general cell update (tf_d2q9_update_cell / tf_d3q19_update_cell) run on every cell in a
// plain loop: a second, path-free implementation of the same step.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/sim/d2q9.h"
#include "kernels/sim/d3q19.h"
#include "kernels/sim/sim_host.h"
#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

using testing::same_bytes;

// `steps` steps of the general cell update over every cell, one cell at a time.
std::vector<float> reference_steps(const TileState& s, int steps) {
  const tf_sim_grid g = kernel_grid(s);
  std::vector<float> src = s.fields;
  std::vector<float> dst(src.size());
  for (int step = 0; step < steps; ++step) {
    for (int z = 0; z < g.nz; ++z) {
      for (int y = 0; y < g.ny; ++y) {
        for (int x = 0; x < g.nx; ++x) {
          if (s.model == Model::d2q9) {
            tf_d2q9_update_cell(g, s.lbm, src.data(), dst.data(), s.cell_types.data(), x, y);
          } else {
            tf_d3q19_update_cell(g, s.lbm, src.data(), dst.data(), s.cell_types.data(), x, y, z);
          }
        }
      }
    }
    src.swap(dst);
  }
  return src;
}

// A periodic box of fluid in motion with a solid block and a moving-wall cell: bulk, x-edge
// and boundary-adjacent cells, rows of odd lengths (vector remainders).
TileState periodic_box(Model model, Extent size) {
  TileState s = testing::must(make_state(model, size, {true, true, true}));
  s.lbm = lbm_relaxation(0.62, Collision::trt);
  s.lbm.force_x = 3e-6f;
  s.lbm.force_y = -1e-6f;
  s.lbm.wall_uy = 0.03f;
  for (int z = 0; z < size.nz; ++z) {
    for (int y = 0; y < size.ny; ++y) {
      for (int x = 0; x < size.nx; ++x) {
        const float phase = 0.001f * static_cast<float>((x * 7 + y * 13 + z * 5) % 17);
        set_equilibrium(s, x, y, z, 1.0f + phase, 0.04f - phase, 0.02f + phase, phase);
      }
    }
  }
  s.cell_types[static_cast<std::size_t>(s.cell_index(size.nx / 2, size.ny / 2, size.nz / 2))] =
      TF_CELL_WALL;
  s.cell_types[static_cast<std::size_t>(s.cell_index(1, 2, 0))] = TF_CELL_MOVING_WALL;
  return s;
}

void expect_paths_agree(TileState state, int steps) {
  const std::vector<float> expected = reference_steps(state, steps);
  for (int threads : {1, 3}) {
    TileState stepped = state;
    ASSERT_TRUE(run_steps_cpu(stepped, steps, threads));
    EXPECT_TRUE(same_bytes(expected, stepped.fields)) << threads << " threads";
  }
  EXPECT_FALSE(same_bytes(expected, state.fields));  // the steps changed something
}

TEST(CpuStepperPaths, D2q9PeriodicBoxMatchesPlainCellLoop) {
  expect_paths_agree(periodic_box(Model::d2q9, {53, 21, 1}), 7);
}

TEST(CpuStepperPaths, D2q9ChannelMatchesPlainCellLoop) {
  expect_paths_agree(testing::d2q9_channel(41, 19), 9);
}

TEST(CpuStepperPaths, ParabolicInletsInATileMatchPlainCellLoop) {
  expect_paths_agree(testing::parabolic_inlet(testing::d2q9_channel(41, 19), {5, -3, 0}), 9);
  expect_paths_agree(testing::parabolic_inlet(testing::d3q19_duct(17, 9, 6), {-2, 4, 1}), 6);
}

TEST(CpuStepperPaths, D3q19PeriodicBoxMatchesPlainCellLoop) {
  expect_paths_agree(periodic_box(Model::d3q19, {37, 9, 7}), 5);
}

TEST(CpuStepperPaths, D3q19WalledBoxMatchesPlainCellLoop) {
  expect_paths_agree(testing::d3q19_box(29, 11, 6), 6);
}

}  // namespace
}  // namespace tf::sim
