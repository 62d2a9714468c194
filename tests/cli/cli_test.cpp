// The tilefarm executable: exit codes (0 success, 1 job failed, 2 bad usage or input) and
// messages that name the problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "formats/image/image_io.h"
#include "formats/sim/observables_output.h"
#include "kernels/sim/observation.h"
#include "tests/support/sim_truth.h"

#include "tests/support/child_process.h"
#include "tests/support/image_channel.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace {

using tf::testing::ChildProcess;
using tf::testing::ProcessRun;
using tf::testing::TempDir;

// Runs tilefarm with `args`; the output holds stdout and stderr together.
ProcessRun run(const std::string& args) {
  return tf::testing::run_process(std::string(TILEFARM_EXE) + " " + args + " 2>&1");
}

// A tiny copy of the Cornell box: 24x16 pixels, 2 samples.
std::filesystem::path tiny_scene(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "scene.pbrt") << R"(Film "rgb" "integer xresolution" [24] "integer yresolution" [16]
Sampler "independent" "integer pixelsamples" [2]
LookAt 0 0 -5  0 0 0  0 1 0
Camera "perspective" "float fov" [40]
WorldBegin
LightSource "infinite" "rgb L" [1 1 1]
Material "diffuse" "rgb reflectance" [0.5 0.5 0.5]
Shape "sphere" "float radius" [1]
)";
  return dir / "scene.pbrt";
}

TEST(Cli, HelpSucceeds) {
  const ProcessRun r = run("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("render"), std::string::npos) << r.output;
}

TEST(Cli, BadUsageExitsWithTwo) {
  for (const char* args : {"", "frobnicate", "render", "render a.pbrt --tile 0",
                           "render a.pbrt --backend quantum", "submit"}) {
    const ProcessRun r = run(args);
    EXPECT_EQ(r.exit_code, 2) << "tilefarm " << args << "\n" << r.output;
    EXPECT_FALSE(r.output.empty()) << "tilefarm " << args << " must say what is wrong";
  }
}

TEST(Cli, MissingSceneExitsWithTwoAndNamesIt) {
  TempDir dir;
  const ProcessRun r = run("render " + (dir.path() / "nope.pbrt").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nope.pbrt"), std::string::npos) << r.output;
}

TEST(Cli, MalformedSceneExitsWithTwoAndNamesTheFile) {
  TempDir dir;
  std::ofstream(dir.path() / "broken.pbrt") << "Film \"rgb\" \"integer xresolution\" [abc]\nWorldBegin\n";
  const ProcessRun r = run("render " + (dir.path() / "broken.pbrt").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("broken.pbrt"), std::string::npos) << r.output;
}

TEST(Cli, BadFrameListExitsWithTwo) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path());
  const ProcessRun r = run("submit " + scene.string() + " --frames 5-1 --dispatcher ipc://" +
                    (dir.path() / "none.sock").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("5-1"), std::string::npos) << r.output;
}

TEST(Cli, RenderWritesExrAndPng) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  const std::filesystem::path out = dir.path() / "out" / "tiny.exr";
  const ProcessRun r =
      run("render " + scene.string() + " --backend cpu --tile 8 -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "tiny.png")) << r.output;
}

// Without its image module (formats/image/image_codec.h, which reads images) a render and a
// simulation still write their outputs (formats/image/image_writer.h needs no module); a scene
// whose texture is an image fails to load, saying why and what to look for.
TEST(Cli, WithoutTheImageModuleOutputsAreWrittenAndImageTexturesFailSayingSo) {
  TempDir dir;
  const std::string without = "TILEFARM_IMAGE_MODULE=" + (dir.path() / "missing.so").string() + " ";
  const std::filesystem::path out = dir.path() / "out" / "tiny.exr";
  const ProcessRun render = tf::testing::run_process(
      without + TILEFARM_EXE + " render " + tiny_scene(dir.path() / "scene").string() +
      " --backend cpu --tile 8 -o " + out.string() + " 2>&1");
  EXPECT_EQ(render.exit_code, 0) << render.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << render.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "tiny.png")) << render.output;

  std::ofstream(dir.path() / "heat.toml")
      << "[simulation]\nname = \"heat\"\nmodel = \"heat\"\ngrid = [16, 16]\nsteps = 4\n"
         "[parameters]\ndiffusivity = 0.2\n[boundaries]\nleft = \"periodic\"\n"
         "right = \"periodic\"\nbottom = \"periodic\"\ntop = \"periodic\"\n";
  const ProcessRun sim = tf::testing::run_process(
      without + TILEFARM_EXE + " sim " + (dir.path() / "heat.toml").string() +
      " --backend cpu -o " + (dir.path() / "sim").string() + " 2>&1");
  EXPECT_EQ(sim.exit_code, 0) << sim.output;
  EXPECT_FALSE(std::filesystem::is_empty(dir.path() / "sim")) << sim.output;

  const std::filesystem::path textured = tiny_scene(dir.path() / "textured");
  std::filesystem::copy_file(dir.path() / "out" / "tiny.png", dir.path() / "textured" / "t.png");
  std::ofstream(textured, std::ios::app)
      << "Texture \"t\" \"spectrum\" \"imagemap\" \"string filename\" [\"t.png\"]\n"
         "Material \"diffuse\" \"texture reflectance\" \"t\"\n"
         "Shape \"sphere\" \"float radius\" [0.5]\n";
  const ProcessRun needs_module = tf::testing::run_process(
      without + TILEFARM_EXE + " render " + textured.string() + " --backend cpu --tile 8 -o " +
      (dir.path() / "textured.exr").string() + " 2>&1");
  EXPECT_NE(needs_module.exit_code, 0) << needs_module.output;
  EXPECT_NE(needs_module.output.find("image support is unavailable"), std::string::npos)
      << needs_module.output;
  EXPECT_NE(needs_module.output.find("TILEFARM_IMAGE_MODULE"), std::string::npos)
      << needs_module.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "textured.exr"));
}

TEST(Cli, LenientRendersWhatStrictRefusesAndWarnsOfIt) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  std::ofstream(scene, std::ios::app) << "Shape \"sphere\" \"float radius\" [0.5] \"float bogusness\" [3]\n";
  const std::filesystem::path out = dir.path() / "out.exr";
  const std::string render = "render " + scene.string() + " --backend cpu --tile 8 -o " + out.string();

  const ProcessRun strict = run(render);
  EXPECT_EQ(strict.exit_code, 2) << strict.output;
  EXPECT_NE(strict.output.find("scene.pbrt:9:"), std::string::npos) << strict.output;
  EXPECT_NE(strict.output.find("bogusness"), std::string::npos) << strict.output;
  EXPECT_NE(strict.output.find("--lenient"), std::string::npos) << strict.output;
  EXPECT_FALSE(std::filesystem::exists(out));

  // The embedded farm's worker loads the scene from the job, so this also checks that the job
  // carries the choice to its workers: a strict worker would fail every unit (exit 1).
  const ProcessRun lenient = run(render + " --lenient");
  EXPECT_EQ(lenient.exit_code, 0) << lenient.output;
  EXPECT_NE(lenient.output.find("warning:"), std::string::npos) << lenient.output;
  EXPECT_NE(lenient.output.find("bogusness"), std::string::npos) << lenient.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << lenient.output;

  EXPECT_EQ(run("info " + scene.string()).exit_code, 2);
  EXPECT_EQ(run("info --lenient " + scene.string()).exit_code, 0);
}

TEST(Cli, ErrorsThatLenientAlsoRefusesDoNotSuggestIt) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  // A named material that is never defined: an error in pbrt-v4, whatever the mode.
  std::ofstream(scene, std::ios::app) << "NamedMaterial \"ghost\" Shape \"sphere\"\n";
  for (const std::string mode : {"", " --lenient"}) {
    const ProcessRun r = run("info" + mode + " " + scene.string());
    EXPECT_EQ(r.exit_code, 2) << mode << ": " << r.output;
    EXPECT_NE(r.output.find("scene.pbrt:9:"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("--lenient"), std::string::npos) << "suggested in vain: " << r.output;
  }
}

// Rendering to quality on the CPU backend: the tiny scene's corner tiles see only the constant
// environment (every sample alike, no error), so they stop at --min-spp; tiles on the sphere's
// silhouette are noisy and get more rounds. Each pixel's count is the EXR's "spp" channel.
TEST(Cli, RenderToQualityRefinesOnlyTheNoisyTiles) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  const std::filesystem::path out = dir.path() / "quality.exr";
  const ProcessRun r = run("render " + scene.string() + " --backend cpu --tile 4 -o " +
                           out.string() + " --noise-target 0.05 --min-spp 4 --max-spp 64");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("converged, 0 refining, spp 4-"), std::string::npos) << r.output;
  const auto read = tf::testing::read_channel(out, "spp");
  ASSERT_TRUE(read.is_ok()) << read.message();
  const std::vector<float>& spp = read.value();
  ASSERT_EQ(spp.size(), size_t{24} * 16);
  EXPECT_EQ(spp[0], 4.0f) << "a background tile";
  EXPECT_EQ(spp[24 * 16 - 1], 4.0f) << "a background tile";
  float most = 0;
  for (float n : spp) {
    most = std::max(most, n);
    EXPECT_TRUE(n == 4 || n == 8 || n == 16 || n == 32 || n == 64) << n;  // rounds double
  }
  EXPECT_GT(most, 4.0f) << "no tile was refined";
}

TEST(Cli, QualityOptionsThatCannotWorkExitWithTwoSayingWhatToFix) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  const std::string render = "render " + scene.string() + " -o " + (dir.path() / "x.exr").string();
  for (const auto& [flags, says] : std::vector<std::pair<std::string, std::string>>{
           {" --noise-target 0.02 --min-spp 1", "--min-spp 1 must be at least 2"},
           {" --noise-target 2", "--noise-target"},
           {" --deadline 10x", "--deadline"},
           {" --spp 8 --deadline 10m", "--min-spp and --max-spp instead"},
           {" --max-spp 64", "add --noise-target or --deadline"}}) {
    const ProcessRun r = run(render + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.output;
    EXPECT_NE(r.output.find(says), std::string::npos) << flags << ": " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x.exr"));
}

TEST(Cli, RenderGltfModelWithDefaultCamera) {
  TempDir dir;
  const std::filesystem::path model =
      std::filesystem::path(TF_TEST_SCENES_DIR) / "gltf-model" / "model.gltf";
  const std::filesystem::path out = dir.path() / "model.exr";
  const ProcessRun r =
      run("render " + model.string() + " --backend cpu --spp 1 -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "model.png")) << r.output;
}

TEST(Cli, AWaitedJobThatIsCancelledExitsWithOne) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  const std::string endpoint = "ipc://" + (dir.path() / "d.sock").string();
  // A dispatcher without workers: the job waits until it is cancelled.
  const std::string state_dir = (dir.path() / "state").string();
  ChildProcess dispatcher({TILEFARM_EXE, "dispatcher", "--listen", endpoint, "--state", state_dir});
  ASSERT_TRUE(dispatcher.started());
  std::thread canceller([&] {
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (run("cancel 1 --dispatcher " + endpoint).exit_code == 0) return;
    }
  });
  const ProcessRun waited = run("submit " + scene.string() + " --wait --dispatcher " + endpoint);
  canceller.join();
  const int status = dispatcher.stop(SIGTERM);
  EXPECT_EQ(waited.exit_code, 1) << waited.output;
  EXPECT_NE(waited.output.find("cancelled"), std::string::npos) << waited.output;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "dispatcher exit status " << status;
}

}  // namespace

// ---- tilefarm sim

namespace sim_cli {

const std::string kSmallCavity = tf::testing::tiny_cavity_batch(30, 15);

// The batch through the embedded farm, in tiles and chunks, writes for every run and snapshot
// the fields of the run advanced in one piece by the CPU stepper.
TEST(SimCli, RunsABatchOnTheEmbeddedFarmAndWritesEverySnapshot) {
  TempDir dir;
  std::ofstream(dir.path() / "cavity.toml") << kSmallCavity;
  const std::filesystem::path out = dir.path() / "out";
  const ProcessRun r = run("sim " + (dir.path() / "cavity.toml").string() +
                           " --tile 10 --chunk-steps 4 --backend cpu --workers 2 -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  tf::testing::for_each_true_field(
      kSmallCavity, {15, 30},
      [&](const std::string& folder, const std::string& file, const std::vector<float>& truth) {
        const std::vector<float> got = tf::testing::npy_values(out / folder / file, truth.size());
        EXPECT_EQ(std::memcmp(got.data(), truth.data(), got.size() * 4), 0) << folder << "/" << file;
        for (const char* other : {"fields.exr", "speed.png", "meta.json"}) {
          EXPECT_TRUE(std::filesystem::exists(out / folder / other)) << folder << "/" << other;
        }
      });
  for (const char* run_name : {"re=20", "re=40"}) {
    EXPECT_TRUE(std::filesystem::exists(out / run_name / "summary.json")) << run_name;
  }
}

// A 24x20 mask image, white with a black square over cells [8, 12) x [6, 10) (image rows
// count from the top: row r is y = 19 - r).
void write_square_mask(const std::filesystem::path& path, uint32_t width = 24, uint32_t height = 20) {
  std::vector<float> rgb(size_t{width} * height * 3, 1.0f);
  for (uint32_t r = 0; r < height; ++r) {
    const uint32_t y = height - 1 - r;
    for (uint32_t x = 0; x < width; ++x) {
      if (x >= 8 && x < 12 && y >= 6 && y < 10) {
        for (int c = 0; c < 3; ++c) rgb[(size_t{r} * width + x) * 3 + c] = 0.0f;
      }
    }
  }
  ASSERT_TRUE(tf::write_png(path, width, height, rgb.data()));
}

// A mask obstacle travels with the batch to the farm and walls exactly the cells a box
// obstacle over the same square does.
TEST(SimCli, AMaskObstacleWallsTheSameCellsAsTheEquivalentBox) {
  TempDir dir;
  write_square_mask(dir.path() / "square.png");
  const std::string mask = kSmallCavity + "\n[[obstacles]]\nshape = \"mask\"\nimage = \"square.png\"\n";
  const std::string box = kSmallCavity + "\n[[obstacles]]\nshape = \"box\"\nmin = [8, 6]\nmax = [12, 10]\n";
  std::ofstream(dir.path() / "mask.toml") << mask;
  const std::filesystem::path out = dir.path() / "out";
  const ProcessRun r = run("sim " + (dir.path() / "mask.toml").string() + " --backend cpu -o " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const tf::sim::RunSpec spec = tf::sim::expand_runs(tf::sim::parse_batch(box, "box.toml").value())[1];
  tf::sim::TileState state = tf::sim::make_initial_state(spec).value();
  ASSERT_TRUE(tf::sim::run_steps_cpu(state, 30, 1));
  const tf::sim::MacroFields truth = tf::sim::macroscopic(state).value();
  const std::vector<float> got = tf::testing::npy_values(out / spec.name / "step_000000030" / "ux.npy", truth.ux.size());
  EXPECT_EQ(std::memcmp(got.data(), truth.ux.data(), got.size() * 4), 0);

  write_square_mask(dir.path() / "square.png", 23, 20);
  const ProcessRun wrong = run("sim " + (dir.path() / "mask.toml").string() + " --backend cpu -o " + out.string());
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("square.png is 23x20"), std::string::npos) << wrong.output;
}

TEST(SimCli, AMalformedBatchExitsWithTwoNamingTheLineAndKey) {
  TempDir dir;
  std::string text = kSmallCavity;
  text.replace(text.find("grid = [24, 20]"), 15, "grid = [24, -20]");
  std::ofstream(dir.path() / "bad.toml") << text;
  const ProcessRun r = run("sim " + (dir.path() / "bad.toml").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.toml:5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("grid"), std::string::npos) << r.output;
  const ProcessRun missing = run("sim " + (dir.path() / "none.toml").string());
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("none.toml"), std::string::npos) << missing.output;
}

// A channel around a disc with a second obstacle and two probes, sampled every 5 steps.
const std::string kObservedChannel =
    "[simulation]\nname = \"observed\"\nmodel = \"d2q9\"\ngrid = [40, 22]\nsteps = 30\n"
    "snapshot_interval = 10\n[parameters]\ntau = 0.7\ninlet_ux = 0.05\nlength = 8\n"
    "[boundaries]\nleft = \"inlet\"\nright = \"outlet\"\n"
    "[[obstacles]]\nname = \"disc\"\nshape = \"circle\"\ncenter = [15, 11]\nradius = 4\n"
    "[[obstacles]]\nshape = \"box\"\nmin = [29, 4]\nmax = [31, 9]\n"
    "[observables]\nevery = 5\n"
    "[[probes]]\nname = \"wake\"\nat = [24, 11]\n[[probes]]\nname = \"corner\"\nat = [1, 5]\n"
    "[initial]\nvelocity = [0.05, 0.0]\n";

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Forces and probes through the farm, in tiles and chunks or as one tile verified by hash
// alone between snapshots: the files hold what sampling the run advanced in one piece by the
// CPU stepper gives, and every probe equals the snapshot's field at its cell.
TEST(SimCli, ObservablesThroughTheFarmAreThoseOfTheRunSampledInOnePiece) {
  TempDir dir;
  std::ofstream(dir.path() / "observed.toml") << kObservedChannel;
  const tf::sim::RunSpec spec =
      tf::sim::expand_runs(tf::sim::parse_batch(kObservedChannel, "observed.toml").value())[0];
  tf::sim::TileState state = tf::sim::make_initial_state(spec).value();
  std::vector<tf::sim::ObservedStep> truth;
  for (uint64_t step = 5; step <= 30; step += 5) {
    ASSERT_TRUE(tf::sim::run_steps_cpu(state, 5, 1));
    const tf::sim::Sample sample = tf::sim::sample_state(state, {0, 0, 0, state.size});
    truth.push_back({step, sample.force, sample.probes});
  }
  for (const char* plan : {"--tile 10 --chunk-steps 4 --workers 2", "--workers 1"}) {
    SCOPED_TRACE(plan);
    const std::filesystem::path root = dir.path() / (plan[2] == 't' ? "tiled" : "whole");
    const std::filesystem::path out = root / "observed";
    const ProcessRun r = run("sim " + (dir.path() / "observed.toml").string() + " " + plan +
                             " --backend cpu -o " + root.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(file_text(out / "forces.csv"), tf::sim::forces_csv(spec, truth));
    EXPECT_EQ(file_text(out / "probes.csv"), tf::sim::probes_csv(spec, truth));
    for (size_t i = 1; i < truth.size(); i += 2) {  // steps 10, 20, 30: snapshots
      char folder[32];
      std::snprintf(folder, sizeof folder, "step_%09llu",
                    static_cast<unsigned long long>(truth[i].step));
      const std::vector<float> ux = tf::testing::npy_values(out / folder / "ux.npy", 40 * 22);
      EXPECT_EQ(ux[11 * 40 + 24], truth[i].probes[1]) << folder;  // wake: rho, ux, uy
      EXPECT_EQ(ux[5 * 40 + 1], truth[i].probes[4]) << folder;    // corner
    }
  }
}

// An inlet ramped over 25 steps, through the farm in tiles and chunks and as one tile whose
// chunks are replayed and computed ahead: every snapshot is the run advanced in one piece.
TEST(SimCli, ARampedInletThroughTheFarmGivesTheRunAdvancedInOnePiece) {
  const std::string batch =
      "[simulation]\nname = \"ramped\"\nmodel = \"d2q9\"\ngrid = [30, 12]\nsteps = 40\n"
      "snapshot_interval = 20\n[parameters]\ntau = 0.7\ninlet_ux = 0.05\n"
      "[boundaries]\nleft = \"inlet\"\nright = \"outlet\"\n"
      "[inlet]\nprofile = \"parabolic\"\nramp_steps = 25\n";
  TempDir dir;
  std::ofstream(dir.path() / "ramped.toml") << batch;
  tf::sim::TileState truth = tf::sim::make_initial_state(
      tf::sim::expand_runs(tf::sim::parse_batch(batch, "ramped.toml").value())[0]).value();
  const tf::sim::Stepper cpu = [](tf::sim::TileState& s, int n) {
    return tf::sim::run_steps_cpu(s, n, 1);
  };
  std::vector<std::vector<float>> ux;
  for (uint64_t step : {0, 20}) {
    ASSERT_TRUE(tf::sim::advance_run(truth, step, 20, cpu));
    ux.push_back(tf::sim::macroscopic(truth).value().ux);
  }
  for (const char* plan : {"--tile 10 --chunk-steps 3 --workers 2", "--chunk-steps 7 --workers 1"}) {
    SCOPED_TRACE(plan);
    const std::filesystem::path root = dir.path() / (plan[2] == 't' ? "tiled" : "whole");
    const ProcessRun r = run("sim " + (dir.path() / "ramped.toml").string() + " " + plan +
                             " --backend cpu -o " + root.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (size_t i = 0; i < ux.size(); ++i) {
      const std::string folder = i == 0 ? "step_000000020" : "step_000000040";
      const std::vector<float> got =
          tf::testing::npy_values(root / "ramped" / folder / "ux.npy", ux[i].size());
      EXPECT_EQ(std::memcmp(got.data(), ux[i].data(), got.size() * 4), 0) << folder;
    }
  }
}

}  // namespace sim_cli
