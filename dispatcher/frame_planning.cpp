// Frames planned into units as their job's queue needs them (dispatcher_core.h, defer_frame).
//
// A frame's plan is a pure function of the job's row and the frame's size (fixed_plan), the
// one submission checks every frame with, so a deferred frame is planned again the same way
// later or after a restart; a unit's result depends on its frame, rectangle and samples only,
// never on its id or when it was planned, so the outputs are the same as if every frame had
// been planned at once.
#include <algorithm>

#include "dispatcher/dispatcher_core.h"
#include "dispatcher/planner.h"

namespace tf {
namespace {

// Why a job fails whose frame, planned at submission, cannot be planned again: only a planner
// changed since (a later release's limits) gets here.
std::string unplannable(uint32_t frame, const std::string& why) {
  return "frame " + std::to_string(frame) + " cannot be planned: " + why;
}

}  // namespace

Result<std::vector<PlannedUnit>> DispatcherCore::fixed_plan(const JobRow& job, uint32_t width,
                                                            uint32_t height) {
  return plan_frame(width, height, job.tile_size, job.spp, job.samples_per_unit);
}

void DispatcherCore::defer_frame(JobState& job, uint32_t frame, uint64_t units) {
  job.unplanned.push_back(frame);
  job.units_unplanned += units;
  planning_.insert(job.row.id);
}

Status DispatcherCore::plan_ahead() {
  for (auto it = planning_.begin(); it != planning_.end();) {
    auto job = jobs_.find(*it);
    if (job == jobs_.end() || !job->second.active() || job->second.unplanned.empty()) {
      it = planning_.erase(it);
      continue;
    }
    JobState& j = job->second;
    while (!j.unplanned.empty() && queue_runs_low(j)) {
      FrameState& frame = frames_.at({j.row.id, j.unplanned.front()});
      Result<std::vector<PlannedUnit>> plan =
          fixed_plan(j.row, frame.row.width, frame.row.height);
      if (!plan) return fail_job(j, unplannable(frame.row.frame, plan.message()));
      j.unplanned.pop_front();
      j.units_unplanned -= plan->size();
      if (Result<std::vector<uint64_t>> ids = add_units(j, frame, plan.value()); !ids) {
        return ids.status();
      }
    }
    ++it;
  }
  return Status::ok();
}

Status DispatcherCore::load_unplanned() {
  for (auto& [id, job] : jobs_) {
    if (!job.active() || job.row.is_simulation() || job.row.renders_to_quality()) continue;
    for (uint32_t number : job.frames) {
      const FrameState& frame = frames_.at({id, number});
      if (!awaits_planning(job, frame)) continue;
      Result<std::vector<PlannedUnit>> plan =
          fixed_plan(job.row, frame.row.width, frame.row.height);
      if (!plan) {
        if (Status s = fail_job(job, unplannable(number, plan.message())); !s) return s;
        break;
      }
      defer_frame(job, number, plan->size());
    }
  }
  return Status::ok();
}

bool DispatcherCore::queue_runs_low(const JobState& job) const {
  return scheduler_.pending(job.row.id) < std::max<uint64_t>(config_.plan_ahead_units, 1);
}

bool DispatcherCore::awaits_planning(const JobState& job, const FrameState& frame) {
  return !job.row.is_simulation() && frame.unit_ids.empty() && !frame.row.exr;
}

uint64_t DispatcherCore::units_unplanned() const {
  uint64_t units = 0;
  for (uint64_t id : planning_) {
    auto job = jobs_.find(id);
    if (job != jobs_.end() && job->second.active()) units += job->second.units_unplanned;
  }
  return units;
}

}  // namespace tf
