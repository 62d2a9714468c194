// Parabolic velocity inlets ([inlet] profile = "parabolic", formats/sim/batch_spec.h): the
// inlet cells carry the analytic Poiseuille profile, the channel downstream keeps it, the
// profile follows the walls in 3D, tiles give the bytes of the whole domain, and the batch
// format refuses what it cannot mean.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "formats/sim/batch_spec.h"
#include "tests/support/sim_truth.h"
#include "kernels/sim/sim_tiling.h"

namespace tf::sim {
namespace {

// A channel of `height` fluid cells between walls, parabolic inlet on the left (peak `peak`),
// pressure outlet on the right; TRT with Lambda = 3/16 (exact half-way walls for Poiseuille).
std::string channel_batch(int nx, int height, double peak) {
  return "[simulation]\nmodel = \"d2q9\"\ncollision = \"trt\"\ngrid = [" + std::to_string(nx) +
         ", " + std::to_string(height + 2) +
         "]\nsteps = 1\n[parameters]\nviscosity = 0.1\nmagic = 0.1875\ninlet_ux = " +
         std::to_string(peak) +
         "\n[boundaries]\nleft = \"inlet\"\nright = \"outlet\"\n[inlet]\nprofile = "
         "\"parabolic\"\n[initial]\nvelocity = [0.0, 0.0]\n";
}

TileState initial(const std::string& text) { return tf::testing::first_run_state(text); }

// The Poiseuille profile between wall planes at 0 and h, peak u_max, at distance s.
double poiseuille(double u_max, double s, double h) { return u_max * 4.0 * s * (h - s) / (h * h); }

TEST(InletProfile, InletCellsCarryThePoiseuilleProfileAndTheChannelKeepsIt) {
  constexpr int kNx = 60, kHeight = 16;
  constexpr double kPeak = 0.06;
  TileState s = initial(channel_batch(kNx, kHeight, kPeak));
  ASSERT_TRUE(run_steps_cpu(s, 12000));
  const MacroFields m = macroscopic(s).value();
  auto at = [&](const std::vector<float>& f, int x, int y) {
    return double{f[static_cast<std::size_t>(y * kNx + x)]};
  };
  for (int y = 1; y <= kHeight; ++y) {
    const double expected = poiseuille(kPeak, y - 0.5, kHeight);
    EXPECT_NEAR(at(m.ux, 0, y), expected, 1e-6) << "inlet cell y = " << y;
    EXPECT_NEAR(at(m.uy, 0, y), 0.0, 1e-6) << "inlet cell y = " << y;
  }
  // Downstream the flow is the same parabola: the inlet fed it developed, so it never had to
  // develop. The density there is within a few percent of the inlet's (the pressure drop),
  // which scales the velocity by the same factor.
  for (int x : {kNx / 4, kNx / 2, 3 * kNx / 4}) {
    double err2 = 0.0, ref2 = 0.0;
    for (int y = 1; y <= kHeight; ++y) {
      const double expected =
          poiseuille(kPeak, y - 0.5, kHeight) * at(m.rho, 0, y) / at(m.rho, x, y);
      err2 += (at(m.ux, x, y) - expected) * (at(m.ux, x, y) - expected);
      ref2 += expected * expected;
      EXPECT_LT(std::abs(at(m.uy, x, y)), 1e-3 * kPeak) << x << ", " << y;
    }
    EXPECT_LT(std::sqrt(err2 / ref2), 0.01) << "section x = " << x;
  }
}

// A 3D duct: inlet on the left, walls at the bottom and top, front/back as given.
TileState duct(const std::string& front_back) {
  return initial(
      "[simulation]\nmodel = \"d3q19\"\ngrid = [8, 10, 6]\nsteps = 1\n[parameters]\ntau = 0.8\n"
      "inlet_ux = 0.05\n[boundaries]\nleft = \"inlet\"\nright = \"outlet\"\nfront = \"" +
      front_back + "\"\nback = \"" + front_back +
      "\"\n[inlet]\nprofile = \"parabolic\"\n[initial]\nvelocity = [0.0, 0.0, 0.0]\n");
}

TEST(InletProfile, In3DTheProfileFollowsTheWallsAndIsUniformAlongPeriodicAxes) {
  for (const std::string sides : {"periodic", "wall"}) {
    SCOPED_TRACE(sides);
    TileState s = duct(sides);
    ASSERT_TRUE(run_steps_cpu(s, 1));
    const MacroFields m = macroscopic(s).value();
    const bool walled_z = sides == "wall";
    for (int z = walled_z ? 1 : 0; z < (walled_z ? 5 : 6); ++z) {
      for (int y = 1; y <= 8; ++y) {
        const double across_z = walled_z ? 4.0 * (z - 0.5) * (4 - (z - 0.5)) / 16.0 : 1.0;
        const double expected = poiseuille(0.05, y - 0.5, 8) * across_z;
        EXPECT_NEAR(m.ux[static_cast<std::size_t>((z * 10 + y) * 8)], expected, 1e-6)
            << "inlet cell y = " << y << ", z = " << z;
      }
    }
  }
}

TEST(InletProfile, TilesGiveTheBytesOfTheWholeDomain) {
  TileState whole = initial(channel_batch(37, 21, 0.05));
  ASSERT_TRUE(run_steps_cpu(whole, 50));  // a flow to start from, not the rest state
  TileState tiled = whole;
  ASSERT_TRUE(run_steps_cpu(whole, 12, 2));
  for (int chunk = 0; chunk < 3; ++chunk) {
    Status st = run_tiled_cpu(tiled, {16, 8, 1}, 4, 1);
    ASSERT_TRUE(st) << st.message();
  }
  ASSERT_EQ(whole.fields.size(), tiled.fields.size());
  EXPECT_EQ(std::memcmp(whole.fields.data(), tiled.fields.data(), whole.fields.size() * 4), 0);
}

// [inlet] ramp_steps = N: the inlet velocity of the step reaching step t is U s^2 (3 - 2 s),
// s = t / N, then U; the ramp is the same split over any pieces of steps.
TEST(InletProfile, ARampRaisesTheInletVelocitySmoothlyToItsValue) {
  std::string text = channel_batch(20, 8, 0.05);
  text.replace(text.find("profile = \"parabolic\""), 21, "ramp_steps = 10");
  const TileState start = initial(text);
  ASSERT_EQ(start.inlet_ramp_steps, 10);
  const Stepper cpu = [](TileState& s, int n) { return run_steps_cpu(s, n, 1); };
  TileState s = start;
  for (uint64_t t = 1; t <= 13; ++t) {
    ASSERT_TRUE(advance_run(s, t - 1, 1, cpu));
    const double x = std::min(1.0, static_cast<double>(t) / 10.0);
    const float expected = static_cast<float>(0.05 * x * x * (3.0 - 2.0 * x));
    const MacroFields m = macroscopic(s).value();
    EXPECT_NEAR(m.ux[static_cast<size_t>(4 * 20)], expected, 1e-7) << "step " << t;
    EXPECT_FLOAT_EQ(s.lbm.inlet_ux, 0.05f);  // the target is kept
  }
  TileState pieces = start, whole = start;
  ASSERT_TRUE(advance_run(pieces, 0, 4, cpu));
  ASSERT_TRUE(advance_run(pieces, 4, 9, cpu));
  ASSERT_TRUE(advance_run(whole, 0, 13, cpu));
  EXPECT_EQ(std::memcmp(pieces.fields.data(), whole.fields.data(), whole.fields.size() * 4), 0);
  EXPECT_EQ(std::memcmp(s.fields.data(), whole.fields.data(), whole.fields.size() * 4), 0);
  // Without the ramp the flow differs: the test saw it work.
  TileState unramped = start;
  unramped.inlet_ramp_steps = 0;
  ASSERT_TRUE(advance_run(unramped, 0, 13, cpu));
  EXPECT_NE(std::memcmp(unramped.fields.data(), whole.fields.data(), whole.fields.size() * 4), 0);
}

TEST(InletProfile, TheBatchFormatRefusesWhatItCannotMean) {
  auto error_of = [](const std::string& text) {
    Result<BatchSpec> b = parse_batch(text, "b.toml");
    return b.is_ok() ? std::string("accepted") : b.message();
  };
  const std::string base = channel_batch(20, 8, 0.05);
  std::string cubic = base;
  cubic.replace(cubic.find("\"parabolic\""), 11, "\"cubic\"");
  EXPECT_NE(error_of(cubic).find("b.toml:14: inlet.profile: expected \"uniform\" or \"parabolic\""),
            std::string::npos)
      << error_of(cubic);
  std::string no_inlet = base;
  no_inlet.replace(no_inlet.find("left = \"inlet\""), 14, "left = \"wall\"");
  EXPECT_NE(error_of(no_inlet).find("no side is an inlet"), std::string::npos)
      << error_of(no_inlet);
  std::string two_axes = base;
  two_axes.replace(two_axes.find("[inlet]"), 7, "bottom = \"inlet\"\n[inlet]");
  EXPECT_NE(error_of(two_axes).find("inlet sides on one axis"), std::string::npos)
      << error_of(two_axes);
  EXPECT_NE(error_of("[simulation]\nmodel = \"heat\"\ngrid = [8, 8]\nsteps = 1\n"
                     "[parameters]\ndiffusivity = 0.1\n[inlet]\nprofile = \"parabolic\"\n")
                .find("needs a lattice Boltzmann model"),
            std::string::npos);
  EXPECT_NE(error_of(base + "[inlet2]\n").find("unknown key"), std::string::npos);
  std::string ramp_without_inlet = no_inlet;
  ramp_without_inlet.replace(ramp_without_inlet.find("profile = \"parabolic\""), 21,
                             "ramp_steps = 100");
  EXPECT_NE(error_of(ramp_without_inlet).find("no velocity inlet to ramp"), std::string::npos)
      << error_of(ramp_without_inlet);
  std::string zero_ramp = base;
  zero_ramp.replace(zero_ramp.find("profile = \"parabolic\""), 21, "ramp_steps = 0");
  EXPECT_NE(error_of(zero_ramp).find("inlet.ramp_steps"), std::string::npos);
}

}  // namespace
}  // namespace tf::sim
