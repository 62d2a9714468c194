// Small, non-trivial states for the simulation tests: every cell type a model supports, a
// perturbed initial field (fixed seed), periodic and non-periodic axes.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/sim/sim_host.h"

namespace tf::sim::testing {

inline TileState must(Result<TileState> r) {
  EXPECT_TRUE(r.is_ok()) << r.message();
  return std::move(r).value();
}

inline bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Channel with a velocity inlet (left), pressure outlet (right), walls at the bottom, a lid
// on top and a square obstacle; populations start at perturbed equilibria. TRT + body force.
inline TileState d2q9_channel(int nx, int ny) {
  TileState s = must(make_state(Model::d2q9, {nx, ny, 1}));
  s.lbm = lbm_relaxation(0.7, Collision::trt);
  s.lbm.force_x = 1e-5f;
  s.lbm.wall_ux = 0.05f;
  s.lbm.inlet_ux = 0.04f;
  s.lbm.outlet_rho = 0.999f;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> jitter(-0.01f, 0.01f);
  for (int y = 0; y < ny; ++y) {
    for (int x = 0; x < nx; ++x) {
      auto& type = s.cell_types[static_cast<std::size_t>(s.cell_index(x, y))];
      if (y == 0)
        type = TF_CELL_WALL;
      else if (y == ny - 1)
        type = TF_CELL_MOVING_WALL;
      else if (x == 0)
        type = TF_CELL_INLET;
      else if (x == nx - 1)
        type = TF_CELL_OUTLET;
      else if (x >= nx / 3 && x < nx / 3 + 3 && y >= ny / 2 - 2 && y < ny / 2 + 1)
        type = TF_CELL_WALL;
      set_equilibrium(s, x, y, 0, 1.0f + jitter(rng), 0.04f + jitter(rng), jitter(rng));
    }
  }
  return s;
}

// Periodic-in-x box with walls bottom and top (moving lid) and an obstacle; BGK.
inline TileState d3q19_box(int nx, int ny, int nz) {
  TileState s = must(make_state(Model::d3q19, {nx, ny, nz}, {true, false, false}));
  s.lbm = lbm_relaxation(0.8, Collision::bgk);
  s.lbm.wall_ux = 0.05f;
  s.lbm.force_x = 2e-6f;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> jitter(-0.01f, 0.01f);
  for (int z = 0; z < nz; ++z) {
    for (int y = 0; y < ny; ++y) {
      for (int x = 0; x < nx; ++x) {
        auto& type = s.cell_types[static_cast<std::size_t>(s.cell_index(x, y, z))];
        if (y == 0)
          type = TF_CELL_WALL;
        else if (y == ny - 1)
          type = TF_CELL_MOVING_WALL;
        else if (x == nx / 2 && y == ny / 2)
          type = TF_CELL_WALL;
        set_equilibrium(s, x, y, z, 1.0f + jitter(rng), jitter(rng), jitter(rng), jitter(rng));
      }
    }
  }
  return s;
}

// Scalar model on a box periodic in y only, with an insulating block and fixed-value cells,
// random initial fields in [0, 1).
inline TileState scalar_box(Model model, int nx, int ny) {
  TileState s = must(make_state(model, {nx, ny, 1}, {false, true, false}));
  s.heat.diffusion_number = 0.2f;
  s.gray_scott = {0.2f, 0.1f, 0.037f, 0.06f, 1.0f};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  for (float& v : s.fields) v = value(rng);
  for (int y = 0; y < ny; ++y) {
    for (int x = 0; x < nx; ++x) {
      auto& type = s.cell_types[static_cast<std::size_t>(s.cell_index(x, y))];
      if (x == 0)
        type = TF_CELL_FIXED;
      else if (x >= nx / 2 && x < nx / 2 + 2 && y < ny / 2)
        type = TF_CELL_WALL;
    }
  }
  return s;
}

// A state and a step count for comparing backends byte for byte.
struct IdentityCase {
  const char* name;
  TileState state;
  int steps;
};

// A periodic box of fluid in uniform motion with one solid cell: almost every cell takes the
// fast bulk paths, and the box edges wrap.
inline TileState periodic_flow(Model model, Extent size) {
  TileState s = must(make_state(model, size, {true, true, true}));
  s.lbm = lbm_relaxation(0.6, Collision::trt);
  for (int z = 0; z < size.nz; ++z) {
    for (int y = 0; y < size.ny; ++y) {
      for (int x = 0; x < size.nx; ++x) set_equilibrium(s, x, y, z, 1.0f, 0.05f, 0.02f, 0.01f);
    }
  }
  s.cell_types[static_cast<std::size_t>(s.cell_index(size.nx / 2, size.ny / 2, size.nz / 2))] =
      TF_CELL_WALL;
  return s;
}

// `s` without its body force: the collision then drops its forcing terms (tf_lbm_forced).
inline TileState unforced(TileState s) {
  s.lbm.force_x = s.lbm.force_y = s.lbm.force_z = 0.0f;
  return s;
}

// `s` with a parabolic inlet profile across y (and z in 3D) placed as in a tile whose box
// starts at `origin` in its domain: the profile is evaluated at domain coordinates.
inline TileState parabolic_inlet(TileState s, std::array<int, 3> origin) {
  s.origin = origin;
  s.lbm.inlet_center_y = 0.5f * static_cast<float>(s.size.ny) + 1.25f;
  s.lbm.inlet_inv_half_y = 2.0f / static_cast<float>(s.size.ny - 3);
  if (dimension_count(s.model) == 3) {
    s.lbm.inlet_center_z = 0.5f * static_cast<float>(s.size.nz) - 0.75f;
    s.lbm.inlet_inv_half_z = 2.0f / static_cast<float>(s.size.nz - 1);
  }
  return s;
}

// A 3D duct: velocity inlet at x = 0, pressure outlet at the far end, walls at the bottom and
// top, periodic in z; populations at perturbed equilibria.
inline TileState d3q19_duct(int nx, int ny, int nz) {
  TileState s = must(make_state(Model::d3q19, {nx, ny, nz}, {false, false, true}));
  s.lbm = lbm_relaxation(0.75, Collision::trt);
  s.lbm.inlet_ux = 0.05f;
  s.lbm.inlet_uz = 0.01f;
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> jitter(-0.01f, 0.01f);
  for (int z = 0; z < nz; ++z) {
    for (int y = 0; y < ny; ++y) {
      for (int x = 0; x < nx; ++x) {
        auto& type = s.cell_types[static_cast<std::size_t>(s.cell_index(x, y, z))];
        if (y == 0 || y == ny - 1)
          type = TF_CELL_WALL;
        else if (x == 0)
          type = TF_CELL_INLET;
        else if (x == nx - 1)
          type = TF_CELL_OUTLET;
        set_equilibrium(s, x, y, z, 1.0f + jitter(rng), 0.03f + jitter(rng), jitter(rng),
                        jitter(rng));
      }
    }
  }
  return s;
}

// The states every device backend is compared on against the CPU stepper.
inline std::vector<IdentityCase> identity_cases() {
  std::vector<IdentityCase> cases;
  cases.push_back({"d2q9 channel", d2q9_channel(37, 23), 25});
  cases.push_back({"d2q9 channel, no force", unforced(d2q9_channel(29, 17)), 15});
  cases.push_back({"d3q19 box, no force", unforced(d3q19_box(11, 9, 8)), 10});
  cases.push_back({"d2q9 periodic flow", periodic_flow(Model::d2q9, {70, 33, 1}), 9});
  cases.push_back({"d3q19 box", d3q19_box(13, 11, 9), 12});
  cases.push_back({"d3q19 periodic flow", periodic_flow(Model::d3q19, {21, 10, 7}), 6});
  cases.push_back({"d2q9 channel, parabolic inlet, tile origin",
                   parabolic_inlet(d2q9_channel(31, 19), {-4, 7, 0}), 20});
  cases.push_back({"d3q19 duct, parabolic inlet, tile origin",
                   parabolic_inlet(d3q19_duct(12, 11, 7), {3, -2, 5}), 10});
  cases.push_back({"gray-scott", scalar_box(Model::gray_scott, 31, 26), 40});
  cases.push_back({"heat", scalar_box(Model::heat, 31, 26), 40});
  return cases;
}

}  // namespace tf::sim::testing
