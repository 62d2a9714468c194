// The OpenCL stepper against the CPU stepper: same kernel text, same bytes (DESIGN.md
// determinism contract). Skipped when the machine has no OpenCL device.
#include "kernels/sim/sim_opencl.h"

#include <gtest/gtest.h>

#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

// One program build per test binary (PoCL compiles for seconds).
SimOpenCl* device() {
  static Result<std::unique_ptr<SimOpenCl>> opened = SimOpenCl::open(0);
  return opened.is_ok() ? opened.value().get() : nullptr;
}

void expect_same_bytes_as_cpu(TileState state, int steps) {
  SimOpenCl* cl = device();
  if (cl == nullptr) GTEST_SKIP() << "no usable OpenCL device: " << SimOpenCl::open(0).message();
  TileState on_cpu = state;
  ASSERT_TRUE(run_steps_cpu(on_cpu, steps));
  Status st = cl->run_steps(state, steps);
  ASSERT_TRUE(st) << st.message();
  EXPECT_TRUE(testing::same_bytes(on_cpu.fields, state.fields)) << cl->device_name();
}

TEST(SimOpenCl, D2q9ChannelMatchesCpuBytes) {
  expect_same_bytes_as_cpu(testing::d2q9_channel(37, 23), 25);
}

TEST(SimOpenCl, D3q19BoxMatchesCpuBytes) {
  expect_same_bytes_as_cpu(testing::d3q19_box(13, 11, 9), 12);
}

TEST(SimOpenCl, GrayScottMatchesCpuBytes) {
  expect_same_bytes_as_cpu(testing::scalar_box(Model::gray_scott, 31, 26), 40);
}

TEST(SimOpenCl, HeatMatchesCpuBytes) {
  expect_same_bytes_as_cpu(testing::scalar_box(Model::heat, 31, 26), 40);
}

// The shared backend cases, periodic boxes included (interior launch plus wrapping faces).
TEST(SimOpenCl, EveryIdentityCaseMatchesCpuBytes) {
  for (testing::IdentityCase& c : testing::identity_cases()) {
    SCOPED_TRACE(c.name);
    expect_same_bytes_as_cpu(std::move(c.state), c.steps);
  }
}

TEST(SimOpenCl, InvalidStateIsRejectedAndUntouched) {
  SimOpenCl* cl = device();
  if (cl == nullptr) GTEST_SKIP() << "no usable OpenCL device";
  TileState s = testing::scalar_box(Model::heat, 6, 6);
  s.cell_types[0] = TF_CELL_OUTLET;
  const std::vector<float> before = s.fields;
  EXPECT_FALSE(cl->run_steps(s, 2));
  EXPECT_TRUE(testing::same_bytes(before, s.fields));
}

}  // namespace
}  // namespace tf::sim
