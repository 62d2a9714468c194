// The 3-D sample (scenes/sim/cavity-3d.toml) behaves as its text says, on a coarser grid: a
// cubic lid-driven cavity at Re = 100 is mirror-symmetric about its mid-plane z = L/2, turns
// one primary vortex with the lid whose centre lies above the cavity centre, and is weaker
// than the 2D cavity at the same Reynolds number and resolution (the front and back walls).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "formats/sim/batch_spec.h"
#include "kernels/sim/sim_host.h"

namespace tf::sim {
namespace {

constexpr int kCells = 18;  // 16 fluid cells a side
constexpr double kLid = 0.1;

MacroFields steady_cavity(const std::string& model, const std::string& grid,
                          const std::string& front_back) {
  Result<BatchSpec> batch =
      parse_batch("[simulation]\nmodel = \"" + model + "\"\ncollision = \"trt\"\ngrid = " + grid +
                      "\nsteps = 1\n[parameters]\nre = 100\nlength = 16\nlid_velocity = 0.1\n"
                      "[boundaries]\ntop = \"moving_wall\"\n" +
                      front_back,
                  "cavity.toml");
  EXPECT_TRUE(batch.is_ok()) << batch.message();
  TileState s = make_initial_state(expand_runs(batch.value()).at(0)).value();
  EXPECT_TRUE(run_steps_cpu(s, 6000));
  return macroscopic(s).value();
}

TEST(Cavity3d, SymmetricAboutTheMidPlaneWithOneVortexWeakerThanIn2d) {
  const MacroFields m3 =
      steady_cavity("d3q19", "[18, 18, 18]", "front = \"wall\"\nback = \"wall\"\n");
  const MacroFields m2 = steady_cavity("d2q9", "[18, 18]", "");
  auto at3 = [&](const std::vector<float>& f, int x, int y, int z) {
    return double{f[static_cast<std::size_t>((z * kCells + y) * kCells + x)]};
  };
  double asymmetry = 0.0;
  for (int z = 0; z < kCells; ++z) {
    for (int y = 0; y < kCells; ++y) {
      for (int x = 0; x < kCells; ++x) {
        const int mirror = kCells - 1 - z;
        asymmetry = std::max({asymmetry, std::abs(at3(m3.ux, x, y, z) - at3(m3.ux, x, y, mirror)),
                              std::abs(at3(m3.uy, x, y, z) - at3(m3.uy, x, y, mirror)),
                              std::abs(at3(m3.uz, x, y, z) + at3(m3.uz, x, y, mirror))});
      }
    }
  }
  EXPECT_LT(asymmetry, 1e-4 * kLid);
  // ux on the vertical centreline x = L/2: the mid-plane (z between cells 8 and 9) of 3D, the
  // whole of 2D. Forward under the lid, backward below the vortex centre.
  const int centre = kCells / 2;
  double min3 = 0.0, min2 = 0.0;
  int sign_change3 = 0;
  for (int y = 1; y < kCells - 1; ++y) {
    const double u3 = 0.5 * (at3(m3.ux, centre, y, centre - 1) + at3(m3.ux, centre, y, centre));
    const double u2 = m2.ux[static_cast<std::size_t>(y * kCells + centre)];
    min3 = std::min(min3, u3);
    min2 = std::min(min2, u2);
    if (u3 < 0.0) sign_change3 = y + 1;
  }
  EXPECT_GT(at3(m3.ux, centre, kCells - 2, centre), 0.3 * kLid);  // dragged by the lid
  EXPECT_LT(min3, -0.1 * kLid);                                   // the return flow
  EXPECT_GT(sign_change3, kCells / 2);  // the vortex centre lies above the cavity centre
  EXPECT_GT(min3, min2);                // weaker than in 2D...
  EXPECT_LT(min3, 0.5 * min2);          // ...but the same vortex
}

}  // namespace
}  // namespace tf::sim
