// The same render units give the same bytes on the CPU, OpenCL and (where a GPU exists) CUDA
// backends, and a unit's bytes do not depend on how the film is split into tiles.
//
// Byte identity is checked with memcmp over the whole TileResult (every float's bits, NaN
// payloads and signed zeros included) plus the ray count.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "kernels/backend.h"
#include "kernels/cpu/cpu_backend.h"
#include "kernels/render/render_pixel.h"
#include "tests/kernels/backends/test_scenes.h"

namespace {

using tf::Backend;
using tf::RenderUnit;
using tf::TileResult;

RenderUnit unit(uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1, uint32_t s0, uint32_t s1, uint32_t frame = 0) {
  RenderUnit u;
  u.frame = frame;
  u.x0 = x0, u.y0 = y0, u.x1 = x1, u.y1 = y1;
  u.s0 = s0, u.s1 = s1;
  return u;
}

std::string describe(const RenderUnit& u) {
  std::ostringstream os;
  os << "frame " << u.frame << " tile [" << u.x0 << "," << u.x1 << ")x[" << u.y0 << "," << u.y1 << ") samples ["
     << u.s0 << "," << u.s1 << ")";
  return os.str();
}

TileResult render(Backend* backend, const RenderUnit& u) {
  TileResult out;
  tf::Status st = backend->render(u, &out);
  EXPECT_TRUE(st) << backend->device().backend << ": " << st.message();
  return out;
}

// Adds a failure naming the first differing float when the results are not byte-identical.
void expect_identical(const TileResult& expected, const TileResult& actual, const std::string& what) {
  ASSERT_EQ(expected.width, actual.width) << what;
  ASSERT_EQ(expected.height, actual.height) << what;
  ASSERT_EQ(expected.rgb.size(), actual.rgb.size()) << what;
  EXPECT_EQ(expected.rays, actual.rays) << what << ": ray counts differ";
  if (std::memcmp(expected.rgb.data(), actual.rgb.data(), expected.rgb.size() * sizeof(float)) == 0) return;
  size_t differing = 0;
  size_t first = 0;
  for (size_t i = expected.rgb.size(); i-- > 0;) {
    if (std::memcmp(&expected.rgb[i], &actual.rgb[i], sizeof(float)) != 0) {
      ++differing;
      first = i;
    }
  }
  size_t pixel = first / 3;
  ADD_FAILURE() << what << ": " << differing << " of " << expected.rgb.size() << " floats differ; first at pixel ("
                << pixel % expected.width << ", " << pixel / expected.width << ") channel " << first % 3 << ": "
                << expected.rgb[first] << " vs " << actual.rgb[first];
}

// The unit set every backend pair is compared on: the whole film first, then odd tiles at odd
// offsets, a single pixel, sample ranges that do not start at zero, another frame.
std::vector<RenderUnit> comparison_units(const tf::KernelScene& scene) {
  const uint32_t w = scene.camera.width;
  const uint32_t h = scene.camera.height;
  return {unit(0, 0, w, h, 0, 4), unit(3, 2, 10, 7, 3, 6), unit(w - 1, h - 1, w, h, 0, 9),
          unit(1, 0, w, 3, 17, 19, 5)};
}

// A result that is all zeros would match trivially: require light and traced rays.
void expect_not_trivial(const TileResult& r, const std::string& what) {
  double sum = 0.0;
  for (float v : r.rgb) sum += static_cast<double>(v);
  EXPECT_GT(sum, 0.0) << what << ": the image is black";
  EXPECT_GT(r.rays, 0u) << what << ": no rays traced";
}

std::unique_ptr<Backend> open_or_fail(const std::string& name, int index) {
  auto backend = tf::make_backend(name, index);
  EXPECT_TRUE(backend) << backend.message();
  return backend ? std::move(backend.value()) : nullptr;
}

// Renders every comparison unit of every scene on `reference` and `other` and compares bytes.
void expect_backends_agree(Backend* reference, Backend* other) {
  for (const tf::test::NamedScene& s : tf::test::all_scenes()) {
    ASSERT_TRUE(reference->load_scene(s.scene));
    tf::Status st = other->load_scene(s.scene);
    ASSERT_TRUE(st) << st.message();
    std::vector<RenderUnit> units = comparison_units(s.scene);
    for (size_t i = 0; i < units.size(); ++i) {
      std::string what = s.name + ", " + describe(units[i]) + ", " + reference->device().backend + " vs " +
                         other->device().backend;
      TileResult expected = render(reference, units[i]);
      if (i == 0) expect_not_trivial(expected, what);  // the whole film; small tiles may see nothing
      expect_identical(expected, render(other, units[i]), what);
    }
  }
}

TEST(RenderIdentity, OpenClMatchesCpuOnEveryScene) {
  auto cpu = tf::make_cpu_backend(2);
  auto opencl = open_or_fail("opencl", 0);
  ASSERT_TRUE(opencl);
  EXPECT_EQ(opencl->kernel_version(), cpu->kernel_version());
  EXPECT_EQ(opencl->kernel_version(), TF_RENDER_KERNEL_VERSION);
  expect_backends_agree(cpu.get(), opencl.get());
}

TEST(RenderIdentity, CudaMatchesCpuOnEveryScene) {
  int cuda_devices = 0;
  for (const tf::DeviceInfo& d : tf::list_devices()) cuda_devices += d.backend == "cuda" ? 1 : 0;
  if (cuda_devices == 0) {
    GTEST_SKIP() << "no CUDA device on this machine (none, no driver, or a driver older than the runtime), "
                    "or the CUDA backend is not compiled in: nothing to compare";
  }
  auto cpu = tf::make_cpu_backend(2);
  for (int i = 0; i < cuda_devices; ++i) {
    auto cuda = open_or_fail("cuda", i);
    ASSERT_TRUE(cuda);
    expect_backends_agree(cpu.get(), cuda.get());
  }
}

// Renders [x0, x0+16) x [y0, y0+16) once and as four 8x8 tiles, and compares the stitched
// result with the whole.
void expect_split_invariant(Backend* backend, const tf::test::NamedScene& s) {
  ASSERT_TRUE(backend->load_scene(s.scene));
  const uint32_t x0 = 2, y0 = 0;
  RenderUnit whole = unit(x0, y0, x0 + 16, y0 + 16, 1, 4);
  TileResult full = render(backend, whole);
  TileResult stitched;
  stitched.width = 16;
  stitched.height = 16;
  stitched.rgb.assign(16 * 16 * 3, -1.0f);
  for (uint32_t ty = 0; ty < 2; ++ty) {
    for (uint32_t tx = 0; tx < 2; ++tx) {
      RenderUnit part = unit(x0 + 8 * tx, y0 + 8 * ty, x0 + 8 * tx + 8, y0 + 8 * ty + 8, 1, 4);
      TileResult r = render(backend, part);
      ASSERT_EQ(r.rgb.size(), 8u * 8u * 3u);
      for (uint32_t y = 0; y < 8; ++y) {
        std::memcpy(&stitched.rgb[((8 * ty + y) * 16 + 8 * tx) * 3], &r.rgb[y * 8 * 3], 8 * 3 * sizeof(float));
      }
      stitched.rays += r.rays;
    }
  }
  expect_not_trivial(full, s.name);
  expect_identical(full, stitched, s.name + ": 16x16 tile vs four 8x8 tiles on " + backend->device().backend);
}

TEST(RenderIdentity, TileSplitDoesNotChangeBytesOnCpuAndOpenCl) {
  auto cpu = tf::make_cpu_backend(2);
  auto opencl = open_or_fail("opencl", 0);
  ASSERT_TRUE(opencl);
  for (const tf::test::NamedScene& s : {tf::test::spheres_scene(), tf::test::triangles_scene()}) {
    expect_split_invariant(cpu.get(), s);
    expect_split_invariant(opencl.get(), s);
  }
}

TEST(RenderIdentity, OpenClRejectsEmptyUnitsAndUnitsOutsideTheFilm) {
  auto opencl = open_or_fail("opencl", 0);
  ASSERT_TRUE(opencl);
  TileResult out;
  EXPECT_FALSE(opencl->render(unit(0, 0, 4, 4, 0, 1), &out)) << "no scene loaded yet";
  tf::test::NamedScene s = tf::test::spheres_scene();
  ASSERT_TRUE(opencl->load_scene(s.scene));
  tf::Status outside = opencl->render(unit(20, 0, 25, 4, 0, 1), &out);  // film is 24 wide
  EXPECT_FALSE(outside);
  EXPECT_NE(outside.message().find("outside"), std::string::npos) << outside.message();
  EXPECT_FALSE(opencl->render(unit(3, 3, 3, 5, 0, 1), &out)) << "an empty tile, as on the cpu backend";
}

}  // namespace
