// tf::list_devices() and tf::make_backend() over the compiled-in backends.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.h"

namespace {

TEST(BackendRegistry, ListsTheCpuAndEveryOpenClDevice) {
  std::vector<tf::DeviceInfo> devices = tf::list_devices();
  std::map<std::string, int> next_index;
  bool cpu = false;
  int opencl = 0;
  for (const tf::DeviceInfo& d : devices) {
    EXPECT_FALSE(d.name.empty()) << d.backend << " " << d.index;
    EXPECT_GT(d.compute_units, 0u) << d.name;
    EXPECT_GT(d.memory_bytes, 0u) << d.name;
    EXPECT_EQ(d.index, next_index[d.backend]++) << "indices count up from 0 within each backend";
    cpu = cpu || d.backend == "cpu";
    opencl += d.backend == "opencl" ? 1 : 0;
  }
  EXPECT_TRUE(cpu);
  // The PoCL ICD is a build dependency (scripts/install-deps); where it is installed the
  // loader must find its CPU device.
  if (std::filesystem::exists("/etc/OpenCL/vendors/pocl.icd")) {
    EXPECT_GE(opencl, 1) << "PoCL's ICD is installed but no OpenCL device was listed";
  }
}

// One backend's devices are exactly those of the whole list with that backend, in order.
TEST(BackendRegistry, ABackendNamedListsItsOwnDevicesOnly) {
  const std::vector<tf::DeviceInfo> all = tf::list_devices();
  for (const char* backend : {"cpu", "opencl", "cuda", "vulkan"}) {
    std::vector<std::pair<std::string, int>> expected, listed;
    for (const tf::DeviceInfo& d : all) {
      if (d.backend == backend) expected.emplace_back(d.name, d.index);
    }
    for (const tf::DeviceInfo& d : tf::list_devices(backend)) {
      EXPECT_EQ(d.backend, backend);
      listed.emplace_back(d.name, d.index);
    }
    EXPECT_EQ(listed, expected) << backend;
  }
}

TEST(BackendRegistry, OpenedBackendsDescribeTheListedDevice) {
  for (const tf::DeviceInfo& listed : tf::list_devices()) {
    if (listed.backend == "cuda") continue;  // CUDA is covered by RenderIdentity where a GPU exists
    auto backend = tf::make_backend(listed.backend, listed.index);
    ASSERT_TRUE(backend) << backend.message();
    EXPECT_EQ(backend.value()->device().backend, listed.backend);
    EXPECT_EQ(backend.value()->device().name, listed.name);
    EXPECT_EQ(backend.value()->device().index, listed.index);
  }
}

TEST(BackendRegistry, BadRequestsAreErrorsWithReasons) {
  auto unknown = tf::make_backend("vulkan", 0);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.message().find("unknown backend 'vulkan'"), std::string::npos) << unknown.message();

  auto cpu1 = tf::make_backend("cpu", 1);
  ASSERT_FALSE(cpu1);
  EXPECT_NE(cpu1.message().find("index 0"), std::string::npos) << cpu1.message();

  auto opencl99 = tf::make_backend("opencl", 99);
  ASSERT_FALSE(opencl99);
  EXPECT_NE(opencl99.message().find("no OpenCL device 99"), std::string::npos) << opencl99.message();
}

TEST(BackendRegistry, MissingCudaIsAnErrorNotACrash) {
  int cuda = 0;
  for (const tf::DeviceInfo& d : tf::list_devices()) cuda += d.backend == "cuda" ? 1 : 0;
  auto backend = tf::make_backend("cuda", cuda);  // one past the last device
  ASSERT_FALSE(backend);
  EXPECT_NE(backend.message().find("cuda"), std::string::npos) << backend.message();
}

}  // namespace
