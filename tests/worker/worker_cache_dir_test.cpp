// Where a worker keeps its asset cache when none is given: a folder named by its public key
// that outlives the worker, or, for a worker without a stable identity, a folder of its own
// that goes away with it. Two workers on one machine never share a default folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include <zmq.hpp>

#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"
#include "tests/worker/scoped_env.h"
#include "worker/worker.h"

namespace tf {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

std::unique_ptr<Worker> make_worker(zmq::context_t& context, const proto::TransportOptions& transport) {
  WorkerOptions options;
  options.dispatcher_endpoint = "inproc://unused";
  options.transport = transport;
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  Result<std::unique_ptr<Worker>> worker = Worker::create(context, options, std::move(executors));
  EXPECT_TRUE(worker.is_ok()) << worker.message();
  return worker.is_ok() ? std::move(worker.value()) : nullptr;
}

std::vector<std::string> folders_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(item.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(WorkerCacheDir, AKeyedWorkerUsesAFolderNamedByItsKeyAndKeepsIt) {
  TempDir dir;
  ScopedEnv xdg("XDG_CACHE_HOME", dir.path().c_str());
  zmq::context_t context;
  proto::TransportOptions transport;
  transport.curve = proto::CurveOptions{"abc", "secret", "server", ""};
  make_worker(context, transport).reset();
  // BLAKE2b-256("abc") begins bddd813c6342 (published test vector).
  EXPECT_EQ(folders_in(dir.path() / "tilefarm"), std::vector<std::string>{"worker-bddd813c6342"});
}

TEST(WorkerCacheDir, PlainWorkersGetFoldersOfTheirOwnThatGoWithThem) {
  TempDir dir;
  ScopedEnv xdg("XDG_CACHE_HOME", dir.path().c_str());
  zmq::context_t context;
  std::unique_ptr<Worker> first = make_worker(context, {});
  std::unique_ptr<Worker> second = make_worker(context, {});
  const std::vector<std::string> folders = folders_in(dir.path() / "tilefarm");
  ASSERT_EQ(folders.size(), 2u) << "two workers on one machine share no folder";
  for (const std::string& name : folders) EXPECT_TRUE(name.starts_with("worker-")) << name;
  first.reset();
  second.reset();
  EXPECT_EQ(folders_in(dir.path() / "tilefarm"), std::vector<std::string>{});
}

}  // namespace
}  // namespace tf
