// Forces and probes (kernels/sim/observation.h, [observables] in formats/sim/batch_spec.h)
// against independent truth: the momentum balance of a channel driven by a body force (the
// walls take exactly the force the fluid receives), the snapshot fields at the probe cells,
// tiles summing to the whole domain bit for bit, and the state codec carrying the plan.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "formats/sim/batch_spec.h"
#include "tests/support/sim_truth.h"
#include "formats/sim/observables_output.h"
#include "formats/sim/sim_unit.h"
#include "kernels/sim/observation.h"
#include "kernels/sim/sim_tiling.h"

namespace tf::sim {
namespace {

TileState initial(const std::string& text) { return tf::testing::first_run_state(text); }

Box whole(const TileState& s) { return {0, 0, 0, s.size}; }

// Plane Poiseuille flow driven by a body force g along x, periodic in x, between two walls
// that are also obstacles "bottom" and "top". At steady state the walls hold back exactly the
// force on the fluid: g per fluid cell; each wall half of it (the flow is symmetric).
TEST(Observables, WallsTakeTheBodyForceOfASteadyChannel) {
  constexpr int kNx = 8, kHeight = 12;
  constexpr double kForce = 1e-6;
  TileState s = initial(
      "[simulation]\nmodel = \"d2q9\"\ncollision = \"trt\"\ngrid = [8, 14]\nsteps = 1\n"
      "[parameters]\ntau = 0.9\nmagic = 0.1875\nforce_x = 1e-6\n"
      "[boundaries]\nleft = \"periodic\"\nright = \"periodic\"\n"
      "[[obstacles]]\nname = \"bottom\"\nshape = \"box\"\nmin = [0, 0]\nmax = [8, 1]\n"
      "[[obstacles]]\nname = \"top\"\nshape = \"box\"\nmin = [0, 13]\nmax = [8, 14]\n"
      "[observables]\nevery = 1\n");
  ASSERT_EQ(s.observation.obstacles, 2);
  ASSERT_TRUE(run_steps_cpu(s, 8000));  // about 8 diffusion times H^2 / nu
  const Sample sample = sample_state(s, whole(s));
  const double fluid_force = kForce * kNx * kHeight;
  const double bottom = force_value(sample.force[0]), top = force_value(sample.force[3]);
  EXPECT_NEAR(bottom + top, fluid_force, 1e-3 * fluid_force);
  EXPECT_NEAR(bottom, fluid_force / 2, 2e-3 * fluid_force);
  EXPECT_NEAR(top, fluid_force / 2, 2e-3 * fluid_force);
  // Across the flow the fluid's pressure p = rho c_s^2 = 1/3 (density 1) pushes each wall
  // outwards over its length of 8 cells.
  EXPECT_NEAR(force_value(sample.force[1]), -kNx / 3.0, 1e-3);
  EXPECT_NEAR(force_value(sample.force[4]), kNx / 3.0, 1e-3);
}

// A closed box at rest but for a pressure bump off its centre, its four walls named obstacles.
// Momentum is conserved, so what the walls take from the fluid in a step is exactly what the
// fluid's momentum loses: P(t + 1) - P(t) = -(net force on the walls at t), P summed from the
// snapshot fields. The net force stays near zero while each wall is pressed by the whole
// fluid's pressure (about 14 cells x 1/3).
TEST(Observables, AClosedBoxBalancesTheForceOnItsWallsWithTheFluidsMomentum) {
  TileState s = initial(
      "[simulation]\nmodel = \"d2q9\"\ngrid = [20, 16]\nsteps = 1\n[parameters]\ntau = 0.8\n"
      "[[obstacles]]\nname = \"left\"\nshape = \"box\"\nmin = [0, 0]\nmax = [1, 16]\n"
      "[[obstacles]]\nname = \"right\"\nshape = \"box\"\nmin = [19, 0]\nmax = [20, 16]\n"
      "[[obstacles]]\nname = \"bottom\"\nshape = \"box\"\nmin = [0, 0]\nmax = [20, 1]\n"
      "[[obstacles]]\nname = \"top\"\nshape = \"box\"\nmin = [0, 15]\nmax = [20, 16]\n"
      "[observables]\nevery = 1\n"
      "[[initial.patches]]\nmin = [5, 4]\nmax = [9, 8]\ndensity = 1.05\n");
  auto momentum = [&](int axis) {
    const MacroFields m = macroscopic(s).value();
    double p = 0.0;
    for (size_t c = 0; c < m.rho.size(); ++c) {
      p += double{m.rho[c]} * (axis == 0 ? m.ux[c] : m.uy[c]);
    }
    return p;
  };
  double largest_net = 0.0, largest_change = 0.0;
  for (int step = 0; step < 80; ++step) {
    const Sample sample = sample_state(s, whole(s));
    const double before[2] = {momentum(0), momentum(1)};
    ASSERT_TRUE(run_steps_cpu(s, 1, 1));
    for (int a = 0; a < 2; ++a) {
      double net = 0.0;
      for (int k = 0; k < 4; ++k) net += force_value(sample.force[static_cast<size_t>(3 * k + a)]);
      const double change = momentum(a) - before[a];
      EXPECT_NEAR(change, -net, 1e-5) << "step " << step << " axis " << a;
      largest_net = std::max(largest_net, std::abs(net));
      largest_change = std::max(largest_change, std::abs(change));
    }
    EXPECT_NEAR(force_value(sample.force[0]), -14.0 / 3.0, 0.1) << step;  // left wall, -x
    EXPECT_NEAR(force_value(sample.force[3]), 14.0 / 3.0, 0.1) << step;   // right wall, +x
  }
  EXPECT_GT(largest_change, 1e-4);  // the bump moved the fluid: the balance was tested
  EXPECT_LT(largest_net, 0.1);      // and the net force stayed within 2 % of one wall's
}

// A small channel around a disc, with probes; in flow, not at rest.
std::string disc_batch() {
  return "[simulation]\nmodel = \"d2q9\"\ngrid = [40, 22]\nsteps = 1\n"
         "[parameters]\ntau = 0.7\ninlet_ux = 0.05\nlength = 8\n"
         "[boundaries]\nleft = \"inlet\"\nright = \"outlet\"\n"
         "[[obstacles]]\nname = \"disc\"\nshape = \"circle\"\ncenter = [15, 11]\nradius = 4\n"
         "[[obstacles]]\nshape = \"box\"\nmin = [29, 4]\nmax = [31, 9]\n"
         "[observables]\nevery = 5\n"
         "[[probes]]\nname = \"wake\"\nat = [24, 11]\n"
         "[[probes]]\nname = \"inlet\"\nat = [1, 5]\n"
         "[initial]\nvelocity = [0.05, 0.0]\n";
}

TEST(Observables, ProbesAreTheSnapshotFieldsAtTheirCells) {
  TileState s = initial(disc_batch());
  ASSERT_TRUE(run_steps_cpu(s, 40));
  const Sample sample = sample_state(s, whole(s));
  const MacroFields m = macroscopic(s).value();
  ASSERT_EQ(sample.probes.size(), 6u);
  for (int p = 0; p < 2; ++p) {
    const std::array<int, 3>& cell = s.observation.probes[static_cast<size_t>(p)];
    const auto c = static_cast<size_t>(cell[1] * 40 + cell[0]);
    const float truth[3] = {m.rho[c], m.ux[c], m.uy[c]};
    EXPECT_EQ(std::memcmp(&sample.probes[static_cast<size_t>(3 * p)], truth, sizeof truth), 0) << p;
  }
}

TEST(Observables, TilesSumToTheWholeDomainBitForBit) {
  TileState s = initial(disc_batch());
  ASSERT_TRUE(run_steps_cpu(s, 40));
  const Sample all = sample_state(s, whole(s));
  ASSERT_NE(all.force[0], 0);  // the disc feels the flow
  ASSERT_NE(all.force[3], 0);  // and so does the box
  for (const Extent tile : {Extent{7, 5, 1}, Extent{16, 11, 1}, Extent{40, 3, 1}}) {
    Sample summed;
    summed.force.assign(all.force.size(), 0);
    std::vector<float> probes(all.probes.size(), -1.0f);
    for (const Box& box : split_domain(s.size, tile)) {
      const TileState t = extract_tile(s, box, 2).value();
      const Sample part = sample_state(t, {2, 2, 0, box.size});
      for (size_t k = 0; k < all.force.size(); ++k) summed.force[k] += part.force[k];
      size_t taken = 0;
      for (size_t p = 0; p < s.observation.probes.size(); ++p) {
        if (!probe_in_box(s.observation.probes[p], box)) continue;
        for (size_t f = 0; f < 3; ++f) probes[3 * p + f] = part.probes[taken++];
      }
      EXPECT_EQ(taken, part.probes.size());
    }
    EXPECT_EQ(summed.force, all.force) << tile.nx << "x" << tile.ny;
    EXPECT_EQ(std::memcmp(probes.data(), all.probes.data(), probes.size() * 4), 0);
  }
}

TEST(Observables, TheStateCodecCarriesThePlanAndTheObstacleIds) {
  const TileState s = initial(disc_batch());
  ASSERT_EQ(s.observation.every, 5);
  ASSERT_EQ(s.observation.obstacles, 2);
  const TileState back = decode_state(encode_state(s).value()).value();
  EXPECT_EQ(back.observation, s.observation);
  EXPECT_EQ(back.obstacle_ids, s.obstacle_ids);
  int disc = 0, box = 0;
  for (uint8_t id : s.obstacle_ids) (id == 1 ? disc : box) += id == 0 ? 0 : 1;
  EXPECT_EQ(box, 2 * 5);
  EXPECT_GT(disc, 40);  // about pi 4^2 cells
}

TEST(Observables, UnitObservationsRoundTripAndWrongLengthsAreErrors) {
  const TileState s = initial(disc_batch());
  const Box box{20, 0, 0, {20, 22, 1}};  // holds the wake probe only
  EXPECT_EQ(sample_steps(s.observation, 7, 12), (std::vector<uint64_t>{10, 15}));
  EXPECT_EQ(sample_bytes(s.observation, Model::d2q9, box), 2u * 3 * 8 + 3 * 4);
  const Sample a{{1, -2, 3, 4, 5, -6}, {1.0f, 0.5f, -0.25f}};
  const Sample b{{7, 8, 9, 10, 11, 12}, {2.0f, 0.0f, 0.125f}};
  std::vector<uint8_t> bytes;
  append_sample(bytes, a);
  append_sample(bytes, b);
  Result<std::vector<Sample>> back = read_samples(bytes, 2, s.observation, Model::d2q9, box);
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back.value(), (std::vector<Sample>{a, b}));
  bytes.pop_back();
  EXPECT_FALSE(read_samples(bytes, 2, s.observation, Model::d2q9, box).is_ok());
}

TEST(Observables, TheBatchFormatRefusesWhatItCannotMean) {
  auto error_of = [](const std::string& text) {
    Result<BatchSpec> b = parse_batch(text, "b.toml");
    return b.is_ok() ? std::string("accepted") : b.message();
  };
  const std::string head =
      "[simulation]\nmodel = \"d2q9\"\ngrid = [10, 10]\nsteps = 10\n"
      "[parameters]\ntau = 0.8\n";
  EXPECT_NE(error_of(head + "[[probes]]\nname = \"a\"\nat = [10, 3]\n").find("probes.at"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[probes]]\nname = \"a,b\"\nat = [1, 3]\n").find("probes.name"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[[probes]]\nname = \"a\"\nat = [1, 3]\n[[probes]]\nname = \"a\"\n"
                            "at = [2, 3]\n")
                .find("used twice"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[observables]\nevery = 0\n").find("observables.every"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[observables]\nreference_length = -1\n").find("positive"),
            std::string::npos);
  EXPECT_NE(error_of(head + "[observables]\nwhen = 3\n").find("unknown key"), std::string::npos);
  // Without [observables] settings, samples come at every snapshot, else once at the end.
  EXPECT_EQ(parse_batch(head + "[[probes]]\nname = \"a\"\nat = [1, 3]\n", "b.toml")
                .value()
                .observables.every,
            10);
}

}  // namespace
}  // namespace tf::sim
