// The CUDA stepper against the CPU stepper: same kernel text, same bytes (DESIGN.md
// determinism contract). Skipped when the machine has no usable CUDA device (none, no driver,
// or a driver older than the runtime); built only when nvcc was found.
#include "kernels/sim/sim_cuda.h"

#include <gtest/gtest.h>

#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

Result<std::unique_ptr<SimCuda>>& opened() {
  static Result<std::unique_ptr<SimCuda>> device = SimCuda::open(0);
  return device;
}

#define SKIP_WITHOUT_CUDA_DEVICE()                                                         \
  if (!opened()) {                                                                         \
    GTEST_SKIP() << "no CUDA device on this machine, nothing to compare: " << opened().message(); \
  }

TEST(SimCuda, OpenWithoutDeviceSaysWhy) {
  if (opened()) GTEST_SKIP() << "a CUDA device is present: " << opened().value()->device_name();
  EXPECT_NE(opened().message().find("CUDA"), std::string::npos) << opened().message();
  EXPECT_FALSE(SimCuda::open(-1));
}

TEST(SimCuda, EveryModelMatchesCpuBytes) {
  SKIP_WITHOUT_CUDA_DEVICE();
  SimCuda& cuda = *opened().value();
  for (testing::IdentityCase& c : testing::identity_cases()) {
    TileState on_cpu = c.state;
    ASSERT_TRUE(run_steps_cpu(on_cpu, c.steps)) << c.name;
    Status st = cuda.run_steps(c.state, c.steps);
    ASSERT_TRUE(st) << c.name << ": " << st.message();
    EXPECT_TRUE(testing::same_bytes(on_cpu.fields, c.state.fields))
        << c.name << " on " << cuda.device_name();
  }
}

TEST(SimCuda, SecondRunReusesBuffersAndStillMatches) {
  SKIP_WITHOUT_CUDA_DEVICE();
  SimCuda& cuda = *opened().value();
  // A large state, then a smaller one in the same (larger) buffers, then odd step counts.
  TileState large = testing::periodic_flow(Model::d3q19, {24, 20, 18});
  TileState small = testing::d2q9_channel(29, 17);
  TileState small_cpu = small;
  ASSERT_TRUE(cuda.run_steps(large, 3));
  ASSERT_TRUE(cuda.run_steps(small, 5));
  ASSERT_TRUE(cuda.run_steps(small, 2));
  ASSERT_TRUE(run_steps_cpu(small_cpu, 7));
  EXPECT_TRUE(testing::same_bytes(small_cpu.fields, small.fields));
}

TEST(SimCuda, InvalidStateIsRejectedAndUntouched) {
  SKIP_WITHOUT_CUDA_DEVICE();
  TileState s = testing::scalar_box(Model::heat, 6, 6);
  s.cell_types[0] = TF_CELL_OUTLET;
  const std::vector<float> before = s.fields;
  EXPECT_FALSE(opened().value()->run_steps(s, 2));
  EXPECT_TRUE(testing::same_bytes(before, s.fields));
}

}  // namespace
}  // namespace tf::sim
