// Lid-driven cavity at Re = 100 against Ghia, Ghia & Shin (1982), J. Comput. Phys. 48,
// 387-411, Table I: u-velocity along the vertical centreline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/sim/sim_host.h"
#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

struct GhiaPoint {
  double y, u;  // y / L, u / U_lid
};
constexpr GhiaPoint kGhiaRe100[] = {{1.0000, 1.00000},  {0.9766, 0.84123},  {0.9688, 0.78871},
                                    {0.9609, 0.73722},  {0.9531, 0.68717},  {0.8516, 0.23151},
                                    {0.7344, 0.00332},  {0.6172, -0.13641}, {0.5000, -0.20581},
                                    {0.4531, -0.21090}, {0.2813, -0.15662}, {0.1719, -0.10150},
                                    {0.1016, -0.06434}, {0.0703, -0.04775}, {0.0625, -0.04192},
                                    {0.0547, -0.03717}, {0.0000, 0.00000}};

// 129 x 129 cells: a ring of wall cells (moving on top) around 127 x 127 fluid cells, so the
// half-way walls enclose a square of side L = 127 and fluid cell j sits at (j - 1/2) / L.
TileState make_cavity(int cells, double lid_velocity, double reynolds) {
  TileState s = testing::must(make_state(Model::d2q9, {cells, cells, 1}));
  const double side = cells - 2;
  const double nu = lid_velocity * side / reynolds;
  s.lbm = lbm_relaxation(3.0 * nu + 0.5, Collision::bgk);
  s.lbm.wall_ux = static_cast<float>(lid_velocity);
  for (int y = 0; y < cells; ++y) {
    for (int x = 0; x < cells; ++x) {
      const bool edge = x == 0 || y == 0 || x == cells - 1 || y == cells - 1;
      const bool lid = y == cells - 1 && x > 0 && x < cells - 1;
      s.cell_types[static_cast<std::size_t>(s.cell_index(x, y))] =
          lid ? TF_CELL_MOVING_WALL : (edge ? TF_CELL_WALL : TF_CELL_FLUID);
    }
  }
  return s;
}

TEST(LidDrivenCavity, Re100CentrelineMatchesGhia) {
  constexpr int kCells = 129;
  constexpr double kLid = 0.1;
  constexpr int kCheckEvery = 1000;
  TileState s = make_cavity(kCells, kLid, 100.0);
  const int centre = kCells / 2;  // x = 1/2 of the cavity
  auto centreline = [&](const TileState& st) {
    const MacroFields m = macroscopic(st).value();
    std::vector<double> u(kCells);
    for (int y = 0; y < kCells; ++y)
      u[static_cast<std::size_t>(y)] = m.ux[static_cast<std::size_t>(y * kCells + centre)];
    return u;
  };
  // Converged when the centreline changes by less than 1e-6 U per check (1000 steps).
  std::vector<double> previous = centreline(s);
  double change = 1.0;
  int steps = 0;
  for (; steps < 100 * kCheckEvery && change > 1e-6 * kLid; steps += kCheckEvery) {
    ASSERT_TRUE(run_steps_cpu(s, kCheckEvery));
    std::vector<double> now = centreline(s);
    change = 0.0;
    for (std::size_t i = 0; i < now.size(); ++i)
      change = std::max(change, std::abs(now[i] - previous[i]));
    previous = std::move(now);
  }
  ASSERT_LE(change, 1e-6 * kLid) << "no steady state";

  // Linear interpolation between fluid cells; the walls bound the profile (u = 0 at y = 0,
  // u = U at y = 1).
  const double side = kCells - 2;
  auto u_at = [&](double y) {
    const double pos = y * side + 0.5;  // cell coordinate of y
    if (pos <= 1.0) return previous[1] * (pos - 0.5) / 0.5;
    if (pos >= side) return kLid + (previous[kCells - 2] - kLid) * (side + 0.5 - pos) / 0.5;
    const int j = static_cast<int>(std::floor(pos));
    const double t = pos - j;
    return previous[static_cast<std::size_t>(j)] * (1.0 - t) +
           previous[static_cast<std::size_t>(j + 1)] * t;
  };
  double worst = 0.0;
  for (const GhiaPoint& p : kGhiaRe100) {
    const double error = std::abs(u_at(p.y) / kLid - p.u);
    EXPECT_LT(error, 0.02) << "y = " << p.y;
    worst = std::max(worst, error);
  }
  RecordProperty("steps_to_steady_state", steps);
  RecordProperty("max_abs_error_over_lid_velocity", std::to_string(worst));
}

}  // namespace
}  // namespace tf::sim
