// Rendering to quality in the dispatcher (DispatcherCore, see dispatcher_core.h and
// refinement.h): the tiles of a job's frames, refined round by round as their units are
// accepted.
//
// Durability: a round is planned inside the call that accepted the tile's last unit, so its
// units and the tile's row are written in the same store transaction as that acceptance (the
// server commits once per loop iteration): a crash loses both or neither, and a restarted
// dispatcher never plans a round twice. load() still decides a tile whose units are all
// accepted but that has neither a next round nor its done mark, so that no tile can stall.
#include <algorithm>
#include <utility>

#include "dispatcher/dispatcher_core.h"
#include "dispatcher/refinement.h"

namespace tf {

Status DispatcherCore::add_quality_tiles(JobState& job, FrameState& frame,
                                         const std::vector<uint64_t>& units) {
  for (uint64_t id : units) {
    const UnitRow& u = units_[id].row;
    const TileKey key{job.row.id, frame.row.frame, u.y0, u.x0};
    QualityTile& tile = quality_tiles_[key];
    if (tile.unit_ids.empty()) {
      tile.row = {job.row.id, frame.row.frame, u.x0, u.y0, job.row.spp, false};
      tile.rect = {u.x0, u.y0, u.x1, u.y1, 0, 0};
      if (Status s = store_->put_quality_tile(tile.row); !s) return s;
    }
    tile.unit_ids.push_back(id);
    tile_of_unit_[id] = key;
  }
  return Status::ok();
}

Status DispatcherCore::refine_tile(const UnitState& unit) {
  auto key = tile_of_unit_.find(unit.row.id);
  if (key == tile_of_unit_.end()) return Status::ok();
  return refine_tile(quality_tiles_.at(key->second));
}

Status DispatcherCore::refine_tile(QualityTile& tile) {
  JobState& job = jobs_[tile.row.job_id];
  if (tile.row.done || !job.active()) return Status::ok();
  std::vector<std::vector<float>> values;
  std::vector<RangeSums> ranges;
  values.reserve(tile.unit_ids.size());
  for (uint64_t id : tile.unit_ids) {
    UnitState& unit = units_[id];
    if (!unit.done()) return Status::ok();  // the round is still being verified
    Result<std::vector<float>> v = accepted_values(unit, false);
    if (!v) return v.status();
    values.push_back(std::move(v.value()));
    ranges.push_back({unit.row.s0, unit.row.s1, values.back()});
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const RangeSums& a, const RangeSums& b) { return a.s0 < b.s0; });
  const bool past_deadline = job.row.deadline_ms != 0 && now_ms_ >= job.row.deadline_ms;
  const std::optional<std::pair<uint32_t, uint32_t>> round =
      next_round(tile_relative_error(ranges), job.row.noise_target, tile.row.spp, job.row.max_spp,
                 past_deadline);
  if (Status s = store_->begin(); !s) return s;
  if (!round) {
    tile.row.done = true;
    return store_->put_quality_tile(tile.row);
  }
  tile.row.spp = round->second;
  if (Status s = store_->put_quality_tile(tile.row); !s) return s;
  FrameState& frame = frames_[{tile.row.job_id, tile.row.frame}];
  const TileKey key{tile.row.job_id, tile.row.frame, tile.row.y0, tile.row.x0};
  Result<std::vector<uint64_t>> ids = add_units(
      job, frame, plan_round(tile.rect, round->first, round->second, job.row.samples_per_unit));
  if (!ids) return ids.status();
  for (uint64_t id : ids.value()) {
    tile.unit_ids.push_back(id);
    tile_of_unit_[id] = key;
  }
  return Status::ok();
}

Status DispatcherCore::load_quality(StoreSnapshot& snap) {
  for (const QualityTileRow& row : snap.quality_tiles) {
    quality_tiles_[{row.job_id, row.frame, row.y0, row.x0}].row = row;
  }
  for (const UnitRow& u : snap.units) {
    auto tile = quality_tiles_.find({u.job_id, u.frame, u.y0, u.x0});
    if (tile == quality_tiles_.end()) continue;
    tile->second.rect = {u.x0, u.y0, u.x1, u.y1, 0, 0};
    tile->second.unit_ids.push_back(u.id);  // snapshot units are in id (planning) order
    tile_of_unit_[u.id] = tile->first;
  }
  for (auto& [key, tile] : quality_tiles_) {
    if (Status s = refine_tile(tile); !s) return s;
  }
  return Status::ok();
}

void DispatcherCore::quality_progress(uint64_t job_id, proto::JobStatus& status) const {
  for (auto it = quality_tiles_.lower_bound({job_id, 0, 0, 0});
       it != quality_tiles_.end() && std::get<0>(it->first) == job_id; ++it) {
    const QualityTileRow& row = it->second.row;
    ++(row.done ? status.tiles_converged : status.tiles_refining);
    status.spp_min = status.spp_min == 0 ? row.spp : std::min(status.spp_min, row.spp);
    status.spp_max = std::max(status.spp_max, row.spp);
  }
}

}  // namespace tf
