// Result intake and frame completion (DispatcherCore, see dispatcher_core.h).
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "dispatcher/dispatcher_core.h"
#include "formats/image/image_io.h"
#include "formats/protocol/result_hash.h"
#include "formats/fileio/read_file.h"

namespace tf {
namespace {

std::string frame_failure(uint32_t frame, const std::string& why) {
  return "frame " + std::to_string(frame) + " " + why;
}

}  // namespace

Status DispatcherCore::accept_result(const std::string& peer_key,
                                     const proto::UnitResult& result) {
  UnitState* unit = nullptr;
  ReplicaRow* replica = replica_of_lease(result.lease_id, &unit);
  if (replica == nullptr || unit->row.id != result.unit_id || replica->worker_key != peer_key) {
    ++stats_.results_rejected;
    return note_malformed(peer_key, "result for unit " + std::to_string(result.unit_id) +
                                        " under lease " + std::to_string(result.lease_id) +
                                        ", which this key was never granted");
  }
  if (Status s = end_lease(result.lease_id, LeaseEnd::kResult); !s) return s;
  const UnitRow& u = unit->row;
  const bool shape_ok = result_shape_ok(u, result);
  const std::vector<uint8_t> canonical =
      shape_ok && !result.rgb.empty() ? proto::canonical_result_bytes(result.rgb, result.rays)
                                      : std::vector<uint8_t>{};
  // With observations the result hash binds them to the fields' hash, which the bytes (when
  // sent) must match; without, the result hash is the fields' hash.
  const Hash256& fields_hash =
      result.observations.empty() ? result.result_hash : result.fields_hash;
  const bool bytes_ok =
      shape_ok &&
      proto::observed_result_hash(fields_hash, result.observations) == result.result_hash &&
      (result.rgb.empty() ||
       proto::canonical_bytes_hash(canonical, result_scheme(u)) == fields_hash);
  // Stores verified bytes and remembers their count, so that accepting them needs no read back.
  const auto store_bytes = [&]() -> Status {
    if (Status s = store_->begin(); !s) return s;
    if (Status s = store_->put_result_bytes(result.result_hash, canonical); !s) return s;
    if (fresh_results_.size() >= kMaxFreshResults) {
      for (const auto& [hash, fresh] : fresh_results_) {
        kept_value_bytes_ -= fresh.values.size() * sizeof(float);
      }
      fresh_results_.clear();
    }
    FreshResult& fresh = fresh_results_[result.result_hash];
    fresh.rays = result.rays;
    const size_t value_bytes = result.rgb.size() * sizeof(float);
    if (fresh.values.empty() && kept_value_bytes_ + value_bytes <= kMaxKeptValueBytes) {
      fresh.values = result.rgb;
      kept_value_bytes_ += value_bytes;
    }
    return Status::ok();
  };
  // The bytes of a hash this replica reported earlier: the answer to a ResultBytesRequest.
  if (replica->state == ReplicaState::kReported && replica->hash == result.result_hash &&
      !result.rgb.empty() && !unit->done()) {
    if (!bytes_ok) {
      ++stats_.results_rejected;
      return note_malformed(peer_key, "bytes for unit " + std::to_string(u.id) +
                                          " that do not hash to the reported hash");
    }
    if (Status s = store_bytes(); !s) return s;
    return settle(*unit);
  }
  if (replica->state == ReplicaState::kLapsed) {
    ++stats_.results_late;  // the unit went to someone else: no vote, no credit
    return Status::ok();
  }
  if (replica->state != ReplicaState::kLeased || unit->done() ||
      !jobs_[u.job_id].active()) {
    ++stats_.results_duplicate;
    if (replica->state != ReplicaState::kLeased) return Status::ok();
    return set_replica_state(*replica, ReplicaState::kCancelled, std::nullopt);
  }
  // A frame's units are compared and assembled only among results of its pinned version.
  if (const std::string& pin = pinned_version(u); !pin.empty() && !result.simulation &&
                                                    result.kernel_version != pin) {
    ++stats_.results_rejected;
    if (Status s = set_replica_state(*replica, ReplicaState::kFailed, std::nullopt); !s) return s;
    if (Status s = note_malformed(peer_key, "result for unit " + std::to_string(u.id) +
                                                " of kernel " + result.kernel_version +
                                                ", whose frame is pinned to kernel " + pin);
        !s) {
      return s;
    }
    return settle(*unit);
  }
  if (!bytes_ok) {
    ++stats_.results_rejected;
    if (Status s = set_replica_state(*replica, ReplicaState::kFailed, std::nullopt); !s) return s;
    if (Status s = note_malformed(
            peer_key, "result for unit " + std::to_string(u.id) +
                          (shape_ok ? " whose bytes do not hash to its resultHash"
                                    : " of the wrong shape (" + std::to_string(result.width) +
                                          "x" + std::to_string(result.height) + ")"));
        !s) {
      return s;
    }
    return settle(*unit);
  }
  if (!result.rgb.empty() && needs_bytes(u)) {
    if (Status s = store_bytes(); !s) return s;
  }
  if (!result.observations.empty()) {
    if (Status s = store_->begin(); !s) return s;
    if (Status s = store_->put_observations(result.result_hash, result.observations); !s) return s;
  }
  ++stats_.replicas_reported;
  if (Status s = set_replica_state(*replica, ReplicaState::kReported, result.result_hash); !s) {
    return s;
  }
  return settle(*unit);
}

Status DispatcherCore::record_failure(const std::string& peer,
                                      const proto::UnitFailure& failure) {
  const Lease* lease = leases_.find(failure.lease_id);
  if (lease == nullptr || lease->worker != peer) return Status::ok();  // stale report
  const uint64_t unit_id = lease->unit_id;
  UnitState* unit = nullptr;
  if (const ReplicaRow* replica = replica_of_lease(failure.lease_id, &unit)) {
    if (Status s = trust_event(replica->worker_key, TrustEvent::kError); !s) return s;
  }
  if (Status s = end_lease(failure.lease_id, LeaseEnd::kFailed); !s) return s;
  UnitState& failed = units_[unit_id];
  JobState& job = jobs_[failed.row.job_id];
  if (failed.done() || !job.active()) return Status::ok();
  ++failed.row.attempts;
  if (Status s = store_->set_unit_attempts(unit_id, failed.row.attempts); !s) return s;
  if (failed.row.attempts >= config_.max_attempts) {
    const UnitRow& u = failed.row;
    return fail_job(job, "unit " + std::to_string(unit_id) + " (" + unit_description(u) +
                             ") failed " + std::to_string(u.attempts) +
                             " times: " + failure.message);
  }
  return Status::ok();
}

Status DispatcherCore::fail_job(JobState& job, const std::string& message) {
  job.row.state = proto::JobState::kFailed;
  job.row.message = message;
  scheduler_.remove_job(job.row.id);
  drop_skeletons(job);
  if (Status s = store_->begin(); !s) return s;
  return store_->set_job_state(job.row.id, job.row.state, message);
}

Status DispatcherCore::complete_frame(FrameState& frame) {
  JobState& job = jobs_[frame.row.job_id];
  if (job.row.is_simulation()) return complete_chunk(frame);
  // The units' values from memory where they were kept on arrival, else from the store.
  std::vector<TileSums> tiles;
  tiles.reserve(frame.unit_ids.size());
  for (uint64_t id : frame.unit_ids) {
    UnitState& unit = units_[id];
    Result<std::vector<float>> values = accepted_values(unit, true);
    if (!values) return values.status();
    const UnitRow& u = unit.row;
    tiles.push_back({u.x0, u.y0, u.x1, u.y1, u.s0, u.s1, std::move(values.value())});
  }
  FrameTiles encoding{job.row.id,      frame.row.frame, frame.row.width,
                      frame.row.height, job.row.spp,     std::move(tiles),
                      job.row.renders_to_quality(),     ++frame.assemblies};
  if (encoder_) {  // assembled and encoded there
    encoder_->submit(std::move(encoding));
    return Status::ok();
  }
  EncodedFrame done = encode_frame(store_->blobs(), std::move(encoding));
  if (!done.failure.empty()) {
    return fail_job(job, frame_failure(frame.row.frame, done.failure));
  }
  if (!done.exr) return done.exr.status();
  if (!done.png) return done.png.status();
  return record_frame_outputs(frame, done.exr.value(), done.png.value());
}

Status DispatcherCore::record_frame_outputs(FrameState& frame, const Hash256& exr,
                                            const Hash256& png) {
  JobState& job = jobs_[frame.row.job_id];
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->set_frame_outputs(job.row.id, frame.row.frame, exr, png); !s) return s;
  frame.row.exr = exr;
  frame.row.png = png;
  if (config_.board) config_.board->previews().drop(job.row.id, frame.row.frame);
  return frame_finished(job);
}

Status DispatcherCore::collect_encoded_frames() {
  if (!encoder_) return Status::ok();
  for (EncodedFrame& done : encoder_->take_finished()) {
    auto frame = frames_.find({done.job_id, done.frame});
    // Not an encoding of tiles that were reopened since (reverification.cpp).
    const bool wanted = frame != frames_.end() && !finished(frame->second) &&
                        frame->second.remaining == 0 &&
                        frame->second.assemblies == done.assembly && jobs_[done.job_id].active();
    if (!done.failure.empty()) {
      if (!wanted) continue;
      if (Status s = fail_job(jobs_[done.job_id], frame_failure(done.frame, done.failure));
          !s) {
        return s;
      }
      continue;
    }
    if (!done.exr) return done.exr.status();  // the blob folder failed: as a store failure
    if (!done.png) return done.png.status();
    if (!wanted) continue;
    if (Status s = record_frame_outputs(frame->second, done.exr.value(), done.png.value()); !s) {
      return s;
    }
  }
  for (FrameEncoder::LoopWork& record : encoder_->take_finished_work()) {  // simulation runs' ends
    if (Status s = record(); !s) return s;
  }
  return Status::ok();
}

Status DispatcherCore::frame_finished(JobState& job) {
  ++job.frames_done;
  ++stats_.frames_assembled;
  if (job.frames_done == job.frames.size()) {
    job.row.state = proto::JobState::kDone;
    scheduler_.remove_job(job.row.id);
    if (Status s = store_->begin(); !s) return s;
    return store_->set_job_state(job.row.id, job.row.state, "");
  }
  return Status::ok();
}

}  // namespace tf
