// Which devices `--backend auto` opens: accelerators only, and the CPU backend only when there
// is none. An OpenCL CPU device (PoCL) runs on the same cores as the CPU backend and slower, so
// auto leaves it to an explicit --backend opencl.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "worker/backend_executor.h"

namespace tf {
namespace {

std::vector<std::string> names(const std::vector<DeviceInfo>& devices) {
  std::vector<std::string> out;
  for (const DeviceInfo& d : devices) out.push_back(d.backend + "/" + std::to_string(d.index));
  return out;
}

TEST(BackendChoice, AutoOpensAcceleratorsOrElseTheCpuBackend) {
  const std::vector<DeviceInfo> all = list_devices();
  std::vector<DeviceInfo> expected;
  for (const DeviceInfo& d : all) {
    if (d.backend == "cuda" || (d.backend == "opencl" && !d.on_host_cpu)) expected.push_back(d);
  }
  if (expected.empty()) {
    for (const DeviceInfo& d : all) {
      if (d.backend == "cpu") expected.push_back(d);
    }
  }
  Result<std::vector<std::unique_ptr<UnitExecutor>>> opened = make_executors("auto");
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  std::vector<DeviceInfo> got;
  for (const auto& e : opened.value()) got.push_back(e->device());
  EXPECT_EQ(names(got), names(expected));
}

TEST(BackendChoice, TheCpuBackendRunsOnTheHostAndCudaDoesNot) {
  for (const DeviceInfo& d : list_devices()) {
    if (d.backend == "cpu") {
      EXPECT_TRUE(d.on_host_cpu) << d.name;
    } else if (d.backend == "cuda") {
      EXPECT_FALSE(d.on_host_cpu) << d.name;
    }
  }
}

TEST(BackendChoice, AnOpenClCpuDeviceIsStillOpenedWhenAskedForByName) {
  const std::vector<DeviceInfo> all = list_devices();
  const auto opencl_count = std::count_if(
      all.begin(), all.end(), [](const DeviceInfo& d) { return d.backend == "opencl"; });
  Result<std::vector<std::unique_ptr<UnitExecutor>>> opened = make_executors("opencl");
  if (opencl_count == 0) {
    EXPECT_FALSE(opened.is_ok());
    return;
  }
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  EXPECT_EQ(static_cast<long>(opened.value().size()), static_cast<long>(opencl_count));
}

}  // namespace
}  // namespace tf
