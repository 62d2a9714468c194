// Simulation test helpers: a small lid-driven cavity batch, reading .npy values, and the truth
// every farm-computed snapshot is compared with (GoogleTest assertions in the last helper): each run's initial state advanced in one piece
// by the CPU stepper (no tiles, no chunks, no farm).
#pragma once

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "formats/sim/batch_spec.h"

namespace tf::testing {

// A 24 x 20 TRT cavity, runs re=20 and re=40 (lid velocity 0.1).
inline std::string tiny_cavity_batch(int steps, int snapshot_interval) {
  return "[simulation]\nname = \"cavity\"\nmodel = \"d2q9\"\ncollision = \"trt\"\n"
         "grid = [24, 20]\nsteps = " + std::to_string(steps) +
         "\nsnapshot_interval = " + std::to_string(snapshot_interval) +
         "\n\n[parameters]\nre = [20, 40]\nlid_velocity = 0.1\n\n[boundaries]\nleft = \"wall\"\n"
         "right = \"wall\"\nbottom = \"wall\"\ntop = \"moving_wall\"\n";
}

// The initial state of the first run of a batch given as TOML text (GoogleTest expectations
// on parse and setup errors).
inline sim::TileState first_run_state(const std::string& batch_text) {
  Result<sim::BatchSpec> batch = sim::parse_batch(batch_text, "batch.toml");
  EXPECT_TRUE(batch.is_ok()) << batch.message();
  Result<sim::TileState> state = sim::make_initial_state(sim::expand_runs(batch.value()).at(0));
  EXPECT_TRUE(state.is_ok()) << state.message();
  return state.value();
}

// The last `count` float32 values of .npy bytes (its data; the header precedes them), or -1s
// when there are fewer bytes.
inline std::vector<float> npy_values(const std::vector<uint8_t>& bytes, size_t count) {
  std::vector<float> values(count, -1.0f);
  if (bytes.size() >= count * 4) std::memcpy(values.data(), bytes.data() + bytes.size() - count * 4, count * 4);
  return values;
}
inline std::vector<float> npy_values(const std::filesystem::path& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  return npy_values(std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), count);
}

// For every run of `batch_text` and every step of `snapshots` (ascending): calls
// check(output folder "run/step_NNNNNNNNN", field file "rho.npy" | "ux.npy" | "uy.npy", truth).
inline void for_each_true_field(
    const std::string& batch_text, const std::vector<int>& snapshots,
    const std::function<void(const std::string&, const std::string&, const std::vector<float>&)>& check) {
  const sim::BatchSpec batch = sim::parse_batch(batch_text, "batch.toml").value();
  for (const sim::RunSpec& run : sim::expand_runs(batch)) {
    sim::TileState state = sim::make_initial_state(run).value();
    int step = 0;
    for (int snapshot : snapshots) {
      if (!sim::run_steps_cpu(state, snapshot - step, 1)) return;
      step = snapshot;
      const sim::MacroFields truth = sim::macroscopic(state).value();
      char folder[32];
      std::snprintf(folder, sizeof folder, "step_%09d", snapshot);
      for (const auto& [file, values] : {std::pair{"rho.npy", &truth.rho},
                                         std::pair{"ux.npy", &truth.ux},
                                         std::pair{"uy.npy", &truth.uy}}) {
        check(run.name + "/" + folder, file, *values);
      }
    }
  }
}

// Every field file of every snapshot under the downloaded outputs folder `out` equals the
// truth, bit for bit.
inline void expect_downloaded_fields_match_truth(const std::filesystem::path& out,
                                                 const std::string& batch_text,
                                                 const std::vector<int>& snapshots) {
  for_each_true_field(batch_text, snapshots, [&](const std::string& folder, const std::string& file,
                                                 const std::vector<float>& truth) {
    const std::vector<float> got = npy_values(out / folder / file, truth.size());
    EXPECT_EQ(std::memcmp(got.data(), truth.data(), got.size() * 4), 0) << folder << "/" << file;
  });
}

}  // namespace tf::testing
