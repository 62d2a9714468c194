// How a simulation batch becomes units (DESIGN.md, "simulation unit"): each run advances in
// chunks of at most K steps; each chunk is one unit per tile of the domain, all from the
// run's state at the chunk's first step. Chunks also end at every snapshot step, so that the
// state at a snapshot is whole.
//
// Choosing K and the tile (when the job does not set them): a unit should cost about
// kTargetUnitUpdates cell updates, so that its stepping outweighs what every chunk costs
// besides it: hashing the whole state it returns (per cell, as long as tens of steps of a GPU:
// about 36 bytes a cell for D2Q9 through BLAKE2b at a few GB/s, against some 0.05 ns per cell
// update of a GPU) and a round trip to the dispatcher. 2^26 updates take about a tenth of a
// second of a 2-core CPU and a few milliseconds of a GPU; at 2^24 a GPU's chunk stepped for
// about as long as its hash took (benchmarks/README.md, "Through the farm"). A domain of up
// to kWholeDomainCells cells is one tile: any split would only add ghost work. Larger domains
// are split into tiles of at most kTileSide2d (2D) or kTileSide3d (3D) cells a side, as few as
// that allows and of nearly equal sizes (no sliver at the far edge), and K is further kept to
// a ghost border of at most a quarter of the tile side, so redundant ghost work stays below
// about (1 + 2/4)^d.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/sim/batch_spec.h"
#include "kernels/sim/sim_tiling.h"
#include "kernels/status.h"

namespace tf {

inline constexpr uint64_t kTargetUnitUpdates = 1ull << 26;
inline constexpr long long kWholeDomainCells = 1ll << 20;
inline constexpr int kTileSide2d = 256;
inline constexpr int kTileSide3d = 64;
// Bounds on what one job may ask of the dispatcher: steps (unit step ranges are 32-bit) and
// the TOML text.
inline constexpr long long kMaxSimSteps = 1ll << 31;
inline constexpr size_t kMaxBatchTextBytes = 1u << 20;
inline constexpr uint64_t kMaxSimUnits = 10'000'000;

// A planned batch: its runs, the tiles of every run's domain and the chunk length.
struct SimJobPlan {
  sim::BatchSpec batch;
  std::vector<sim::RunSpec> runs;
  std::vector<sim::Box> tiles;  // split_domain order
  uint32_t tile_side = 0;       // the most cells a tile has per axis
  uint32_t chunk_steps = 0;     // K
  uint64_t units_per_run = 0;   // chunks x tiles
  sim::ObservationPlan observation;  // what the units record besides their fields

  // The step the chunk starting at `step` ends at: step + K, cut at the next snapshot step
  // and at the last step.
  uint64_t chunk_end(uint64_t step) const;
  // Whether the state at `step` is written as a snapshot (every snapshot_interval steps and
  // the last step).
  bool is_snapshot(uint64_t step) const;
  // Every snapshot step, in order (is_snapshot; at most one per chunk).
  std::vector<uint64_t> snapshot_steps() const;
};

// Parses and plans a batch; `tile_side` and `chunk_steps` override the choice above when not
// 0. Mask obstacles are read through `locate` when given (the runs' initial states need them;
// planning does not). Errors name the batch file's line and key (parse errors), the mask, or
// the value out of range.
Result<SimJobPlan> plan_sim_job(const std::string& text, const std::string& source,
                                uint32_t tile_side, uint32_t chunk_steps,
                                const sim::MaskLocator& locate = {});

// The name of a run's ParaView collection (.pvd) in its folder: its snapshots' .vti files.
inline constexpr const char* kRunCollectionName = "fields.pvd";

// The folder name of a run's outputs: its name with every character outside
// [A-Za-z0-9._,=+-] replaced by '_' (and "." or ".." prefixed with '_'), so that a run name
// never leaves the output folder.
std::string run_folder_name(const std::string& run_name);

}  // namespace tf
