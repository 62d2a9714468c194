// Result intake and frame completion (DispatcherCore, see dispatcher_core.h).
#include <cstring>
#include <fstream>
#include <iterator>

#include "dispatcher/dispatcher_core.h"
#include "formats/image/image_io.h"
#include "formats/protocol/result_hash.h"

namespace tf {
namespace {

// The canonical result bytes (result_hash.h): rgb as float32 LE, then rays as u64 LE.
std::vector<uint8_t> canonical_bytes(const std::vector<float>& rgb, uint64_t rays) {
  std::vector<uint8_t> bytes(rgb.size() * sizeof(float) + sizeof rays);
  std::memcpy(bytes.data(), rgb.data(), rgb.size() * sizeof(float));
  std::memcpy(bytes.data() + rgb.size() * sizeof(float), &rays, sizeof rays);
  return bytes;
}

Result<std::vector<float>> rgb_from_canonical(const std::vector<uint8_t>& bytes,
                                              size_t floats) {
  if (bytes.size() != floats * sizeof(float) + sizeof(uint64_t)) {
    return Error{"stored result has " + std::to_string(bytes.size()) + " bytes, expected " +
                 std::to_string(floats * sizeof(float) + sizeof(uint64_t))};
  }
  std::vector<float> rgb(floats);
  std::memcpy(rgb.data(), bytes.data(), floats * sizeof(float));
  return rgb;
}

// Writes an image file through formats/image into a temporary path, then into the blob store.
Result<Hash256> store_image(BlobStore& blobs, const ImageRGB& image, bool exr) {
  const std::filesystem::path tmp = blobs.temp_dir() / (exr ? "frame.exr" : "frame.png");
  Status written = exr ? write_exr(tmp, image.width, image.height, image.rgb.data())
                       : write_png(tmp, image.width, image.height, image.rgb.data());
  if (!written) return Error{written.message()};
  std::ifstream in(tmp, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  return blobs.put(bytes);
}

}  // namespace

Status DispatcherCore::accept_result(const std::string& peer, const proto::UnitResult& result) {
  // The lease ends whatever happens to the result.
  if (const Lease* lease = leases_.find(result.lease_id); lease && lease->worker == peer) {
    if (Status s = end_lease(result.lease_id, false); !s) return s;
  }
  auto unit_it = units_.find(result.unit_id);
  if (unit_it == units_.end()) {
    ++stats_.results_rejected;
    return Status::ok();
  }
  UnitState& unit = unit_it->second;
  JobState& job = jobs_[unit.row.job_id];
  if (unit.done() || !job.active()) {
    ++stats_.results_duplicate;
    return Status::ok();
  }
  const bool size_ok = result.width == unit.row.x1 - unit.row.x0 &&
                       result.height == unit.row.y1 - unit.row.y0 &&
                       result.rgb.size() == size_t{result.width} * result.height * 3;
  if (!size_ok || proto::result_hash(result.rgb, result.rays) != result.result_hash) {
    ++stats_.results_rejected;
    // Back to the scheduler unless someone else holds it.
    if (leases_.of_unit(unit.row.id).empty()) scheduler_.requeue(job.row.id, unit.row.id);
    return Status::ok();
  }
  // The blob is durable before the row that names it commits.
  if (Status s = store_->blobs().put_verified(result.result_hash,
                                              canonical_bytes(result.rgb, result.rays));
      !s) {
    return s;
  }
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->set_unit_result(unit.row.id, result.result_hash, result.rays); !s) {
    return s;
  }
  // Other leases of this unit (re-leased after a lapse) are moot now.
  for (uint64_t id : leases_.of_unit(unit.row.id)) {
    if (std::optional<Lease> other = leases_.remove(id)) scheduler_.finished_one(other->job_id);
  }
  unit.row.result = result.result_hash;
  unit.row.rays = result.rays;
  ++job.units_done;
  ++stats_.results_accepted;
  FrameState& frame = frames_[{unit.row.job_id, unit.row.frame}];
  if (--frame.remaining == 0) return complete_frame(frame);
  return Status::ok();
}

Status DispatcherCore::record_failure(const std::string& peer,
                                      const proto::UnitFailure& failure) {
  const Lease* lease = leases_.find(failure.lease_id);
  if (lease == nullptr || lease->worker != peer) return Status::ok();  // stale report
  const uint64_t unit_id = lease->unit_id;
  if (Status s = end_lease(failure.lease_id, false); !s) return s;
  UnitState& unit = units_[unit_id];
  JobState& job = jobs_[unit.row.job_id];
  if (unit.done() || !job.active()) return Status::ok();
  ++unit.row.attempts;
  if (Status s = store_->set_unit_attempts(unit_id, unit.row.attempts); !s) return s;
  if (unit.row.attempts >= config_.max_attempts) {
    return fail_job(job, "unit " + std::to_string(unit_id) + " (frame " +
                             std::to_string(unit.row.frame) + ", pixels [" +
                             std::to_string(unit.row.x0) + "," + std::to_string(unit.row.x1) +
                             ")x[" + std::to_string(unit.row.y0) + "," +
                             std::to_string(unit.row.y1) + ")) failed " +
                             std::to_string(unit.row.attempts) + " times: " + failure.message);
  }
  if (leases_.of_unit(unit_id).empty()) scheduler_.requeue(job.row.id, unit_id);
  return Status::ok();
}

Status DispatcherCore::fail_job(JobState& job, const std::string& message) {
  job.row.state = proto::JobState::kFailed;
  job.row.message = message;
  scheduler_.remove_job(job.row.id);
  if (Status s = store_->begin(); !s) return s;
  return store_->set_job_state(job.row.id, job.row.state, message);
}

Status DispatcherCore::complete_frame(FrameState& frame) {
  JobState& job = jobs_[frame.row.job_id];
  std::vector<TileSums> tiles;
  tiles.reserve(frame.unit_ids.size());
  for (uint64_t id : frame.unit_ids) {
    const UnitRow& u = units_[id].row;
    Result<std::vector<uint8_t>> bytes = store_->blobs().get(*u.result);
    if (!bytes) return bytes.status();
    Result<std::vector<float>> rgb =
        rgb_from_canonical(bytes.value(), size_t{u.x1 - u.x0} * (u.y1 - u.y0) * 3);
    if (!rgb) return rgb.status();
    tiles.push_back({u.x0, u.y0, u.x1, u.y1, u.s0, u.s1, std::move(rgb.value())});
  }
  Result<ImageRGB> image =
      assemble_frame(frame.row.width, frame.row.height, job.row.spp, std::move(tiles));
  if (!image) {
    return fail_job(job, "frame " + std::to_string(frame.row.frame) +
                             " cannot be assembled: " + image.message());
  }
  Result<Hash256> exr = store_image(store_->blobs(), image.value(), true);
  if (!exr) return exr.status();
  Result<Hash256> png = store_image(store_->blobs(), image.value(), false);
  if (!png) return png.status();
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->set_frame_outputs(job.row.id, frame.row.frame, exr.value(),
                                           png.value());
      !s) {
    return s;
  }
  frame.row.exr = exr.value();
  frame.row.png = png.value();
  ++job.frames_done;
  ++stats_.frames_assembled;
  if (job.frames_done == job.frames.size()) {
    job.row.state = proto::JobState::kDone;
    scheduler_.remove_job(job.row.id);
    return store_->set_job_state(job.row.id, job.row.state, "");
  }
  return Status::ok();
}

}  // namespace tf
