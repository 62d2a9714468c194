// `tilefarm dispatcher --http ADDR:PORT [--http-token FILE]`: the dashboard of a dispatcher
// process, its exposure rule (off loopback only with a token, refused before anything starts)
// and the token on every route, with a worker process connected.
#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {
namespace {

constexpr const char* kToken = "d4shb0ard-t0ken-for-tests-0123456789";

ProcessRun dispatcher_run(const TempDir& dir, const std::string& flags) {
  return run_process(std::string(TILEFARM_EXE) + " dispatcher --listen ipc://" +
                     (dir / "d.sock").string() + " --state " + (dir / "state").string() + " " +
                     flags + " 2>&1");
}

int get_status(int port, const std::string& path, const std::string& bearer = {},
               std::string* body = nullptr) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  httplib::Result res = client.Get(path.c_str(), headers);
  if (!res) return 0;
  if (body) *body = res->body;
  return res->status;
}

TEST(DashboardCli, BadDashboardFlagsAreExit2BeforeAnythingStarts) {
  TempDir dir;
  std::ofstream(dir / "short.token") << "tiny\n";
  const struct {
    std::string flags, expected;
  } cases[] = {
      {"--http 0.0.0.0:" + std::to_string(free_port()), "--http-token"},
      {"--http-token " + (dir / "short.token").string() + " --http 127.0.0.1:1", "shorter than 16"},
      {"--http-token " + (dir / "short.token").string(), "needs --http"},
      {"--http localhost", "ADDRESS:PORT"},
  };
  for (const auto& c : cases) {
    const ProcessRun run = dispatcher_run(dir, c.flags);
    EXPECT_EQ(run.exit_code, 2) << c.flags << "\n" << run.output;
    EXPECT_NE(run.output.find(c.expected), std::string::npos) << c.flags << "\n" << run.output;
    EXPECT_FALSE(std::filesystem::exists(dir / "state" / "dispatcher.db")) << c.flags;
  }
}

TEST(DashboardCli, ADispatcherProcessServesItsFarmToTokenHoldersOnly) {
  TempDir dir;
  std::ofstream(dir / "dashboard.token") << kToken << "\n";
  const int zmq_port = free_port(), http_port = free_port();
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(zmq_port);
  ChildProcess dispatcher({TILEFARM_EXE, "dispatcher", "--listen", endpoint, "--insecure",
                           "--state", (dir / "state").string(), "--http",
                           "0.0.0.0:" + std::to_string(http_port), "--http-token",
                           (dir / "dashboard.token").string()});
  ASSERT_TRUE(dispatcher.started());
  ChildProcess worker({TILEFARM_EXE, "worker", "--dispatcher", endpoint, "--insecure", "--backend",
                       "cpu", "--cache", (dir / "cache").string()});
  ASSERT_TRUE(worker.started());

  // Until the worker shows on the dashboard (its hello reached the dispatcher's view).
  nlohmann::json farm;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    std::string body;
    if (get_status(http_port, "/api/farm", kToken, &body) == 200) {
      farm = nlohmann::json::parse(body);
      if (farm["workers"].size() == 1) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(farm["workers"].size(), 1u) << farm.dump();
  EXPECT_FALSE(farm["workers"][0]["devices"].empty());

  std::string metrics;
  EXPECT_EQ(get_status(http_port, "/metrics", kToken, &metrics), 200);
  EXPECT_NE(metrics.find("tilefarm_workers_connected 1\n"), std::string::npos) << metrics;
  for (const std::string path : {"/", "/metrics", "/api/farm", "/api/trust"}) {
    std::string body;
    EXPECT_EQ(get_status(http_port, path, "", &body), 401) << path;
    EXPECT_EQ(body, "unauthorized\n") << path;
    EXPECT_EQ(get_status(http_port, path, std::string(kToken) + "x"), 401) << path;
    EXPECT_EQ(get_status(http_port, path, kToken), 200) << path;
  }

  // SIGTERM: the dispatcher drains and exits 0 with its dashboard stopped.
  worker.signal(SIGTERM);
  EXPECT_NE(worker.wait_exit(std::chrono::seconds(20)), -1);
  dispatcher.signal(SIGTERM);
  const int status = dispatcher.wait_exit(std::chrono::seconds(20));
  ASSERT_NE(status, -1) << "the dispatcher did not exit on SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(get_status(http_port, "/metrics", kToken), 0) << "the dashboard still answers";
}

}  // namespace
}  // namespace tf::testing
