#include "dispatcher/sim_plan.h"

#include <algorithm>

namespace tf {
namespace {

// The tile for the fewest tiles of at most `side` cells per axis, sized so that the last tile
// of an axis (split_domain's remainder) is never a sliver: at least the tile side less the
// tile count of that axis.
sim::Extent even_tile(sim::Extent grid, uint32_t side, int dims) {
  auto axis = [side](int n) {
    const long long count = (n + static_cast<long long>(side) - 1) / side;
    return static_cast<int>((n + count - 1) / count);
  };
  return {axis(grid.nx), axis(grid.ny), dims == 3 ? axis(grid.nz) : 1};
}

}  // namespace

uint64_t SimJobPlan::chunk_end(uint64_t step) const {
  uint64_t end = std::min<uint64_t>(step + chunk_steps, static_cast<uint64_t>(batch.steps));
  if (batch.snapshot_interval > 0) {
    const auto interval = static_cast<uint64_t>(batch.snapshot_interval);
    end = std::min(end, (step / interval + 1) * interval);
  }
  return end;
}

bool SimJobPlan::is_snapshot(uint64_t step) const {
  if (step == static_cast<uint64_t>(batch.steps)) return true;
  return batch.snapshot_interval > 0 && step % static_cast<uint64_t>(batch.snapshot_interval) == 0;
}

std::vector<uint64_t> SimJobPlan::snapshot_steps() const {
  const auto last = static_cast<uint64_t>(batch.steps);
  std::vector<uint64_t> steps;
  if (batch.snapshot_interval > 0) {
    const auto interval = static_cast<uint64_t>(batch.snapshot_interval);
    for (uint64_t s = interval; s < last; s += interval) steps.push_back(s);
  }
  steps.push_back(last);
  return steps;
}

Result<SimJobPlan> plan_sim_job(const std::string& text, const std::string& source,
                                uint32_t tile_side, uint32_t chunk_steps,
                                const sim::MaskLocator& locate) {
  if (text.size() > kMaxBatchTextBytes) {
    return Error{source + ": the batch file is larger than " +
                 std::to_string(kMaxBatchTextBytes >> 10) + " KiB"};
  }
  Result<sim::BatchSpec> batch = sim::parse_batch(text, source);
  if (!batch) return Error{batch.message()};
  if (locate) {
    if (Status s = sim::resolve_masks(batch.value(), locate); !s) return Error{source + ": " + s.message()};
  }
  SimJobPlan plan;
  plan.batch = std::move(batch.value());
  const sim::BatchSpec& b = plan.batch;
  if (b.steps < 1 || b.steps > kMaxSimSteps) {
    return Error{source + ": steps must be in 1.." + std::to_string(kMaxSimSteps)};
  }
  const int dims = sim::dimension_count(b.model);
  const long long cells = b.grid.cell_count();
  if (tile_side == 0) {
    const int side = dims == 3 ? kTileSide3d : kTileSide2d;
    tile_side = cells <= kWholeDomainCells
                    ? static_cast<uint32_t>(std::max({b.grid.nx, b.grid.ny, b.grid.nz}))
                    : static_cast<uint32_t>(side);
  }
  const sim::Extent tile = even_tile(b.grid, tile_side, dims);
  plan.tiles = sim::split_domain(b.grid, tile);
  if (plan.tiles.empty()) return Error{source + ": the grid has no cells"};
  plan.tile_side = static_cast<uint32_t>(std::max({tile.nx, tile.ny, tile.nz}));
  if (chunk_steps == 0) {
    const auto tile_cells = static_cast<uint64_t>(tile.cell_count());
    uint64_t k = std::max<uint64_t>(1, kTargetUnitUpdates / tile_cells);
    if (plan.tiles.size() > 1) {
      const int radius = sim::stencil_radius(b.model);
      k = std::min<uint64_t>(k, std::max(1, std::min({tile.nx, tile.ny}) / (4 * radius)));
    }
    chunk_steps = static_cast<uint32_t>(std::min<uint64_t>(k, static_cast<uint64_t>(b.steps)));
  }
  plan.chunk_steps = chunk_steps;
  plan.observation = sim::observation_plan(b);
  plan.runs = sim::expand_runs(b);
  const auto steps = static_cast<uint64_t>(b.steps);
  auto chunks_over = [&](uint64_t n) { return (n + chunk_steps - 1) / chunk_steps; };
  uint64_t chunks = chunks_over(steps);
  if (b.snapshot_interval > 0) {
    const auto interval = static_cast<uint64_t>(b.snapshot_interval);
    chunks = steps / interval * chunks_over(interval) + chunks_over(steps % interval);
  }
  plan.units_per_run = chunks * plan.tiles.size();
  if (plan.units_per_run * plan.runs.size() > kMaxSimUnits) {
    return Error{source + ": the batch would take " +
                 std::to_string(plan.units_per_run * plan.runs.size()) + " units, more than " +
                 std::to_string(kMaxSimUnits) + ": use longer chunks (--chunk-steps) or larger tiles"};
  }
  return plan;
}

std::string run_folder_name(const std::string& run_name) {
  std::string out = run_name.empty() ? "run" : run_name;
  for (char& c : out) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == ',' || c == '=' || c == '+' || c == '-';
    if (!safe) c = '_';
  }
  if (out == "." || out == "..") out.insert(0, "_");
  return out;
}

}  // namespace tf
