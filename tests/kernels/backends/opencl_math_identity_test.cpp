// The portable math and the RNG give the same bytes on the OpenCL device as on the host, over
// dense grids of inputs including special values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "kernels/opencl/opencl_runtime.h"
#include "tests/kernels/backends/math_cases.h"

namespace tf {
std::string_view portable_math_test_kernel_source();  // generated from portable_math_kernel.cl
}

namespace {

using tf::ocl::DeviceSession;

// Opens OpenCL device 0 and builds the test kernels (no disk cache: the text is small).
struct TestDevice {
  std::unique_ptr<DeviceSession> session;
  tf::ocl::ProgramHandle program;
};

TestDevice open_test_device() {
  TestDevice d;
  auto session = DeviceSession::open(0);
  if (!session) {
    ADD_FAILURE() << "no usable OpenCL device (PoCL's ICD is a build dependency): " << session.message();
    return d;
  }
  d.session = std::move(session.value());
  auto program = d.session->build_program(tf::portable_math_test_kernel_source(), nullptr);
  if (!program) {
    ADD_FAILURE() << program.message();
    d.session.reset();
    return d;
  }
  d.program = std::move(program.value());
  return d;
}

// Inputs covering every function's interesting range: evenly spaced bit patterns over all
// floats (both signs, subnormals, infinities, NaNs) interleaved with dense linear grids.
std::vector<float> inputs(size_t n, uint32_t salt) {
  std::vector<float> v(n);
  const float ranges[][2] = {{-8192.0f, 8192.0f}, {-4.0f, 4.0f}, {-1.0f, 1.0f}, {-110.0f, 130.0f}};
  for (size_t i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      uint32_t bits = static_cast<uint32_t>((static_cast<uint64_t>(i) * 0x9E3779B1u + salt) & 0xffffffffu);
      v[i] = tf_bits_float(bits);
    } else {
      const float* r = ranges[(i / 2) % 4];
      float t = static_cast<float>(i) / static_cast<float>(n);
      v[i] = r[0] + (r[1] - r[0]) * t;
    }
  }
  const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, tf_inff(), -tf_inff(), tf_nanf(), 0.5f, 2.0f, 1e-45f};
  for (size_t i = 0; i < sizeof specials / sizeof specials[0] && i < n; ++i) v[i * 7 + 3] = specials[i];
  return v;
}

// Index of the first element whose bytes differ, or -1.
template <class T>
std::ptrdiff_t first_difference(const std::vector<T>& a, const std::vector<T>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return static_cast<std::ptrdiff_t>(i);
  }
  return -1;
}

TEST(OpenClIdentity, PortableMathMatchesHostBitForBit) {
  TestDevice d = open_test_device();
  if (!d.session) return;
  const size_t n = 1u << 17;
  std::vector<float> a = inputs(n, 17u);
  std::vector<float> b = inputs(n, 12345u);
  std::reverse(b.begin(), b.end());

  auto kernel = d.session->create_kernel(d.program, "tf_eval_math");
  ASSERT_TRUE(kernel) << kernel.message();
  auto a_buf = d.session->upload(a.data(), n * sizeof(float));
  auto b_buf = d.session->upload(b.data(), n * sizeof(float));
  auto out_buf = d.session->allocate(n * TF_MATH_CASE_COUNT * sizeof(float));
  ASSERT_TRUE(a_buf && b_buf && out_buf);
  ASSERT_TRUE(tf::ocl::set_buffer_arg(kernel.value(), 0, a_buf.value()));
  ASSERT_TRUE(tf::ocl::set_buffer_arg(kernel.value(), 1, b_buf.value()));
  ASSERT_TRUE(tf::ocl::set_u32_arg(kernel.value(), 2, static_cast<cl_uint>(n)));
  ASSERT_TRUE(tf::ocl::set_buffer_arg(kernel.value(), 3, out_buf.value()));
  tf::Status run = d.session->run_2d(kernel.value(), n, 1);
  ASSERT_TRUE(run) << run.message();
  std::vector<float> device(n * TF_MATH_CASE_COUNT);
  ASSERT_TRUE(d.session->read(out_buf.value(), device.data(), device.size() * sizeof(float)));

  std::vector<float> host(n * TF_MATH_CASE_COUNT);
  for (size_t i = 0; i < n; ++i) {
    for (tf_u32 f = 0; f < TF_MATH_CASE_COUNT; ++f) host[i * TF_MATH_CASE_COUNT + f] = tf_math_case(f, a[i], b[i]);
  }
  // Raw arithmetic may return any NaN for NaN inputs (math_cases.h): both NaN counts as equal
  // there. The portable functions must agree on every bit, NaNs included.
  for (size_t k = TF_MATH_CASE_RAW; k < host.size(); k += TF_MATH_CASE_COUNT) {
    if (tf_isnanf(host[k]) && tf_isnanf(device[k])) device[k] = host[k];
  }
  size_t differing = 0;
  std::vector<size_t> per_case(TF_MATH_CASE_COUNT, 0);
  for (size_t k = 0; k < host.size(); ++k) {
    if (tf_float_bits(host[k]) != tf_float_bits(device[k])) {
      ++differing;
      ++per_case[k % TF_MATH_CASE_COUNT];
    }
  }
  std::ptrdiff_t first = first_difference(host, device);
  if (first >= 0) {
    size_t i = static_cast<size_t>(first) / TF_MATH_CASE_COUNT;
    ADD_FAILURE() << differing << " of " << host.size() << " results differ; first: case "
                  << static_cast<size_t>(first) % TF_MATH_CASE_COUNT << " at a = " << a[i] << " (0x" << std::hex
                  << tf_float_bits(a[i]) << "), b = " << b[i] << ": host 0x" << tf_float_bits(host[first])
                  << ", device 0x" << tf_float_bits(device[first]);
    for (tf_u32 f = 0; f < TF_MATH_CASE_COUNT; ++f) {
      if (per_case[f] != 0) ADD_FAILURE() << "case " << std::dec << f << ": " << per_case[f] << " differences";
    }
  }
}

TEST(OpenClIdentity, RngMatchesHostBitForBit) {
  TestDevice d = open_test_device();
  if (!d.session) return;
  const size_t n = 1u << 17;
  auto kernel = d.session->create_kernel(d.program, "tf_eval_rng");
  ASSERT_TRUE(kernel) << kernel.message();
  auto bits_buf = d.session->allocate(n * sizeof(tf_u32));
  auto unit_buf = d.session->allocate(n * sizeof(float));
  auto sampled_buf = d.session->allocate(n * sizeof(float));
  ASSERT_TRUE(bits_buf && unit_buf && sampled_buf);
  ASSERT_TRUE(tf::ocl::set_u32_arg(kernel.value(), 0, static_cast<cl_uint>(n)));
  ASSERT_TRUE(tf::ocl::set_buffer_arg(kernel.value(), 1, bits_buf.value()));
  ASSERT_TRUE(tf::ocl::set_buffer_arg(kernel.value(), 2, unit_buf.value()));
  ASSERT_TRUE(tf::ocl::set_buffer_arg(kernel.value(), 3, sampled_buf.value()));
  tf::Status run = d.session->run_2d(kernel.value(), n, 1);
  ASSERT_TRUE(run) << run.message();
  std::vector<tf_u32> bits(n);
  std::vector<float> unit(n);
  std::vector<float> sampled(n);
  ASSERT_TRUE(d.session->read(bits_buf.value(), bits.data(), n * sizeof(tf_u32)));
  ASSERT_TRUE(d.session->read(unit_buf.value(), unit.data(), n * sizeof(float)));
  ASSERT_TRUE(d.session->read(sampled_buf.value(), sampled.data(), n * sizeof(float)));

  std::vector<tf_u32> host_bits(n);
  std::vector<float> host_unit(n);
  std::vector<float> host_sampled(n);
  for (tf_u32 i = 0; i < n; ++i) {
    tf_u32 frame, px, py, sample, dim;
    tf_rng_case_key(i, &frame, &px, &py, &sample, &dim);
    host_bits[i] = tf_rng_u32(frame, px, py, sample, dim);
    host_unit[i] = tf_rng_float(frame, px, py, sample, dim);
    host_sampled[i] = tf_rng_float(frame, px, py, sample, 5u);
  }
  EXPECT_EQ(first_difference(host_bits, bits), -1) << "tf_rng_u32";
  EXPECT_EQ(first_difference(host_unit, unit), -1) << "tf_rng_float";
  EXPECT_EQ(first_difference(host_sampled, sampled), -1) << "tf_sampler_next (dimension 5)";
}

}  // namespace
