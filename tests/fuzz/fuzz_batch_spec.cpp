// Fuzz target: the simulation batch spec parser (sim::parse_batch, TOML) and what a client
// does next with an accepted batch: expand_runs, relaxation_time, and make_initial_state.
//
// make_initial_state allocates the whole grid (up to 65536 cells a side by contract), so it
// runs only for grids of at most kMaxFuzzedCells cells; everything else runs on every input.
// Beyond "no crash, no leak, no undefined behaviour" the target checks that the runs are the
// cartesian product of the sweeps (their count is the product of the sweep sizes, at most
// sim::kMaxRuns, and no run keeps a sweep).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/sim/batch_spec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace sim = tf::sim;
using tf::fuzz::require;

constexpr long long kMaxFuzzedCells = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tf::Result<sim::BatchSpec> batch = sim::parse_batch(text, "fuzz.toml");
  if (!batch) return 0;
  size_t expected_runs = 1;
  for (const sim::SweepAxis& axis : batch->sweeps) expected_runs *= axis.values.size();
  const std::vector<sim::RunSpec> runs = sim::expand_runs(batch.value());
  require(runs.size() == expected_runs, "a batch expands to the product of its sweep sizes");
  require(runs.size() <= sim::kMaxRuns, "an accepted batch stays within the run limit");
  for (const sim::RunSpec& run : runs) {
    require(run.spec.sweeps.empty(), "a run has no sweeps left");
    (void)sim::relaxation_time(run.spec);
    if (run.spec.grid.cell_count() <= kMaxFuzzedCells) (void)sim::make_initial_state(run);
  }
  return 0;
}
