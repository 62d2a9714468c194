// DispatcherCore::view(): the snapshot of the farm that the dashboard and /metrics read
// (farm_board.h).
#include <algorithm>

#include "dispatcher/dispatcher_core.h"

namespace tf {
namespace {

// Images a job shows at most: its latest frames, or its runs' latest snapshots.
constexpr size_t kMaxJobImages = 8;

// A render job's pictures: finished frames' PNGs and previews of frames in progress, the last
// kMaxJobImages in frame order.
template <typename Frames>
std::vector<JobImage> render_images(uint64_t job_id, const std::vector<uint32_t>& frames,
                                    const Frames& frame_states, const FramePreviews* previews) {
  std::vector<JobImage> images;
  for (uint32_t f : frames) {
    auto found = frame_states.find({job_id, f});
    if (found == frame_states.end()) continue;
    const std::string label = "frame " + std::to_string(f);
    if (found->second.row.png) {
      images.push_back({label, f, found->second.row.png});
    } else if (previews != nullptr && previews->has(job_id, f)) {
      images.push_back({label + " (rendering)", f, std::nullopt});
    }
  }
  if (images.size() > kMaxJobImages) {
    images.erase(images.begin(), images.end() - static_cast<std::ptrdiff_t>(kMaxJobImages));
  }
  return images;
}

// A simulation batch's pictures: each run's latest snapshot image (outputs named
// "<run>/step_<n>/<field>.png", zero-padded steps: the greatest name is the latest), the
// first kMaxJobImages runs.
std::vector<JobImage> snapshot_images(const std::vector<proto::OutputFile>& outputs) {
  std::map<std::string, const proto::OutputFile*> latest;  // by run folder
  for (const proto::OutputFile& file : outputs) {
    if (file.name.size() < 4 || file.name.compare(file.name.size() - 4, 4, ".png") != 0) continue;
    const size_t slash = file.name.find('/');
    if (slash == std::string::npos) continue;
    const std::string run = file.name.substr(0, slash);
    const proto::OutputFile*& best = latest[run];
    if (best == nullptr || best->name < file.name) best = &file;
  }
  std::vector<JobImage> images;
  for (const auto& [run, file] : latest) {
    if (images.size() == kMaxJobImages) break;
    images.push_back({file->name, 0, file->hash});
  }
  return images;
}

}  // namespace

std::shared_ptr<FarmView> DispatcherCore::view(int64_t now_ms) const {
  auto view = std::make_shared<FarmView>();
  view->taken_ms = now_ms;
  const FramePreviews* previews = config_.board ? &config_.board->previews() : nullptr;
  for (proto::JobStatus& status : job_statuses(0)) {
    const JobState& job = jobs_.at(status.job_id);
    JobView jv;
    jv.replication = job.row.replication;
    if (job.row.is_simulation()) {
      if (auto outputs = job_outputs_.find(job.row.id); outputs != job_outputs_.end()) {
        jv.images = snapshot_images(outputs->second);
      }
    } else {
      jv.images = render_images(job.row.id, job.frames, frames_, previews);
    }
    if (job.active()) view->units_pending += job.all_units() - job.units_done;
    jv.status = std::move(status);
    view->jobs.push_back(std::move(jv));
  }
  std::reverse(view->jobs.begin(), view->jobs.end());  // newest first
  for (const auto& [peer, w] : workers_) {
    if (!w.said_hello) continue;
    WorkerView wv;
    wv.name = w.name;
    wv.key = w.key;
    wv.owner = w.owner;
    wv.devices = w.devices;
    wv.slots = w.slots;
    wv.units_in_flight = leases_.held_by(peer).size();
    wv.rate = w.sizer.rate_per_s();
    wv.paused = w.paused && !w.draining;
    wv.draining = w.draining;
    wv.trusted = trusted(w.key);
    if (auto record = reputation_.find(w.key); record != reputation_.end()) {
      const WorkerRecord& r = record->second;
      wv.quarantined = r.quarantined;
      wv.quarantine_reason = r.quarantine_reason;
      wv.results_valid = r.valid;
      wv.results_invalid = r.invalid;
      wv.timed_out = r.timed_out;
      wv.errors = r.errors;
      wv.malformed = r.malformed;
    }
    view->workers.push_back(std::move(wv));
  }
  std::sort(view->workers.begin(), view->workers.end(),
            [](const WorkerView& a, const WorkerView& b) {
              return std::tie(a.name, a.key) < std::tie(b.name, b.key);
            });
  view->keys_quarantined = static_cast<uint64_t>(
      std::count_if(reputation_.begin(), reputation_.end(),
                    [](const auto& entry) { return entry.second.quarantined; }));
  view->units_leased = leases_.size();
  view->stats = stats_;
  return view;
}

}  // namespace tf
