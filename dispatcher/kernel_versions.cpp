// Kernel versions in a mixed-version farm (DispatcherCore, see dispatcher_core.h): frames
// pinned to one version, and the workers that may hold their units.
#include "dispatcher/kernel_versions.h"

#include <algorithm>

#include "dispatcher/dispatcher_core.h"

namespace tf {

const std::string& DispatcherCore::pinned_version(const UnitRow& unit) const {
  static const std::string kNone;
  auto frame = frames_.find({unit.job_id, unit.frame});
  return frame == frames_.end() ? kNone : frame->second.row.kernel_version;
}

bool DispatcherCore::runs_pinned_version(const UnitState& unit,
                                         const WorkerState& worker) const {
  auto job = jobs_.find(unit.row.job_id);
  if (job == jobs_.end() || job->second.row.is_simulation()) return true;
  const std::string& pin = pinned_version(unit.row);
  if (!pin.empty()) return worker.kernel_versions.count(pin) != 0;
  if (worker.kernel_versions.empty()) return false;
  const uint32_t replication = job->second.row.replication;
  if (version_can_finish(newest_kernel_version(worker.kernel_versions), replication)) return true;
  // When no connected version can finish it yet, any may start it (as with one version).
  return std::none_of(newest_version_owners_.begin(), newest_version_owners_.end(),
                      [&](const auto& entry) { return version_can_finish(entry.first, replication); });
}

bool DispatcherCore::version_can_finish(const std::string& version, uint32_t replication) const {
  auto owners = newest_version_owners_.find(version);
  if (owners == newest_version_owners_.end() || owners->second.size() < replication) return false;
  return replication <= 1 || bootstrapping() || trusted_newest_versions_.count(version) != 0;
}

void DispatcherCore::refresh_versions() {
  versions_connected_.clear();
  newest_version_owners_.clear();
  trusted_newest_versions_.clear();
  for (const auto& [peer, w] : workers_) {
    if (!eligible(w) || w.kernel_versions.empty()) continue;
    versions_connected_.insert(w.kernel_versions.begin(), w.kernel_versions.end());
    const std::string newest = newest_kernel_version(w.kernel_versions);
    newest_version_owners_[newest].insert(w.owner);
    if (trusted(w.key)) trusted_newest_versions_.insert(newest);
  }
}

Status DispatcherCore::pin_frame(const UnitState& unit, const WorkerState& worker) {
  auto job = jobs_.find(unit.row.job_id);
  if (job == jobs_.end() || job->second.row.is_simulation()) return Status::ok();
  FrameState& frame = frames_[{unit.row.job_id, unit.row.frame}];
  if (!frame.row.kernel_version.empty()) return Status::ok();
  frame.row.kernel_version = newest_kernel_version(worker.kernel_versions);
  if (Status s = store_->begin(); !s) return s;
  return store_->set_frame_kernel_version(frame.row.job_id, frame.row.frame,
                                          frame.row.kernel_version);
}

bool DispatcherCore::frame_started(const FrameState& frame) const {
  if (frame.remaining < frame.unit_ids.size()) return true;  // a unit was accepted
  return std::any_of(frame.unit_ids.begin(), frame.unit_ids.end(), [&](uint64_t id) {
    auto unit = units_.find(id);
    return unit != units_.end() &&
           (unit->second.done() ||
            std::any_of(unit->second.replicas.begin(), unit->second.replicas.end(),
                        [](const ReplicaRow& r) { return r.live(); }));
  });
}

Status DispatcherCore::unpin_if_stranded(const UnitState& unit) {
  auto it = frames_.find({unit.row.job_id, unit.row.frame});
  if (it == frames_.end()) return Status::ok();
  FrameState& frame = it->second;
  if (frame.row.kernel_version.empty() ||
      versions_connected_.count(frame.row.kernel_version) != 0 || frame_started(frame)) {
    return Status::ok();
  }
  frame.row.kernel_version.clear();
  if (Status s = store_->begin(); !s) return s;
  return store_->set_frame_kernel_version(frame.row.job_id, frame.row.frame, "");
}

std::string DispatcherCore::version_wait_reason(const JobState& job,
                                                const std::set<std::string>& connected) const {
  if (job.row.is_simulation()) return {};
  for (uint32_t number : job.frames) {
    auto it = frames_.find({job.row.id, number});
    if (it == frames_.end()) continue;
    const FrameState& frame = it->second;
    const std::string& pin = frame.row.kernel_version;
    if (pin.empty() || frame.remaining == 0 || connected.count(pin) != 0) continue;
    // An unstarted frame is pinned anew by the next worker that takes one of its units.
    if (!frame_started(frame)) continue;
    return "frame " + std::to_string(number) + " is pinned to kernel " + pin +
           ", which no connected worker runs";
  }
  return {};
}

}  // namespace tf
