// Lattice Boltzmann kernels against analytic solutions of the Navier-Stokes equations:
// Poiseuille flow (body force between half-way bounce-back walls) and Taylor-Green vortex
// decay (D2Q9 and D3Q19).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/sim/sim_host.h"
#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

using testing::must;

// Steady channel flow driven by a body force: u(y) = F / (2 nu) y (H - y), with the walls
// half-way between the wall cells and the first fluid cells (y measured from the wall).
double poiseuille_l2_error(Collision collision, double tau, double magic) {
  constexpr int kNx = 4, kHeight = 32, kNy = kHeight + 2;
  constexpr float kForce = 1e-6f;
  TileState s = must(make_state(Model::d2q9, {kNx, kNy, 1}, {true, false, false}));
  s.lbm = lbm_relaxation(tau, collision, magic);
  s.lbm.force_x = kForce;
  for (int x = 0; x < kNx; ++x) {
    s.cell_types[static_cast<std::size_t>(s.cell_index(x, 0))] = TF_CELL_WALL;
    s.cell_types[static_cast<std::size_t>(s.cell_index(x, kNy - 1))] = TF_CELL_WALL;
  }
  // The slowest transient decays like exp(-nu pi^2 t / H^2): 20000 steps leave < 1e-6 of it.
  EXPECT_TRUE(run_steps_cpu(s, 20000, 1));
  MacroFields m = macroscopic(s).value();
  const double nu = (tau - 0.5) / 3.0;
  double err2 = 0.0, ref2 = 0.0;
  for (int y = 1; y <= kHeight; ++y) {
    const double yw = y - 0.5;
    const double exact = kForce / (2.0 * nu) * yw * (kHeight - yw);
    const double got = m.ux[static_cast<std::size_t>(y * kNx + 1)];
    err2 += (got - exact) * (got - exact);
    ref2 += exact * exact;
  }
  return std::sqrt(err2 / ref2);
}

TEST(Poiseuille, BgkMatchesParabola) {
  EXPECT_LT(poiseuille_l2_error(Collision::bgk, 0.8, 0.25), 0.01);
}

TEST(Poiseuille, TrtWithMagicThreeSixteenthsIsExactUpToRounding) {
  // TRT with Lambda = 3/16 puts bounce-back walls exactly half-way for any tau.
  EXPECT_LT(poiseuille_l2_error(Collision::trt, 1.4, 3.0 / 16.0), 1e-3);
}

// Amplitude of the Taylor-Green mode ux = -A cos(kx) sin(ky) in a velocity field
// (least-squares projection over the x-y plane z = 0).
double taylor_green_amplitude(const MacroFields& m, int n) {
  const double k = 2.0 * std::numbers::pi / n;
  double dot = 0.0, norm = 0.0;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const double mode = -std::cos(k * x) * std::sin(k * y);
      dot += m.ux[static_cast<std::size_t>(y * n + x)] * mode;
      norm += mode * mode;
    }
  }
  return dot / norm;
}

// Measured decay rate of the Taylor-Green vortex divided by the analytic rate nu |k|^2,
// |k|^2 = 2 (2 pi / n)^2, on an n x n (x nz) periodic box.
double taylor_green_rate_ratio(Model model, int n, int nz) {
  constexpr double kTau = 0.8, kU0 = 0.01;
  const double k = 2.0 * std::numbers::pi / n;
  TileState s = must(make_state(model, {n, n, nz}, {true, true, true}));
  s.lbm = lbm_relaxation(kTau, Collision::bgk);
  for (int z = 0; z < nz; ++z) {
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        const double ux = -kU0 * std::cos(k * x) * std::sin(k * y);
        const double uy = kU0 * std::sin(k * x) * std::cos(k * y);
        const double p = -kU0 * kU0 / 4.0 * (std::cos(2 * k * x) + std::cos(2 * k * y));
        set_equilibrium(s, x, y, z, static_cast<float>(1.0 + 3.0 * p), static_cast<float>(ux),
                        static_cast<float>(uy));
      }
    }
  }
  constexpr int kSettle = 100, kSpan = 500;
  EXPECT_TRUE(run_steps_cpu(s, kSettle));
  const double a1 = taylor_green_amplitude(macroscopic(s).value(), n);
  EXPECT_TRUE(run_steps_cpu(s, kSpan));
  const double a2 = taylor_green_amplitude(macroscopic(s).value(), n);
  const double nu = (kTau - 0.5) / 3.0;
  const double measured = std::log(a1 / a2) / kSpan;
  return measured / (nu * 2.0 * k * k);
}

TEST(TaylorGreen, D2q9DecayRateWithinOnePercent) {
  EXPECT_NEAR(taylor_green_rate_ratio(Model::d2q9, 64, 1), 1.0, 0.01);
}

TEST(TaylorGreen, D3q19DecayRateWithinOnePercent) {
  EXPECT_NEAR(taylor_green_rate_ratio(Model::d3q19, 48, 2), 1.0, 0.01);
}

TEST(LatticeBoltzmann, InletOutletChannelCarriesTheInletFluxAsAParabola) {
  // Velocity inlet (left) and pressure outlet (right) between two walls: at steady state the
  // mass flux is the same through every cross-section, and the developed profile is the
  // Poiseuille parabola.
  constexpr int kNx = 60, kHeight = 16, kNy = kHeight + 2;
  constexpr float kInlet = 0.05f;
  TileState s = must(make_state(Model::d2q9, {kNx, kNy, 1}));
  s.lbm = lbm_relaxation(0.8, Collision::trt, 3.0 / 16.0);
  s.lbm.inlet_ux = kInlet;
  for (int y = 0; y < kNy; ++y) {
    for (int x = 0; x < kNx; ++x) {
      const bool wall = y == 0 || y == kNy - 1;
      s.cell_types[static_cast<std::size_t>(s.cell_index(x, y))] = static_cast<std::uint8_t>(
          wall ? TF_CELL_WALL : (x == 0 ? TF_CELL_INLET : (x == kNx - 1 ? TF_CELL_OUTLET : 0)));
      if (!wall) set_equilibrium(s, x, y, 0, 1.0f, kInlet, 0.0f);
    }
  }
  ASSERT_TRUE(run_steps_cpu(s, 12000));
  const MacroFields m = macroscopic(s).value();
  auto flux = [&](int x) {
    double q = 0.0;
    for (int y = 1; y <= kHeight; ++y) {
      const auto c = static_cast<std::size_t>(y * kNx + x);
      q += static_cast<double>(m.rho[c]) * m.ux[c];
    }
    return q;
  };
  const double reference = flux(kNx / 2);
  // The inlet imposes u at its own density, a few percent above 1 (the pressure that drives
  // the flow): the flux is u_in H within 5 %, and the same through every section to 0.1 %.
  EXPECT_NEAR(reference, kInlet * kHeight, 0.05 * kInlet * kHeight);
  for (int x = 1; x < kNx - 1; ++x) EXPECT_NEAR(flux(x), reference, 1e-3 * reference) << x;

  const int x = 3 * kNx / 4;
  double umax = 0.0;
  for (int y = 1; y <= kHeight; ++y)
    umax = std::max(umax, double{m.ux[static_cast<std::size_t>(y * kNx + x)]});
  double err2 = 0.0, ref2 = 0.0;
  for (int y = 1; y <= kHeight; ++y) {
    const double yw = y - 0.5;
    const double shape = 4.0 * yw * (kHeight - yw) / (kHeight * kHeight);
    const double got = m.ux[static_cast<std::size_t>(y * kNx + x)] / umax;
    err2 += (got - shape) * (got - shape);
    ref2 += shape * shape;
  }
  EXPECT_LT(std::sqrt(err2 / ref2), 0.02);
}

TEST(LatticeBoltzmann, ClosedBoxConservesMass) {
  // Walls and a moving lid exchange momentum but no mass; bounce-back conserves it per link.
  TileState s = testing::d3q19_box(10, 8, 6);
  s.lbm.force_x = 0.0f;
  auto total_mass = [](const TileState& st) {
    const MacroFields m = macroscopic(st).value();
    double sum = 0.0;
    for (float r : m.rho) sum += r;
    return sum;
  };
  const double before = total_mass(s);
  ASSERT_TRUE(run_steps_cpu(s, 200));
  EXPECT_NEAR(total_mass(s), before, 1e-6 * before);
}

}  // namespace
}  // namespace tf::sim
