// farm_test_node started as a dispatcher or a worker over ipc, for the multi-process farm
// tests. Needs FARM_TEST_NODE (the node executable's path) defined.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/child_process.h"

namespace tf::testing {

// lease_seconds > 0 replaces the dispatcher's lease deadline (DispatcherCoreOptions).
inline ChildProcess dispatcher_node(const std::string& endpoint,
                                    const std::filesystem::path& state) {
  return ChildProcess({FARM_TEST_NODE, "dispatcher", endpoint, state.string()});
}

// A dispatcher whose render jobs keep `plan_ahead_units` units planned ahead of their grants
// (DispatcherConfig::plan_ahead_units), so that a job's later frames wait to be planned.
inline ChildProcess dispatcher_node(const std::string& endpoint,
                                    const std::filesystem::path& state,
                                    uint64_t plan_ahead_units) {
  return ChildProcess({FARM_TEST_NODE, "dispatcher", endpoint, state.string(),
                       std::to_string(plan_ahead_units)});
}

// A worker whose synthetic executor sleeps `delay_ms` per unit, so that a test can act while
// units run.
inline ChildProcess worker_node(const std::string& endpoint, const std::filesystem::path& cache,
                                int delay_ms) {
  return ChildProcess(
      {FARM_TEST_NODE, "worker", endpoint, cache.string(), std::to_string(delay_ms)});
}

// A worker that steps simulation units on the CPU backend.
inline ChildProcess sim_worker_node(const std::string& endpoint, const std::filesystem::path& cache) {
  return ChildProcess({FARM_TEST_NODE, "sim-worker", endpoint, cache.string()});
}

}  // namespace tf::testing
