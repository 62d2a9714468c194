// The tilefarm executable: exit codes (0 success, 1 job failed, 2 bad usage or input) and
// messages that name the problem.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace {

using tf::testing::TempDir;

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CliRun run(const std::string& args) {
  CliRun result;
  const std::string command = std::string(TILEFARM_EXE) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
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
  const CliRun r = run("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("render"), std::string::npos) << r.output;
}

TEST(Cli, BadUsageExitsWithTwo) {
  for (const char* args : {"", "frobnicate", "render", "render a.pbrt --tile 0",
                           "render a.pbrt --backend quantum", "submit"}) {
    const CliRun r = run(args);
    EXPECT_EQ(r.exit_code, 2) << "tilefarm " << args << "\n" << r.output;
    EXPECT_FALSE(r.output.empty()) << "tilefarm " << args << " must say what is wrong";
  }
}

TEST(Cli, MissingSceneExitsWithTwoAndNamesIt) {
  TempDir dir;
  const CliRun r = run("render " + (dir.path() / "nope.pbrt").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nope.pbrt"), std::string::npos) << r.output;
}

TEST(Cli, MalformedSceneExitsWithTwoAndNamesTheFile) {
  TempDir dir;
  std::ofstream(dir.path() / "broken.pbrt") << "Film \"rgb\" \"integer xresolution\" [abc]\nWorldBegin\n";
  const CliRun r = run("render " + (dir.path() / "broken.pbrt").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("broken.pbrt"), std::string::npos) << r.output;
}

TEST(Cli, BadFrameListExitsWithTwo) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path());
  const CliRun r = run("submit " + scene.string() + " --frames 5-1 --dispatcher ipc://" +
                    (dir.path() / "none.sock").string());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("5-1"), std::string::npos) << r.output;
}

TEST(Cli, RenderWritesExrAndPng) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  const std::filesystem::path out = dir.path() / "out" / "tiny.exr";
  const CliRun r = run("render " + scene.string() + " --backend cpu --tile 8 -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "tiny.png")) << r.output;
}

TEST(Cli, RenderGltfModelWithDefaultCamera) {
  TempDir dir;
  const std::filesystem::path model =
      std::filesystem::path(TF_TEST_SCENES_DIR) / "gltf-model" / "model.gltf";
  const std::filesystem::path out = dir.path() / "model.exr";
  const CliRun r = run("render " + model.string() + " --backend cpu --spp 1 -o " + out.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out)) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "model.png")) << r.output;
}

TEST(Cli, AWaitedJobThatIsCancelledExitsWithOne) {
  TempDir dir;
  const std::filesystem::path scene = tiny_scene(dir.path() / "scene");
  const std::string endpoint = "ipc://" + (dir.path() / "d.sock").string();
  // A dispatcher without workers: the job waits until it is cancelled.
  std::string exe = TILEFARM_EXE, sub = "dispatcher", listen = "--listen", state = "--state";
  std::string state_dir = (dir.path() / "state").string();
  char* argv[] = {exe.data(), sub.data(), listen.data(), const_cast<char*>(endpoint.c_str()),
                  state.data(), state_dir.data(), nullptr};
  pid_t dispatcher = -1;
  ASSERT_EQ(posix_spawn(&dispatcher, exe.c_str(), nullptr, nullptr, argv, environ), 0);
  std::thread canceller([&] {
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (run("cancel 1 --dispatcher " + endpoint).exit_code == 0) return;
    }
  });
  const CliRun waited = run("submit " + scene.string() + " --wait --dispatcher " + endpoint);
  canceller.join();
  ::kill(dispatcher, SIGTERM);
  int status = 0;
  ::waitpid(dispatcher, &status, 0);
  EXPECT_EQ(waited.exit_code, 1) << waited.output;
  EXPECT_NE(waited.output.find("cancelled"), std::string::npos) << waited.output;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "dispatcher exit status " << status;
}

}  // namespace
