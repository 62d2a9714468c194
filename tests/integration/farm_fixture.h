// Shared pieces of the farm integration tests: a synthetic one-file scene bundle, job
// submission, and checking a finished frame against the independently computed image.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "dispatcher/client.h"
#include "formats/image/image_io.h"
#include "tests/support/temp_dir.h"
#include "tests/integration/synthetic_executor.h"

namespace tf::testing {

constexpr uint32_t kWidth = 48, kHeight = 32, kTile = 8, kSpp = 8, kSamplesPerUnit = 4;

struct SyntheticScene {
  std::filesystem::path dir;
  BundleManifest manifest;
  uint64_t seed = 0;
};

inline SyntheticScene write_synthetic_scene(const std::filesystem::path& dir) {
  const std::string text = "# a synthetic scene for farm tests\n";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "scene.pbrt") << text;
  SyntheticScene scene;
  scene.dir = dir;
  scene.manifest = {"scene.pbrt", {{"scene.pbrt", blake2b_256(std::string_view(text)), text.size()}}};
  scene.seed = synthetic_seed(text);
  return scene;
}

// Verification defaults to one replica per unit: most farm tests run fewer workers than a
// replicated unit needs distinct keys.
inline Result<uint64_t> submit_synthetic(DispatcherClient& client, const SyntheticScene& scene,
                                         uint32_t frames, uint32_t replication = 1,
                                         uint32_t quorum = 1) {
  Result<Hash256> bundle = client.upload_bundle(scene.manifest, scene.dir);
  if (!bundle) return Error{bundle.message()};
  proto::SubmitJob job{"synthetic", bundle.value(), {}, kTile, kSpp, kSamplesPerUnit, 0,
                       replication, quorum};
  for (uint32_t f = 1; f <= frames; ++f) job.frames.push_back({f, "scene.pbrt", kWidth, kHeight});
  return client.submit(job);
}

// Polls until at least `units` units of `job` are done; a test failure when `timeout` passes
// first.
inline void wait_for_units(DispatcherClient& client, uint64_t job, uint64_t units,
                           std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    Result<std::vector<proto::JobStatus>> s = client.status(job);
    if (s.is_ok() && s->size() == 1 && s->front().units_done >= units) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "job " << job << " did not reach " << units << " units done";
}

// Downloads the job's outputs and checks every frame's EXR bytes against synthetic_frame.
inline void expect_synthetic_outputs(DispatcherClient& client, uint64_t job, uint32_t frames,
                                     uint64_t seed, const std::filesystem::path& dir) {
  Result<std::vector<std::filesystem::path>> files = client.download_outputs(job, dir);
  ASSERT_TRUE(files.is_ok()) << files.message();
  EXPECT_EQ(files->size(), 2u * frames);
  for (uint32_t f = 1; f <= frames; ++f) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%04u.exr", f);
    Result<ImageRGB> image = read_image(dir / name);
    ASSERT_TRUE(image.is_ok()) << image.message();
    const std::vector<float> expected = synthetic_frame(seed, f, kWidth, kHeight, kSpp, kSamplesPerUnit);
    ASSERT_EQ(image->rgb.size(), expected.size());
    EXPECT_EQ(std::memcmp(image->rgb.data(), expected.data(), expected.size() * sizeof(float)), 0)
        << "frame " << f << " differs from the independently computed image";
  }
}

}  // namespace tf::testing
