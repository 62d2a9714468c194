// The dashboard and /metrics on a real farm: a render job on CPU workers is held half done (the
// worker's device stops after a known number of units), and the test reads the farm through
// HTTP and through headless Chromium while it is in that state, then lets it finish.
//
// Independent truths: the number of units the device rendered (counted by the gate, not by
// the dispatcher), the job's unit count from its geometry, and the finished frame's PNG,
// against which every filled pixel of the live preview must match byte for byte.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "cli/embedded_farm.h"
#include "cli/job_submission.h"
#include "dispatcher/dashboard/dashboard_server.h"
#include "dispatcher/trust_queries.h"
#include "formats/fileio/read_file.h"
#include "formats/image/image_io.h"
#include "tests/integration/small_cornell_box.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "worker/backend_executor.h"

namespace tf::testing {
namespace {

constexpr int kSide = 64, kTile = 16, kSpp = 4;
constexpr uint64_t kUnits = (kSide / kTile) * (kSide / kTile);  // one sample range per tile
constexpr uint64_t kLetThrough = 6;

// Renders honestly, but only `allowed` units until open() is called: the job stays part done.
class GatedExecutor : public UnitExecutor {
 public:
  struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t allowed = 0, rendered = 0;
    bool open = false;
  };
  GatedExecutor(std::unique_ptr<UnitExecutor> inner, std::shared_ptr<Gate> gate)
      : inner_(std::move(inner)), gate_(std::move(gate)) {}
  const DeviceInfo& device() const override { return inner_->device(); }
  std::string kernel_version() const override { return inner_->kernel_version(); }
  Status load_scene(const std::filesystem::path& file, bool lenient) override {
    return inner_->load_scene(file, lenient);
  }
  Status render(const RenderUnit& unit, TileResult* out) override {
    {
      std::unique_lock<std::mutex> lock(gate_->mutex);
      gate_->changed.wait(lock, [&] { return gate_->open || gate_->rendered < gate_->allowed; });
    }
    Status s = inner_->render(unit, out);
    std::lock_guard<std::mutex> lock(gate_->mutex);
    ++gate_->rendered;
    gate_->changed.notify_all();
    return s;
  }

 private:
  std::unique_ptr<UnitExecutor> inner_;
  std::shared_ptr<Gate> gate_;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

HttpAnswer http_get(int port, const std::string& path, const std::string& bearer = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  httplib::Result res = client.Get(path.c_str(), headers);
  if (!res) return {};
  return {res->status, res->body};
}

// The value of one sample of the Prometheus text (`name` with its labels as written); -1 when
// absent.
double metric(const std::string& text, const std::string& sample) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(sample + " ", 0) == 0) return std::stod(line.substr(sample.size() + 1));
  }
  return -1;
}

// Polls /api/farm until `ready` holds for it; a test failure after 20 s.
nlohmann::json wait_for_farm(int port, const std::function<bool(const nlohmann::json&)>& ready) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  nlohmann::json farm;
  while (std::chrono::steady_clock::now() < give_up) {
    HttpAnswer a = http_get(port, "/api/farm");
    if (a.status == 200) {
      farm = nlohmann::json::parse(a.body);
      if (ready(farm)) return farm;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "the dashboard never showed the expected state; last: " << farm.dump();
  return farm;
}

ImageRGB decode_png(const std::string& bytes, const std::filesystem::path& file) {
  std::ofstream(file, std::ios::binary) << bytes;
  Result<ImageRGB> image = read_image(file);
  EXPECT_TRUE(image.is_ok()) << image.message();
  return image.is_ok() ? image.value() : ImageRGB{};
}

// Headless Chromium's DOM of `url` after its scripts ran (STACK.md); a screenshot too when
// `screenshot` is not empty.
std::string chromium_dom(const std::string& url, const std::filesystem::path& profile,
                         const std::filesystem::path& screenshot = {}) {
  const std::string common =
      "timeout 60 chromium --headless --no-sandbox --disable-gpu "
      "--no-first-run --user-data-dir='" +
      profile.string() + "' --virtual-time-budget=3000 --window-size=1280,900 ";
  if (!screenshot.empty()) {
    const ProcessRun shot = run_process(common + "--screenshot='" + screenshot.string() + "' '" +
                                        url + "' 2>/dev/null");
    EXPECT_EQ(shot.exit_code, 0) << "chromium --screenshot failed";
  }
  const ProcessRun dom = run_process(common + "--dump-dom '" + url + "' 2>/dev/null");
  EXPECT_EQ(dom.exit_code, 0) << "chromium --dump-dom failed (is Debian's chromium installed?)";
  return dom.output;
}

class DashboardFarm : public ::testing::Test {
 protected:
  void SetUp() override {
    gate_ = std::make_shared<GatedExecutor::Gate>();
    gate_->allowed = kLetThrough;
    Result<std::unique_ptr<UnitExecutor>> cpu = make_backend_executor("cpu", 0);
    ASSERT_TRUE(cpu.is_ok()) << cpu.message();
    std::vector<std::unique_ptr<UnitExecutor>> executors;
    executors.push_back(std::make_unique<GatedExecutor>(std::move(cpu.value()), gate_));
    board_ = std::make_shared<FarmBoard>();
    EmbeddedFarmOptions options;
    options.state_dir = dir_.path() / "state";
    options.units_per_device = 1;
    options.board = board_;
    Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
    ASSERT_TRUE(farm.is_ok()) << farm.message();
    farm_ = std::move(farm.value());
    dashboard_ = start_dashboard(std::nullopt);
    ASSERT_NE(dashboard_, nullptr);

    JobRequest request;
    request.scene = small_cornell_box(dir_.path() / "scene", kSide, kSide, kSpp).string();
    request.tile_size = kTile;
    request.samples_per_unit = kSpp;
    request.replication = 1;
    request.quorum = 1;
    Result<PreparedJob> job = prepare_job(request);
    ASSERT_TRUE(job.is_ok()) << job.message();
    job.value().submit.name = "cornell-dashboard";
    Result<uint64_t> id = submit_job(farm_->client(), job.value());
    ASSERT_TRUE(id.is_ok()) << id.message();
    job_ = id.value();
  }

  void TearDown() override { open_gate(); }

  std::unique_ptr<DashboardServer> start_dashboard(std::optional<std::string> token) {
    DashboardOptions options;
    options.address = {"127.0.0.1", 0};
    options.token = std::move(token);
    options.trust_refresh_ms = 0;  // every read sees the ledger as it is
    const std::filesystem::path state = dir_.path() / "state";
    Result<std::unique_ptr<DashboardServer>> server = DashboardServer::start(
        options, board_, farm_->blobs(), [state] { return open_store_read_only(state, ""); });
    EXPECT_TRUE(server.is_ok()) << server.message();
    return server ? std::move(server.value()) : nullptr;
  }

  void open_gate() {
    if (!gate_) return;
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->open = true;
    gate_->changed.notify_all();
  }

  // Waits until the dashboard shows the held job with exactly the units the gate let through.
  nlohmann::json wait_until_held() {
    return wait_for_farm(dashboard_->port(), [](const nlohmann::json& farm) {
      return farm["jobs"].size() == 1 && farm["jobs"][0]["units_done"] == kLetThrough &&
             farm["workers"].size() == 1;
    });
  }

  nlohmann::json wait_until_done() {
    EXPECT_TRUE(farm_->client().wait(job_, std::chrono::milliseconds(20), nullptr).is_ok());
    return wait_for_farm(dashboard_->port(), [](const nlohmann::json& farm) {
      return farm["jobs"].size() == 1 && farm["jobs"][0]["state"] == "done";
    });
  }

  TempDir dir_;
  std::shared_ptr<GatedExecutor::Gate> gate_;
  std::shared_ptr<FarmBoard> board_;
  std::unique_ptr<EmbeddedFarm> farm_;
  std::unique_ptr<DashboardServer> dashboard_;
  uint64_t job_ = 0;
};

TEST_F(DashboardFarm, ChromiumShowsTheRunningJobItsPartialFrameAndTheWorkers) {
  const nlohmann::json held = wait_until_held();
  ASSERT_EQ(held["jobs"].size(), 1u);
  const nlohmann::json& images = held["jobs"][0]["images"];
  ASSERT_EQ(images.size(), 1u) << held.dump();
  EXPECT_TRUE(images[0]["live"].get<bool>());

  // The preview as it is now: kLetThrough tiles filled, the rest a grey checkerboard.
  const HttpAnswer preview =
      http_get(dashboard_->port(), "/" + images[0]["url"].get<std::string>());
  ASSERT_EQ(preview.status, 200);
  const ImageRGB partial = decode_png(preview.body, dir_.path() / "preview.png");
  ASSERT_EQ(partial.width, uint32_t{kSide});

  const std::filesystem::path artifacts = TEST_ARTIFACT_DIR;
  std::filesystem::create_directories(artifacts);
  const std::filesystem::path shot = artifacts / "dashboard_running_job.png";
  std::filesystem::remove(shot);
  const std::string dom = chromium_dom(dashboard_->url(), dir_.path() / "chromium", shot);
  EXPECT_NE(dom.find("cornell-dashboard"), std::string::npos) << dom;
  EXPECT_NE(dom.find(std::to_string(kLetThrough) + " / " + std::to_string(kUnits) + " units"),
            std::string::npos)
      << dom;
  EXPECT_NE(dom.find("state-running"), std::string::npos) << dom;
  EXPECT_NE(dom.find("local-0"), std::string::npos) << "the worker is not listed: " << dom;
  EXPECT_NE(dom.find("preview.png"), std::string::npos) << "no preview image: " << dom;

  // The screenshot is the page with the preview in it: the checkerboard's two greys (sRGB
  // bytes of 0.05 and 0.1) appear in it and nowhere else on the page.
  Result<ImageRGB> screen = read_image(shot);
  ASSERT_TRUE(screen.is_ok()) << screen.message();
  EXPECT_EQ(screen->width, 1280u);
  size_t checker_pixels = 0;
  for (size_t p = 0; p + 2 < screen->rgb.size(); p += 3) {
    const float r = screen->rgb[p], g = screen->rgb[p + 1], b = screen->rgb[p + 2];
    const bool grey = std::abs(r - g) < 0.002f && std::abs(g - b) < 0.002f;
    if (grey && (std::abs(r - 0.05f) < 0.004f || std::abs(r - 0.1f) < 0.006f)) ++checker_pixels;
  }
  const size_t unfilled = (kUnits - kLetThrough) * kTile * kTile;
  EXPECT_GE(checker_pixels, unfilled / 2) << "the screenshot does not show the partial frame";

  open_gate();
  const nlohmann::json done = wait_until_done();
  // Every filled pixel of the partial preview is the finished frame's pixel, byte for byte
  // (a unit holds every sample of its tile, so sum / samples is the frame's own division).
  const nlohmann::json& final_images = done["jobs"][0]["images"];
  ASSERT_EQ(final_images.size(), 1u);
  EXPECT_FALSE(final_images[0]["live"].get<bool>());
  const HttpAnswer final_png =
      http_get(dashboard_->port(), "/" + final_images[0]["url"].get<std::string>());
  ASSERT_EQ(final_png.status, 200);
  const ImageRGB frame = decode_png(final_png.body, dir_.path() / "final.png");
  ASSERT_EQ(frame.rgb.size(), partial.rgb.size());
  uint64_t matching_tiles = 0;
  for (int ty = 0; ty < kSide / kTile; ++ty) {
    for (int tx = 0; tx < kSide / kTile; ++tx) {
      bool same = true;
      for (int y = ty * kTile; y < (ty + 1) * kTile; ++y) {
        for (int x = tx * kTile; x < (tx + 1) * kTile; ++x) {
          for (int c = 0; c < 3; ++c) {
            const size_t i = (size_t(y) * kSide + x) * 3 + c;
            same = same && partial.rgb[i] == frame.rgb[i];
          }
        }
      }
      matching_tiles += same ? 1 : 0;
    }
  }
  EXPECT_EQ(matching_tiles, kLetThrough);
  const std::string final_dom = chromium_dom(dashboard_->url(), dir_.path() / "chromium");
  EXPECT_NE(final_dom.find("state-done"), std::string::npos) << final_dom;
}

TEST_F(DashboardFarm, MetricsCountWhatTheDevicesDid) {
  wait_until_held();
  const HttpAnswer during = http_get(dashboard_->port(), "/metrics");
  ASSERT_EQ(during.status, 200);
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    EXPECT_EQ(gate_->rendered, kLetThrough);
  }
  const std::string job_label = "{job=\"" + std::to_string(job_) + "\",name=\"cornell-dashboard\"}";
  EXPECT_EQ(metric(during.body, "tilefarm_results_accepted_total"), double(kLetThrough));
  EXPECT_EQ(metric(during.body, "tilefarm_job_units_done" + job_label), double(kLetThrough));
  EXPECT_EQ(metric(during.body, "tilefarm_job_units_total" + job_label), double(kUnits));
  EXPECT_EQ(metric(during.body, "tilefarm_units_pending"), double(kUnits - kLetThrough));
  EXPECT_EQ(metric(during.body, "tilefarm_workers_connected"), 1.0);
  EXPECT_EQ(metric(during.body, "tilefarm_jobs{state=\"running\"}"), 1.0);
  // The one-slot worker holds the unit it is blocked on, and at most its lease size more.
  EXPECT_GE(metric(during.body, "tilefarm_units_leased"), 1.0);

  open_gate();
  wait_until_done();
  const HttpAnswer after = http_get(dashboard_->port(), "/metrics");
  EXPECT_EQ(metric(after.body, "tilefarm_results_accepted_total"), double(kUnits));
  EXPECT_EQ(metric(after.body, "tilefarm_leases_granted_total"), double(kUnits));
  EXPECT_EQ(metric(after.body, "tilefarm_leases_lapsed_total"), 0.0);
  EXPECT_EQ(metric(after.body, "tilefarm_verification_disagreements_total"), 0.0);
  EXPECT_EQ(metric(after.body, "tilefarm_units_pending"), 0.0);
  EXPECT_EQ(metric(after.body, "tilefarm_units_leased"), 0.0);
  EXPECT_EQ(metric(after.body, "tilefarm_jobs{state=\"done\"}"), 1.0);
  const std::regex worker_line(
      R"(tilefarm_worker_accepted_results\{worker="local-0",key="[^"]*"\} (\d+))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(after.body, m, worker_line)) << after.body;
  EXPECT_EQ(std::stoull(m[1].str()), kUnits);
  // Histogram: cumulative buckets ending at +Inf == count, at least one commit per unit batch.
  const double commits = metric(after.body, "tilefarm_store_commit_seconds_count");
  EXPECT_GE(commits, 1.0);
  EXPECT_EQ(metric(after.body, "tilefarm_store_commit_seconds_bucket{le=\"+Inf\"}"), commits);
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    EXPECT_EQ(gate_->rendered, kUnits);  // nothing rendered twice
  }

  // The trust side: one credit entry per accepted unit, verified.
  const HttpAnswer trust = http_get(dashboard_->port(), "/api/trust");
  ASSERT_EQ(trust.status, 200);
  const nlohmann::json t = nlohmann::json::parse(trust.body);
  EXPECT_EQ(t["ledger"]["entries"], kUnits);
  EXPECT_EQ(t["ledger"]["verified"], kUnits);
  EXPECT_TRUE(t["ledger"]["ok"].get<bool>());
  ASSERT_EQ(t["credits"].size(), 1u);
  EXPECT_EQ(t["credits"][0]["accepted_units"], kUnits);
  EXPECT_GT(t["credits"][0]["credit"].get<uint64_t>(), uint64_t{kSide} * kSide * kSpp);  // rays
}

TEST_F(DashboardFarm, ATokenGuardsEveryRoute) {
  const std::string token = "0123456789abcdef0123456789abcdef";
  std::unique_ptr<DashboardServer> guarded = start_dashboard(token);
  ASSERT_NE(guarded, nullptr);
  wait_until_held();
  for (const std::string path :
       {"/", "/api/farm", "/api/trust", "/metrics", "/assets/dashboard.js"}) {
    const HttpAnswer none = http_get(guarded->port(), path);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(none.body, "unauthorized\n") << path;
    EXPECT_EQ(http_get(guarded->port(), path, "not-the-token-at-all-0000").status, 401) << path;
    EXPECT_EQ(http_get(guarded->port(), path, token).status, 200) << path;
    EXPECT_EQ(http_get(guarded->port(), path + "?token=" + token).status, 200) << path;
  }
  // A browser without the token sees nothing of the farm; with it in the URL, the job.
  const std::string refused = chromium_dom(guarded->url(), dir_.path() / "chromium-a");
  EXPECT_EQ(refused.find("cornell-dashboard"), std::string::npos) << refused;
  EXPECT_NE(refused.find("unauthorized"), std::string::npos) << refused;
  const std::string shown =
      chromium_dom(guarded->url() + "?token=" + token, dir_.path() / "chromium-b");
  EXPECT_NE(shown.find("cornell-dashboard"), std::string::npos) << shown;
  EXPECT_NE(shown.find("local-0"), std::string::npos) << shown;
  // Only images a job shows are served: another blob (the scene's bundle) is not.
  EXPECT_EQ(http_get(guarded->port(), "/api/blobs/" + std::string(64, 'a') + ".png", token).status,
            404);
}

constexpr const char* kBatch = R"([simulation]
name = "channel"
model = "d2q9"
collision = "trt"
grid = [24, 12]
steps = 8
snapshot_interval = 4

[parameters]
tau = [0.7, 0.9]

[boundaries]
left = "periodic"
right = "periodic"
bottom = "wall"
top = "wall"
)";

TEST(DashboardSimulation, EachRunShowsItsLatestSnapshotImage) {
  TempDir dir;
  Result<std::unique_ptr<UnitExecutor>> cpu = make_backend_executor("cpu", 0);
  ASSERT_TRUE(cpu.is_ok()) << cpu.message();
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::move(cpu.value()));
  auto board = std::make_shared<FarmBoard>();
  EmbeddedFarmOptions options;
  options.state_dir = dir.path() / "state";
  options.board = board;
  Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
  ASSERT_TRUE(farm.is_ok()) << farm.message();
  DashboardOptions dashboard_options;
  dashboard_options.address = {"127.0.0.1", 0};
  const std::filesystem::path state = options.state_dir;
  Result<std::unique_ptr<DashboardServer>> dashboard =
      DashboardServer::start(dashboard_options, board, farm.value()->blobs(),
                             [state] { return open_store_read_only(state, ""); });
  ASSERT_TRUE(dashboard.is_ok()) << dashboard.message();
  DispatcherClient& client = farm.value()->client();
  proto::SubmitJob job;
  job.sim_batch = kBatch;
  job.sim_source = "channel.toml";
  job.replication = 1;
  job.quorum = 1;
  Result<uint64_t> id = client.submit(job);
  ASSERT_TRUE(id.is_ok()) << id.message();
  Result<proto::JobStatus> done = client.wait(id.value(), std::chrono::milliseconds(20), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
  const std::filesystem::path out = dir.path() / "out";
  ASSERT_TRUE(client.download_outputs(id.value(), out).is_ok());

  const nlohmann::json shown =
      wait_for_farm(dashboard.value()->port(), [](const nlohmann::json& f) {
        return f["jobs"].size() == 1 && f["jobs"][0]["state"] == "done";
      });
  ASSERT_EQ(shown["jobs"].size(), 1u);
  EXPECT_EQ(shown["jobs"][0]["kind"], "simulation");
  const nlohmann::json& images = shown["jobs"][0]["images"];
  ASSERT_EQ(images.size(), 2u) << shown.dump();  // one per run
  for (const nlohmann::json& image : images) {
    const std::string name = image["label"];
    EXPECT_NE(name.find("step_000000008/"), std::string::npos) << "not the last snapshot: " << name;
    const HttpAnswer png =
        http_get(dashboard.value()->port(), "/" + image["url"].get<std::string>());
    ASSERT_EQ(png.status, 200) << name;
    Result<std::vector<uint8_t>> file = read_whole_file(out / name);
    ASSERT_TRUE(file.is_ok()) << file.message();
    EXPECT_EQ(png.body, std::string(file->begin(), file->end()))
        << name << " differs from the job's output";
  }
}

}  // namespace
}  // namespace tf::testing
