// A mixed-version farm (DESIGN.md "Scale and operations", Versions): the embedded farm with
// two workers of kernel synthetic-1 and two of synthetic-2, whose results differ in their
// bytes. The job finishes; every frame's units were accepted from workers of one version
// (replicas in the store), and each frame equals its version's independently computed image.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include "cli/embedded_farm.h"
#include "dispatcher/store.h"
#include "tests/integration/farm_fixture.h"

namespace tf::testing {
namespace {

constexpr uint64_t kVersion2Salt = 0x2b2b2b2b2b2b2b2bULL;
constexpr auto kTimePerUnit = std::chrono::microseconds(1500);

// A worker of the next kernel version: synthetic values of another seed, so that its results
// are not bitwise those of synthetic-1 (as a kernel change that moves pixels would be).
class SyntheticExecutorV2 : public UnitExecutor {
 public:
  SyntheticExecutorV2() {
    device_.backend = "synthetic";
    device_.name = "synthetic test device v2";
  }
  const DeviceInfo& device() const override { return device_; }
  std::string kernel_version() const override { return "synthetic-2"; }
  Status load_scene(const std::filesystem::path& scene_file, bool /*lenient*/) override {
    std::ifstream in(scene_file, std::ios::binary | std::ios::ate);
    if (!in) return Error{"cannot read " + scene_file.string()};
    std::string text(static_cast<size_t>(in.tellg()), '\0');
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    seed_ = synthetic_seed(text) ^ kVersion2Salt;
    return Status::ok();
  }
  Status render(const RenderUnit& unit, TileResult* out) override {
    const auto until = std::chrono::steady_clock::now() + kTimePerUnit;
    *out = synthetic_tile(seed_, unit);
    SyntheticExecutor::wait_until(until);
    return Status::ok();
  }

 private:
  DeviceInfo device_;
  uint64_t seed_ = 0;
};

TEST(KernelVersionsFarm, FramesOfAMixedVersionFarmComeFromOneVersionEach) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  constexpr uint32_t kFrames = 8;
  // Workers local-0 and local-1 run synthetic-1, local-2 and local-3 synthetic-2.
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<SyntheticExecutor>(kTimePerUnit));
  executors.push_back(std::make_unique<SyntheticExecutor>(kTimePerUnit));
  executors.push_back(std::make_unique<SyntheticExecutorV2>());
  executors.push_back(std::make_unique<SyntheticExecutorV2>());
  const std::map<std::string, std::string> version_of_worker{{"local-0", "synthetic-1"},
                                                             {"local-1", "synthetic-1"},
                                                             {"local-2", "synthetic-2"},
                                                             {"local-3", "synthetic-2"}};
  EmbeddedFarmOptions options;
  options.state_dir = dir.path() / "state";
  uint64_t job_id = 0;
  std::map<uint32_t, std::string> listed;  // frame -> version, as the outputs listing says
  {
    Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
    ASSERT_TRUE(farm.is_ok()) << farm.message();
    DispatcherClient& client = farm.value()->client();
    Result<uint64_t> job = submit_synthetic(client, scene, kFrames);
    ASSERT_TRUE(job.is_ok()) << job.message();
    job_id = job.value();
    Result<proto::JobStatus> done = client.wait(job_id, std::chrono::milliseconds(20), nullptr);
    ASSERT_TRUE(done.is_ok()) << done.message();
    ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
    Result<proto::OutputsReply> outputs = client.outputs(job_id);
    ASSERT_TRUE(outputs.is_ok()) << outputs.message();
    for (const proto::OutputFile& f : outputs->files) {
      listed[static_cast<uint32_t>(std::stoul(f.name.substr(6, 4)))] = f.kernel_version;
    }
    // Each frame equals the image of the version it was pinned to, computed here.
    Result<std::vector<std::filesystem::path>> files =
        client.download_outputs(job_id, dir.path() / "out");
    ASSERT_TRUE(files.is_ok()) << files.message();
    for (uint32_t f = 1; f <= kFrames; ++f) {
      char name[32];
      std::snprintf(name, sizeof name, "frame_%04u.exr", f);
      Result<ImageRGB> image = read_image(dir.path() / "out" / name);
      ASSERT_TRUE(image.is_ok()) << image.message();
      const uint64_t seed = listed[f] == "synthetic-2" ? scene.seed ^ kVersion2Salt : scene.seed;
      const std::vector<float> expected =
          synthetic_frame(seed, f, kWidth, kHeight, kSpp, kSamplesPerUnit);
      ASSERT_EQ(image->rgb.size(), expected.size());
      EXPECT_EQ(std::memcmp(image->rgb.data(), expected.data(), expected.size() * sizeof(float)),
                0)
          << "frame " << f << " differs from the " << listed[f] << " image";
    }
  }
  Result<std::unique_ptr<Store>> store = Store::open(options.state_dir);
  ASSERT_TRUE(store.is_ok()) << store.message();
  Result<StoreSnapshot> snap = store.value()->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  std::map<std::string, std::string> version_of_key;
  for (const WorkerRecord& w : snap->workers) version_of_key[w.key] = version_of_worker.at(w.name);
  std::map<uint64_t, uint32_t> frame_of_unit;
  for (const UnitRow& u : snap->units) {
    if (u.job_id == job_id) frame_of_unit[u.id] = u.frame;
  }
  std::map<uint32_t, std::set<std::string>> accepted_versions, leased_versions;
  for (const ReplicaRow& r : snap->replicas) {
    auto frame = frame_of_unit.find(r.unit_id);
    if (frame == frame_of_unit.end()) continue;
    leased_versions[frame->second].insert(version_of_key.at(r.worker_key));
    if (r.state == ReplicaState::kAgreed) {
      accepted_versions[frame->second].insert(version_of_key.at(r.worker_key));
    }
  }
  std::set<std::string> used;
  for (const FrameRow& frame : snap->frames) {
    if (frame.job_id != job_id) continue;
    const uint32_t f = frame.frame;
    EXPECT_EQ(accepted_versions[f], std::set<std::string>{frame.kernel_version}) << "frame " << f;
    EXPECT_EQ(leased_versions[f], std::set<std::string>{frame.kernel_version}) << "frame " << f;
    EXPECT_EQ(listed[f], frame.kernel_version) << "frame " << f;
    used.insert(frame.kernel_version);
  }
  EXPECT_EQ(used, (std::set<std::string>{"synthetic-1", "synthetic-2"}))
      << "both versions rendered frames";
}

}  // namespace
}  // namespace tf::testing
