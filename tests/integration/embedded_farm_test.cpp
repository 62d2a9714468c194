// The embedded farm (dispatcher + local workers over inproc): with the synthetic executor it
// reproduces the independently computed frames; with the CPU backend its image equals the
// image rendered by calling the backend directly over the whole frame, byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "cli/embedded_farm.h"
#include "cli/job_submission.h"
#include "formats/scene/load.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/small_cornell_box.h"
#include "worker/backend_executor.h"

namespace tf::testing {
namespace {

TEST(EmbeddedFarm, TwoWorkersRenderAMultiFrameJobExactly) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<SyntheticExecutor>());
  executors.push_back(std::make_unique<SyntheticExecutor>());
  EmbeddedFarmOptions options;
  options.state_dir = dir.path() / "state";
  Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
  ASSERT_TRUE(farm.is_ok()) << farm.message();
  DispatcherClient& client = farm.value()->client();
  Result<uint64_t> job = submit_synthetic(client, scene, 3);
  ASSERT_TRUE(job.is_ok()) << job.message();
  Result<proto::JobStatus> done = client.wait(job.value(), std::chrono::milliseconds(20), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
  EXPECT_EQ(done->frames_done, 3u);
  expect_synthetic_outputs(client, job.value(), 3, scene.seed, dir.path() / "out");
}

// Renders `scene_file` on the embedded farm (two CPU workers) and returns frame 1's EXR pixels.
std::vector<float> farm_render(const std::filesystem::path& scene_file, uint32_t tile,
                               uint32_t samples_per_unit, const std::filesystem::path& out_dir) {
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  for (int i = 0; i < 2; ++i) {
    Result<std::unique_ptr<UnitExecutor>> e = make_backend_executor("cpu", 0);
    EXPECT_TRUE(e.is_ok()) << e.message();
    if (!e) return {};
    executors.push_back(std::move(e.value()));
  }
  Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start({}, std::move(executors));
  EXPECT_TRUE(farm.is_ok()) << farm.message();
  JobRequest request;
  request.scene = scene_file.string();
  request.tile_size = tile;
  request.samples_per_unit = samples_per_unit;
  Result<PreparedJob> job = prepare_job(request);
  EXPECT_TRUE(job.is_ok()) << job.message();
  DispatcherClient& client = farm.value()->client();
  Result<uint64_t> id = submit_job(client, job.value());
  EXPECT_TRUE(id.is_ok()) << id.message();
  Result<proto::JobStatus> done = client.wait(id.value(), std::chrono::milliseconds(20), nullptr);
  EXPECT_TRUE(done.is_ok() && done->state == proto::JobState::kDone);
  Result<std::vector<std::filesystem::path>> files = client.download_outputs(id.value(), out_dir);
  EXPECT_TRUE(files.is_ok()) << files.message();
  Result<ImageRGB> image = read_image(out_dir / "frame_0001.exr");
  EXPECT_TRUE(image.is_ok()) << image.message();
  return image.is_ok() ? image->rgb : std::vector<float>{};
}

// Direct backend renders of the whole frame, one per sample range, summed in range order.
std::vector<float> direct_render(const std::filesystem::path& scene_file, uint32_t samples_per_unit) {
  Result<LoadedScene> scene = load_scene_file(scene_file);
  EXPECT_TRUE(scene.is_ok()) << scene.message();
  Result<std::unique_ptr<Backend>> backend = make_backend("cpu", 0);
  EXPECT_TRUE(backend.is_ok()) << backend.message();
  EXPECT_TRUE(backend.value()->load_scene(scene->kernel).is_ok());
  std::vector<float> sum(size_t{scene->width} * scene->height * 3, 0.0f);
  for (uint32_t s0 = 0; s0 < scene->spp; s0 += samples_per_unit) {
    TileResult t;
    const RenderUnit whole{1, 0, 0, scene->width, scene->height, s0,
                           std::min(scene->spp, s0 + samples_per_unit)};
    EXPECT_TRUE(backend.value()->render(whole, &t).is_ok());
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += t.rgb[i];
  }
  for (float& v : sum) v = v / static_cast<float>(scene->spp);
  return sum;
}

TEST(EmbeddedFarm, CpuRenderEqualsTheDirectBackendRenderByteForByte) {
  TempDir dir;
  const std::filesystem::path scene = small_cornell_box(dir.path() / "scene", 40, 30, 4);
  // One sample range per tile: the farm's image is the backend's whole-frame image.
  const std::vector<float> farm = farm_render(scene, 16, 4, dir.path() / "out-a");
  const std::vector<float> direct = direct_render(scene, 4);
  ASSERT_EQ(farm.size(), direct.size());
  EXPECT_EQ(std::memcmp(farm.data(), direct.data(), farm.size() * sizeof(float)), 0);
  // Split sample ranges: equal to the backend's range renders summed in range order.
  const std::vector<float> farm_split = farm_render(scene, 16, 1, dir.path() / "out-b");
  const std::vector<float> direct_split = direct_render(scene, 1);
  ASSERT_EQ(farm_split.size(), direct_split.size());
  EXPECT_EQ(std::memcmp(farm_split.data(), direct_split.data(), farm_split.size() * sizeof(float)), 0);
}

}  // namespace
}  // namespace tf::testing
