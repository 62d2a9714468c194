// Client requests: uploads, job submission, status, cancel, outputs (DispatcherCore, see
// dispatcher_core.h). Bad requests are answered with ErrorReply; only store failures return
// an error.
#include <algorithm>
#include <set>
#include <string>

#include "dispatcher/dispatcher_core.h"
#include "dispatcher/planner.h"
#include "dispatcher/refinement.h"
#include "dispatcher/trust_queries.h"
#include "formats/bundle/bundle.h"

namespace tf {
namespace {

proto::Body error_reply(proto::ErrorCode code, std::string message) {
  return proto::ErrorReply{code, std::move(message)};
}

constexpr uint32_t kMaxTileSize = 1024;  // proto::kMaxTilePixels per side
constexpr uint32_t kMaxReplicas = 32;    // per unit, disagreement included

// Checks 1 <= quorum <= replication <= max_replicas <= kMaxReplicas (max 0: replication + 3);
// returns what is wrong, or an empty string.
std::string verification_problem(const proto::SubmitJob& r, uint32_t max_replicas) {
  if (r.replication == 0 || r.replication > kMaxReplicas) {
    return "replication " + std::to_string(r.replication) + " is not in 1.." +
           std::to_string(kMaxReplicas);
  }
  if (r.quorum == 0 || r.quorum > r.replication) {
    return "quorum " + std::to_string(r.quorum) + " is not in 1..replication (" +
           std::to_string(r.replication) + ")";
  }
  if (max_replicas < r.replication || max_replicas > kMaxReplicas) {
    return "max replicas " + std::to_string(max_replicas) + " is not in replication (" +
           std::to_string(r.replication) + ").." + std::to_string(kMaxReplicas);
  }
  return {};
}

}  // namespace

Result<proto::Body> DispatcherCore::on_client_message(const std::string& client,
                                                      const proto::Body& body) {
  if (const auto* m = std::get_if<proto::MissingBlobsRequest>(&body)) {
    proto::MissingBlobsReply reply;
    for (const Hash256& h : m->hashes) {
      if (!store_->blobs().contains(h)) reply.hashes.push_back(h);
    }
    return proto::Body(std::move(reply));
  }
  if (const auto* m = std::get_if<proto::BlobUpload>(&body)) {
    if (Status s = store_->blobs().put_verified(m->hash, m->bytes); !s) {
      return error_reply(proto::ErrorCode::kBadRequest, "upload refused: " + s.message());
    }
    return proto::Body(proto::Ack{});
  }
  if (const auto* m = std::get_if<proto::SubmitJob>(&body)) return submit(*m, client);
  if (const auto* m = std::get_if<proto::StatusRequest>(&body)) return status_reply(m->job_id);
  if (const auto* m = std::get_if<proto::CancelRequest>(&body)) return cancel(m->job_id);
  if (const auto* m = std::get_if<proto::ResubmitRequest>(&body)) {
    return resubmit_affected(m->job_id);
  }
  if (const auto* m = std::get_if<proto::OutputsRequest>(&body)) return outputs(m->job_id);
  if (const auto* m = std::get_if<proto::TrustQuery>(&body)) {
    if (Status s = ledger_->flush(); !s) return Error{s.message()};  // shows every credit so far
    return answer_trust_query(store_->db(), config_.state_dir, *m, ledger_.get());
  }
  if (const auto* m = std::get_if<proto::OutputFetch>(&body)) {
    proto::OutputData reply{m->hash, false, {}};
    if (Result<std::vector<uint8_t>> bytes = store_->blobs().get(m->hash)) {
      reply.found = true;
      reply.bytes = std::move(bytes.value());
    }
    return proto::Body(std::move(reply));
  }
  return error_reply(proto::ErrorCode::kBadRequest,
                     std::string("unexpected message ") + proto::kind_name(body));
}

proto::Body DispatcherCore::status_reply(uint64_t job_id) const {
  proto::StatusReply reply{job_statuses(job_id)};
  if (job_id != 0 && reply.jobs.empty()) {
    return error_reply(proto::ErrorCode::kNotFound, "no job " + std::to_string(job_id));
  }
  return proto::Body(std::move(reply));
}

Result<proto::Body> DispatcherCore::submit(const proto::SubmitJob& request,
                                           const std::string& client) {
  auto bad = [](std::string message) {
    return error_reply(proto::ErrorCode::kBadRequest, "job refused: " + std::move(message));
  };
  const uint32_t max_replicas = request.max_replicas != 0
                                    ? request.max_replicas
                                    : std::min(request.replication + 3, kMaxReplicas);
  if (std::string problem = verification_problem(request, max_replicas); !problem.empty()) {
    return bad(problem);
  }
  JobRow row;
  row.name = request.name;
  row.priority = request.priority;
  row.client = client;
  row.replication = request.replication;
  row.quorum = request.quorum;
  row.max_replicas = max_replicas;
  Result<QualityOptions> quality =
      resolve_quality({request.noise_target, request.min_spp, request.max_spp,
                       request.deadline_seconds},
                      PlanLimits{}.max_spp);
  if (!quality) return bad(quality.message());
  if (!request.sim_batch.empty()) {
    if (quality->enabled()) return bad("--noise-target and --deadline apply to render jobs");
    return submit_simulation(request, std::move(row));
  }
  if (request.frames.empty()) return bad("it has no frames");
  if (request.tile_size == 0 || request.tile_size > kMaxTileSize) {
    return bad("tile size " + std::to_string(request.tile_size) + " is not in 1.." +
               std::to_string(kMaxTileSize));
  }
  Result<std::vector<uint8_t>> manifest_bytes = store_->blobs().get(request.bundle);
  if (!manifest_bytes) return bad("the scene bundle manifest was not uploaded");
  Result<BundleManifest> manifest = parse_bundle_manifest(std::string_view(
      reinterpret_cast<const char*>(manifest_bytes->data()), manifest_bytes->size()));
  if (!manifest) return bad("the scene bundle manifest is invalid: " + manifest.message());
  std::set<std::string> bundle_paths;
  for (const BundleEntry& e : manifest->entries) {
    if (!store_->blobs().contains(e.hash)) return bad("bundle file " + e.relative_path + " was not uploaded");
    bundle_paths.insert(e.relative_path);
  }
  row.bundle = request.bundle;
  row.tile_size = request.tile_size;
  row.spp = quality->enabled() ? quality->min_spp : request.spp;
  row.samples_per_unit = request.samples_per_unit == 0 ? row.spp : request.samples_per_unit;
  // Plan everything before writing anything, so a refused job leaves no trace.
  std::vector<std::vector<PlannedUnit>> plans;
  for (const proto::FrameSpec& f : request.frames) {
    if (bundle_paths.count(f.scene_path) == 0) return bad("frame " + std::to_string(f.frame) + "'s scene " + f.scene_path + " is not in the bundle");
    // A job rendered to quality plans each tile's first round; the rest come as tiles need them.
    Result<std::vector<PlannedUnit>> plan =
        quality->enabled() ? plan_first_rounds(f.width, f.height, row.tile_size, row.spp,
                                               quality->max_spp, row.samples_per_unit)
                           : fixed_plan(row, f.width, f.height);
    if (!plan) return bad("frame " + std::to_string(f.frame) + ": " + plan.message());
    plans.push_back(std::move(plan.value()));
  }
  if (Status s = store_->begin(); !s) return Error{s.message()};
  row.lenient = request.lenient;
  if (quality->enabled()) {
    row.noise_target = quality->noise_target;
    row.max_spp = quality->max_spp;
    const int64_t deadline_ms = static_cast<int64_t>(quality->deadline_s) * 1000;
    row.deadline_ms = quality->deadline_s == 0 ? 0 : now_ms_ + deadline_ms;
  }
  Result<uint64_t> job_id = store_->insert_job(row);
  if (!job_id) return Error{job_id.message()};
  row.id = job_id.value();
  JobState& job = jobs_[row.id];
  job.row = row;
  scheduler_.add_job(row.id, row.priority, row.client);
  for (size_t i = 0; i < request.frames.size(); ++i) {
    const proto::FrameSpec& f = request.frames[i];
    FrameRow frame_row{row.id, f.frame, f.scene_path, f.width, f.height, {}, {}, {}};
    if (Status s = store_->insert_frame(frame_row); !s) return Error{s.message()};
    FrameState& frame = frames_[{row.id, f.frame}];
    frame.row = frame_row;
    job.frames.push_back(f.frame);
    if (!row.renders_to_quality() &&
        (!job.unplanned.empty() || !queue_runs_low(job))) {
      defer_frame(job, f.frame, plans[i].size());
      continue;
    }
    Result<std::vector<uint64_t>> unit_ids = add_units(job, frame, plans[i]);
    if (!unit_ids) return Error{unit_ids.message()};
    if (row.renders_to_quality()) {
      if (Status s = add_quality_tiles(job, frame, unit_ids.value()); !s) {
        return Error{s.message()};
      }
    }
  }
  return proto::Body(proto::SubmitReply{row.id});
}

Result<std::vector<uint64_t>> DispatcherCore::add_units(JobState& job, FrameState& frame,
                                                        std::span<const PlannedUnit> planned) {
  std::vector<UnitRow> rows;
  rows.reserve(planned.size());
  for (const PlannedUnit& p : planned) {
    UnitRow u;
    u.job_id = job.row.id;
    u.frame = frame.row.frame;
    u.x0 = p.x0;
    u.y0 = p.y0;
    u.x1 = p.x1;
    u.y1 = p.y1;
    u.s0 = p.s0;
    u.s1 = p.s1;
    u.replication = job.row.replication;
    u.quorum = job.row.quorum;
    rows.push_back(u);
  }
  if (Status s = store_->begin(); !s) return Error{s.message()};
  if (Status s = store_->insert_units(rows); !s) return Error{s.message()};
  std::vector<uint64_t> ids;
  ids.reserve(rows.size());
  for (const UnitRow& u : rows) {
    UnitState& unit = units_[u.id];
    unit.row = u;
    frame.unit_ids.push_back(u.id);
    ++frame.remaining;
    ++job.units_total;
    ids.push_back(u.id);
    if (Status s = settle(unit, false); !s) return Error{s.message()};
  }
  return ids;
}

Result<proto::Body> DispatcherCore::cancel(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return error_reply(proto::ErrorCode::kNotFound, "no job " + std::to_string(job_id));
  }
  JobState& job = it->second;
  if (!job.active()) {
    return error_reply(proto::ErrorCode::kConflict,
                       "job " + std::to_string(job_id) + " is already " +
                           proto::job_state_name(job.row.state));
  }
  job.row.state = proto::JobState::kCancelled;
  scheduler_.remove_job(job_id);
  drop_skeletons(job);
  if (Status s = store_->begin(); !s) return Error{s.message()};
  if (Status s = store_->set_job_state(job_id, job.row.state, "cancelled by a client"); !s) {
    return Error{s.message()};
  }
  job.row.message = "cancelled by a client";
  // Outstanding leases end now; late results for them are dropped as the job is inactive.
  for (const auto& [key, frame] : frames_) {
    if (key.first != job_id) continue;
    for (uint64_t unit : frame.unit_ids) {
      for (uint64_t lease : leases_.of_unit(unit)) {
        if (Status s = end_lease(lease, LeaseEnd::kCancelled); !s) return Error{s.message()};
      }
    }
  }
  return proto::Body(proto::Ack{});
}

Result<proto::Body> DispatcherCore::resubmit_affected(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return error_reply(proto::ErrorCode::kNotFound, "no job " + std::to_string(job_id));
  }
  JobState& job = it->second;
  const auto refuse = [&](const std::string& why) {
    return error_reply(proto::ErrorCode::kConflict, "job " + std::to_string(job_id) + " " + why);
  };
  if (job.row.is_simulation()) {
    return refuse("is a simulation batch: its runs cannot be rewound; submit the batch again");
  }
  if (job.row.state != proto::JobState::kDone) {
    return refuse(std::string("is ") + proto::job_state_name(job.row.state) +
                  ": only a finished job is resubmitted");
  }
  const std::vector<uint64_t> affected = affected_units(job);
  if (affected.empty()) return refuse("has no affected units");
  job.row.state = proto::JobState::kRunning;
  job.row.message.clear();
  scheduler_.add_job(job.row.id, job.row.priority, job.row.client);
  if (Status s = store_->begin(); !s) return Error{s.message()};
  if (Status s = store_->set_job_state(job.row.id, job.row.state, ""); !s) {
    return Error{s.message()};
  }
  for (uint64_t id : affected) {
    if (Status s = reopen_unit(units_[id]); !s) return Error{s.message()};
  }
  return proto::Body(proto::Ack{});
}

Result<proto::Body> DispatcherCore::outputs(uint64_t job_id) const {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) {
    return error_reply(proto::ErrorCode::kNotFound, "no job " + std::to_string(job_id));
  }
  proto::OutputsReply reply{job_id, {}};
  if (it->second.row.is_simulation()) {
    if (auto files = job_outputs_.find(job_id); files != job_outputs_.end()) {
      reply.files = files->second;
    }
    return proto::Body(std::move(reply));
  }
  for (uint32_t frame_number : it->second.frames) {
    const FrameState& frame = frames_.at({job_id, frame_number});
    if (!frame.row.exr || !frame.row.png) continue;
    for (auto [hash, ext] : {std::pair{*frame.row.exr, "exr"}, std::pair{*frame.row.png, "png"}}) {
      Result<uint64_t> size = store_->blobs().size(hash);
      reply.files.push_back({frame_output_name(frame_number, ext), hash, size ? size.value() : 0,
                             frame.row.kernel_version});
    }
  }
  return proto::Body(std::move(reply));
}

}  // namespace tf
