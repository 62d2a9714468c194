#include "formats/protocol/codec.h"

#include <capnp/message.h>
#include <capnp/orphan.h>
#include <capnp/serialize.h>
#include <kj/array.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "formats/protocol/codec_support.h"
#include "formats/protocol/trust_codec.h"
#include "protocol.capnp.h"

namespace tf::proto {
namespace {

using WhichBody = wire::Envelope::Body::Which;

// SimUnitSpec.afterNextSteps's default in protocol.capnp: an earlier dispatcher did not say.
constexpr uint32_t kAfterNextNotSaid = 0xFFFFFFFF;

// A byte field of at least this size is referenced by the message, not copied (large_data).
constexpr size_t kReferencedDataBytes = size_t{64} << 10;

// `data` as an orphan for a field of the message that `b` belongs to. A large, word-aligned
// field of whole words (a simulation state or result: megabytes) becomes a segment of its own
// that points at the caller's bytes, which must outlive the builder (encode_message_into's
// envelope does), so that the frame is its only copy; other data is copied into the message
// (Cap'n Proto would write the bytes up to the next word boundary, past the data's end).
template <class Builder>
capnp::Orphan<capnp::Data> large_data(Builder b, capnp::Data::Reader data) {
  const capnp::Orphanage orphanage = capnp::Orphanage::getForMessageContaining(b);
  const bool whole_words = data.size() % sizeof(capnp::word) == 0 &&
                           reinterpret_cast<uintptr_t>(data.begin()) % alignof(capnp::word) == 0;
  if (data.size() >= kReferencedDataBytes && whole_words) {
    return orphanage.referenceExternalData(data);
  }
  return orphanage.newOrphanCopy(data);
}

// ---- enum conversions; a newer peer's value maps to the nearest value this side knows

JobState read_job_state(wire::JobState s) {
  switch (s) {
    case wire::JobState::QUEUED: return JobState::kQueued;
    case wire::JobState::RUNNING: return JobState::kRunning;
    case wire::JobState::DONE: return JobState::kDone;
    case wire::JobState::FAILED: return JobState::kFailed;
    case wire::JobState::CANCELLED: return JobState::kCancelled;
    default: return JobState::kUnknown;  // a newer peer's state
  }
}

wire::JobState write_job_state(JobState s) {
  switch (s) {
    case JobState::kQueued: return wire::JobState::QUEUED;
    case JobState::kRunning: return wire::JobState::RUNNING;
    case JobState::kDone: return wire::JobState::DONE;
    case JobState::kFailed: return wire::JobState::FAILED;
    case JobState::kCancelled: return wire::JobState::CANCELLED;
    case JobState::kUnknown: break;
  }
  return wire::JobState::FAILED;
}

ErrorCode read_error_code(wire::ErrorCode c) {
  switch (c) {
    case wire::ErrorCode::BAD_REQUEST: return ErrorCode::kBadRequest;
    case wire::ErrorCode::NOT_FOUND: return ErrorCode::kNotFound;
    case wire::ErrorCode::CONFLICT: return ErrorCode::kConflict;
    case wire::ErrorCode::UNSUPPORTED_VERSION: return ErrorCode::kUnsupportedVersion;
    default: return ErrorCode::kInternal;  // includes a newer peer's codes
  }
}

wire::ErrorCode write_error_code(ErrorCode c) {
  switch (c) {
    case ErrorCode::kBadRequest: return wire::ErrorCode::BAD_REQUEST;
    case ErrorCode::kNotFound: return wire::ErrorCode::NOT_FOUND;
    case ErrorCode::kConflict: return wire::ErrorCode::CONFLICT;
    case ErrorCode::kUnsupportedVersion: return wire::ErrorCode::UNSUPPORTED_VERSION;
    case ErrorCode::kInternal: break;
  }
  return wire::ErrorCode::INTERNAL;
}

// ---- encoding, one function per struct

void write(wire::WorkerHello::Builder b, const WorkerHello& m) {
  b.setWorkerName(m.worker_name);
  b.setOwner(m.owner);
  b.setTreeHashes(m.tree_hashes);
  b.setInitialStates(m.initial_states);
  set_list(b.initHeldLeases(list_size(m.held_leases)), m.held_leases);
  write_list(b.initDevices(list_size(m.devices)), m.devices, [](auto o, const DeviceOffer& d) {
    o.setBackend(d.backend);
    o.setIndex(d.index);
    o.setName(d.name);
    o.setMemoryBytes(d.memory_bytes);
    o.setComputeUnits(d.compute_units);
    o.setKernelVersion(d.kernel_version);
    o.setSlots(d.slots);
    set_list(o.initKernelVersions(list_size(d.kernel_versions)), d.kernel_versions,
             [](const std::string& v) { return capnp::Text::Reader(v.data(), v.size()); });
  });
}

void write(wire::UnitResult::Builder b, const UnitResult& m) {
  b.setLeaseId(m.lease_id);
  b.setUnitId(m.unit_id);
  b.setKernelVersion(m.kernel_version);
  b.setWidth(m.width);
  b.setHeight(m.height);
  b.adoptRgb(large_data(b, as_data(m.rgb)));
  b.setRays(m.rays);
  b.setResultHash(as_data(m.result_hash));
  b.setSimulation(m.simulation);
  if (!m.observations.empty()) {
    b.setObservations(as_data(m.observations));
    b.setFieldsHash(as_data(m.fields_hash));
  }
}

void write(wire::LeaseGrant::Builder b, const LeaseGrant& m) {
  write_list(b.initUnits(list_size(m.units)), m.units, [](auto o, const RenderUnitSpec& u) {
    o.setLeaseId(u.lease_id);
    o.setUnitId(u.unit_id);
    o.setJobId(u.job_id);
    o.setBundle(as_data(u.bundle));
    o.setScenePath(u.scene_path);
    o.setFrame(u.frame);
    o.setX0(u.x0);
    o.setY0(u.y0);
    o.setX1(u.x1);
    o.setY1(u.y1);
    o.setS0(u.s0);
    o.setS1(u.s1);
    o.setReplica(u.replica);
    o.setLeaseSeconds(u.lease_seconds);
    o.setUploadBytes(u.upload_bytes);
    o.setLenient(u.lenient);
  });
  write_list(b.initSimUnits(list_size(m.sim_units)), m.sim_units, [](auto o, const SimUnitSpec& u) {
    o.setLeaseId(u.lease_id);
    o.setUnitId(u.unit_id);
    o.setJobId(u.job_id);
    o.setState(as_data(u.state));
    o.setRun(u.run);
    o.setStep(u.step);
    o.setSteps(u.steps);
    o.setX0(u.x0);
    o.setY0(u.y0);
    o.setZ0(u.z0);
    o.setX1(u.x1);
    o.setY1(u.y1);
    o.setZ1(u.z1);
    o.setReplica(u.replica);
    o.setLeaseSeconds(u.lease_seconds);
    o.setUploadBytes(u.upload_bytes);
    if (u.head) o.setHead(as_data(*u.head));
    o.setReplaySteps(u.replay_steps);
    o.setNextSteps(u.next_steps);
    o.setByHashAlone(u.by_hash_alone);
    if (u.after_next_steps) o.setAfterNextSteps(*u.after_next_steps);
    o.setResultHash(static_cast<uint8_t>(u.result_hash));
    if (u.batch) o.setBatch(as_data(*u.batch));
  });
}

void write_hashes(wire::HashList::Builder b, const std::vector<Hash256>& hashes) {
  set_list(b.initHashes(list_size(hashes)), hashes, [](const Hash256& h) { return as_data(h); });
}

void write(wire::SubmitJob::Builder b, const SubmitJob& m) {
  b.setName(m.name);
  b.setBundle(as_data(m.bundle));
  write_list(b.initFrames(list_size(m.frames)), m.frames, [](auto o, const FrameSpec& f) {
    o.setFrame(f.frame);
    o.setScenePath(f.scene_path);
    o.setWidth(f.width);
    o.setHeight(f.height);
  });
  b.setTileSize(m.tile_size);
  b.setSpp(m.spp);
  b.setSamplesPerUnit(m.samples_per_unit);
  b.setPriority(m.priority);
  b.setReplication(m.replication);
  b.setQuorum(m.quorum);
  b.setMaxReplicas(m.max_replicas);
  b.setLenient(m.lenient);
  b.setSimBatch(m.sim_batch);
  b.setSimSource(m.sim_source);
  b.setSimChunkSteps(m.sim_chunk_steps);
  b.setSimTile(m.sim_tile);
  b.setNoiseTarget(m.noise_target);
  b.setMinSpp(m.min_spp);
  b.setMaxSpp(m.max_spp);
  b.setDeadlineSeconds(m.deadline_seconds);
  write_list(b.initSimFiles(list_size(m.sim_files)), m.sim_files, [](auto o, const NamedBlob& f) {
    o.setName(f.name);
    o.setHash(as_data(f.hash));
  });
}

void write(wire::StatusReply::Builder b, const StatusReply& m) {
  write_list(b.initJobs(list_size(m.jobs)), m.jobs, [](auto o, const JobStatus& j) {
    o.setJobId(j.job_id);
    o.setName(j.name);
    o.setState(write_job_state(j.state));
    o.setPriority(j.priority);
    o.setUnitsDone(j.units_done);
    o.setUnitsTotal(j.units_total);
    o.setFramesDone(j.frames_done);
    o.setFramesTotal(j.frames_total);
    o.setMessage(j.message);
    o.setSimulation(j.simulation);
    set_list(o.initAffectedFrames(list_size(j.affected_frames)), j.affected_frames);
    o.setClient(j.client);
    o.setUnitsInFlight(j.units_in_flight);
    o.setFarmInFlight(j.farm_in_flight);
    o.setActiveClients(j.active_clients);
    o.setTilesConverged(j.tiles_converged);
    o.setTilesRefining(j.tiles_refining);
    o.setSppMin(j.spp_min);
    o.setSppMax(j.spp_max);
  });
}

void write(wire::OutputsReply::Builder b, const OutputsReply& m) {
  b.setJobId(m.job_id);
  write_list(b.initFiles(list_size(m.files)), m.files, [](auto o, const OutputFile& f) {
    o.setName(f.name);
    o.setHash(as_data(f.hash));
    o.setSize(f.size);
    o.setKernelVersion(f.kernel_version);
  });
}

template <class B>
void write_blob_reply(B b, const Hash256& hash, bool found, const std::vector<uint8_t>& bytes) {
  b.setHash(as_data(hash));
  b.setFound(found);
  b.adoptBytes(large_data(b, as_data(bytes)));
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
// Deduction guide: clang before 17 does not deduce aggregate template arguments (C++20 P1816).
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

void write_body(wire::Envelope::Body::Builder b, const Body& body) {
  std::visit(
      Overloaded{
          [&](const WorkerHello& m) { write(b.initWorkerHello(), m); },
          [&](const WorkerHeartbeat&) { b.setWorkerHeartbeat(); },
          [&](const UnitResult& m) { write(b.initUnitResult(), m); },
          [&](const UnitFailure& m) {
            auto o = b.initUnitFailure();
            o.setLeaseId(m.lease_id);
            o.setUnitId(m.unit_id);
            o.setMessage(m.message);
          },
          [&](const UnitReturn& m) {
            auto o = b.initUnitReturn();
            set_list(o.initLeaseIds(list_size(m.lease_ids)), m.lease_ids);
            o.setLeaving(m.leaving);
            o.setPausing(m.pausing);
            o.setDraining(m.draining);
          },
          [&](const LeaseRecall& m) {
            set_list(b.initLeaseRecall().initLeaseIds(list_size(m.lease_ids)), m.lease_ids);
          },
          [&](const BlobRequest& m) { b.initBlobRequest().setHash(as_data(m.hash)); },
          [&](const LeaseGrant& m) { write(b.initLeaseGrant(), m); },
          [&](const DispatcherHeartbeat&) { b.setDispatcherHeartbeat(); },
          [&](const BlobReply& m) { write_blob_reply(b.initBlobReply(), m.hash, m.found, m.bytes); },
          [&](const HelloRequired&) { b.setHelloRequired(); },
          [&](const MissingBlobsRequest& m) { write_hashes(b.initMissingBlobsRequest(), m.hashes); },
          [&](const BlobUpload& m) {
            auto o = b.initBlobUpload();
            o.setHash(as_data(m.hash));
            o.adoptBytes(large_data(o, as_data(m.bytes)));
          },
          [&](const SubmitJob& m) { write(b.initSubmitJob(), m); },
          [&](const StatusRequest& m) {
            auto o = b.initStatusRequest();
            o.setJobId(m.job_id);
            o.setWaitMs(m.wait_ms);
          },
          [&](const CancelRequest& m) { b.initCancelRequest().setJobId(m.job_id); },
          [&](const ResubmitRequest& m) { b.initResubmitRequest().setJobId(m.job_id); },
          [&](const ResultBatch& m) {
            write_list(b.initResultBatch().initResults(list_size(m.results)), m.results,
                       [](auto o, const UnitResult& r) { write(o, r); });
          },
          [&](const OutputsRequest& m) { b.initOutputsRequest().setJobId(m.job_id); },
          [&](const OutputFetch& m) { b.initOutputFetch().setHash(as_data(m.hash)); },
          [&](const MissingBlobsReply& m) { write_hashes(b.initMissingBlobsReply(), m.hashes); },
          [&](const Ack&) { b.setAck(); },
          [&](const SubmitReply& m) { b.initSubmitReply().setJobId(m.job_id); },
          [&](const StatusReply& m) { write(b.initStatusReply(), m); },
          [&](const OutputsReply& m) { write(b.initOutputsReply(), m); },
          [&](const OutputData& m) { write_blob_reply(b.initOutputData(), m.hash, m.found, m.bytes); },
          [&](const ErrorReply& m) {
            auto o = b.initErrorReply();
            o.setCode(write_error_code(m.code));
            o.setMessage(m.message);
          },
          [&](const ResultBytesRequest& m) {
            auto o = b.initResultBytesRequest();
            o.setLeaseId(m.lease_id);
            o.setUnitId(m.unit_id);
          },
          [&](const TrustQuery& m) { write_trust_query(b.initTrustQuery(), m); },
          [&](const TrustReply& m) { write_trust_reply(b.initTrustReply(), m); },
      },
      body);
}

// ---- decoding, one function per struct

ResultHashScheme read_result_hash_scheme(uint8_t scheme) {
  if (scheme > static_cast<uint8_t>(ResultHashScheme::kTree)) {
    throw DecodeError("leaseGrant.simUnits.resultHash: unknown scheme " + std::to_string(scheme));
  }
  return static_cast<ResultHashScheme>(scheme);
}

WorkerHello read(wire::WorkerHello::Reader r) {
  WorkerHello m;
  m.worker_name = read_text(r.getWorkerName());
  m.owner = read_text(r.getOwner());
  m.tree_hashes = r.getTreeHashes();
  m.initial_states = r.getInitialStates();
  for (uint64_t id : r.getHeldLeases()) m.held_leases.push_back(id);
  for (auto d : r.getDevices()) {
    m.devices.push_back({read_text(d.getBackend()), d.getIndex(), read_text(d.getName()),
                         d.getMemoryBytes(), d.getComputeUnits(), read_text(d.getKernelVersion()),
                         d.getSlots(), {}});
    for (auto v : d.getKernelVersions()) m.devices.back().kernel_versions.push_back(read_text(v));
  }
  return m;
}

UnitResult read(wire::UnitResult::Reader r) {
  UnitResult m;
  m.lease_id = r.getLeaseId();
  m.unit_id = r.getUnitId();
  m.kernel_version = read_text(r.getKernelVersion());
  m.width = r.getWidth();
  m.height = r.getHeight();
  m.simulation = r.getSimulation();
  // Render: width x height pixels of 3 floats; simulation: width cells of height components.
  const uint64_t values = uint64_t{m.width} * m.height * (m.simulation ? 1 : 3);
  const uint64_t max_values = m.simulation ? kMaxBlobBytes / sizeof(float) : kMaxTilePixels * 3;
  auto rgb = r.getRgb();
  // Empty rgb: a hash-only result (the grant's upload_bytes was false).
  if (values > max_values || (rgb.size() != 0 && rgb.size() != values * sizeof(float))) {
    throw DecodeError("unitResult: rgb holds " + std::to_string(rgb.size()) +
                      " bytes, which does not match a " + std::to_string(m.width) + "x" +
                      std::to_string(m.height) + " tile");
  }
  m.rgb.resize(rgb.size() / sizeof(float));
  if (rgb.size() != 0) std::memcpy(m.rgb.data(), rgb.begin(), rgb.size());
  m.rays = r.getRays();
  m.result_hash = read_hash(r.getResultHash(), "unitResult.resultHash");
  if (r.getObservations().size() != 0) {
    m.observations = read_bytes(r.getObservations());
    m.fields_hash = read_hash(r.getFieldsHash(), "unitResult.fieldsHash");
  }
  return m;
}

ResultBatch read(wire::ResultBatch::Reader r) {
  auto results = r.getResults();
  if (results.size() > kMaxResultsPerBatch) {
    throw DecodeError("resultBatch: " + std::to_string(results.size()) + " results, at most " +
                      std::to_string(kMaxResultsPerBatch) + " per batch");
  }
  ResultBatch m;
  uint64_t values = 0;
  for (auto result : results) {
    values += value_bytes(m.results.emplace_back(read(result)));
    if (values > kMaxBatchValueBytes) {
      throw DecodeError("resultBatch: its results' values pass " +
                        std::to_string(kMaxBatchValueBytes) + " bytes; larger results go alone");
    }
  }
  return m;
}

LeaseGrant read(wire::LeaseGrant::Reader r) {
  LeaseGrant m;
  for (auto u : r.getUnits()) {
    RenderUnitSpec s;
    s.lease_id = u.getLeaseId();
    s.unit_id = u.getUnitId();
    s.job_id = u.getJobId();
    s.bundle = read_hash(u.getBundle(), "leaseGrant.bundle");
    s.scene_path = read_text(u.getScenePath());
    s.frame = u.getFrame();
    s.x0 = u.getX0();
    s.y0 = u.getY0();
    s.x1 = u.getX1();
    s.y1 = u.getY1();
    s.s0 = u.getS0();
    s.s1 = u.getS1();
    s.replica = u.getReplica();
    s.lease_seconds = u.getLeaseSeconds();
    s.upload_bytes = u.getUploadBytes();
    s.lenient = u.getLenient();
    m.units.push_back(std::move(s));
  }
  for (auto u : r.getSimUnits()) {
    SimUnitSpec s;
    s.lease_id = u.getLeaseId();
    s.unit_id = u.getUnitId();
    s.job_id = u.getJobId();
    s.state = read_hash(u.getState(), "leaseGrant.simUnits.state");
    s.run = u.getRun();
    s.step = u.getStep();
    s.steps = u.getSteps();
    s.x0 = u.getX0();
    s.y0 = u.getY0();
    s.z0 = u.getZ0();
    s.x1 = u.getX1();
    s.y1 = u.getY1();
    s.z1 = u.getZ1();
    s.replica = u.getReplica();
    s.lease_seconds = u.getLeaseSeconds();
    s.upload_bytes = u.getUploadBytes();
    if (u.getHead().size() != 0) s.head = read_hash(u.getHead(), "leaseGrant.simUnits.head");
    s.replay_steps = u.getReplaySteps();
    s.next_steps = u.getNextSteps();
    s.by_hash_alone = u.getByHashAlone();
    if (u.getAfterNextSteps() != kAfterNextNotSaid) s.after_next_steps = u.getAfterNextSteps();
    s.result_hash = read_result_hash_scheme(u.getResultHash());
    if (u.getBatch().size() != 0) s.batch = read_hash(u.getBatch(), "leaseGrant.simUnits.batch");
    m.sim_units.push_back(std::move(s));
  }
  return m;
}

std::vector<Hash256> read_hashes(wire::HashList::Reader r) {
  std::vector<Hash256> out;
  for (auto h : r.getHashes()) out.push_back(read_hash(h, "hash list entry"));
  return out;
}

SubmitJob read(wire::SubmitJob::Reader r) {
  SubmitJob m;
  m.name = read_text(r.getName());
  m.bundle = read_hash(r.getBundle(), "submitJob.bundle");
  for (auto f : r.getFrames()) {
    m.frames.push_back({f.getFrame(), read_text(f.getScenePath()), f.getWidth(), f.getHeight()});
  }
  m.tile_size = r.getTileSize();
  m.spp = r.getSpp();
  m.samples_per_unit = r.getSamplesPerUnit();
  m.priority = r.getPriority();
  m.replication = r.getReplication();
  m.quorum = r.getQuorum();
  m.max_replicas = r.getMaxReplicas();
  m.lenient = r.getLenient();
  m.sim_batch = read_text(r.getSimBatch());
  m.sim_source = read_text(r.getSimSource());
  m.sim_chunk_steps = r.getSimChunkSteps();
  m.sim_tile = r.getSimTile();
  m.noise_target = r.getNoiseTarget();
  m.min_spp = r.getMinSpp();
  m.max_spp = r.getMaxSpp();
  m.deadline_seconds = r.getDeadlineSeconds();
  for (auto f : r.getSimFiles()) {
    m.sim_files.push_back({read_text(f.getName()), read_hash(f.getHash(), "submitJob.simFiles.hash")});
  }
  return m;
}

StatusReply read(wire::StatusReply::Reader r) {
  StatusReply m;
  for (auto j : r.getJobs()) {
    JobStatus& s = m.jobs.emplace_back(JobStatus{
        j.getJobId(), read_text(j.getName()), read_job_state(j.getState()), j.getPriority(),
        j.getUnitsDone(), j.getUnitsTotal(), j.getFramesDone(), j.getFramesTotal(),
        read_text(j.getMessage()), j.getSimulation(), {}, read_text(j.getClient()),
        j.getUnitsInFlight(), j.getFarmInFlight(), j.getActiveClients(), j.getTilesConverged(),
        j.getTilesRefining(), j.getSppMin(), j.getSppMax()});
    for (uint32_t frame : j.getAffectedFrames()) s.affected_frames.push_back(frame);
  }
  return m;
}

OutputsReply read(wire::OutputsReply::Reader r) {
  OutputsReply m;
  m.job_id = r.getJobId();
  for (auto f : r.getFiles()) {
    m.files.push_back({read_text(f.getName()), read_hash(f.getHash(), "outputsReply.hash"),
                       f.getSize(), read_text(f.getKernelVersion())});
  }
  return m;
}

Body read_body(wire::Envelope::Body::Reader b) {
  switch (b.which()) {
    case WhichBody::WORKER_HELLO: return read(b.getWorkerHello());
    case WhichBody::WORKER_HEARTBEAT: return WorkerHeartbeat{};
    case WhichBody::UNIT_RESULT: return read(b.getUnitResult());
    case WhichBody::UNIT_FAILURE: {
      auto r = b.getUnitFailure();
      return UnitFailure{r.getLeaseId(), r.getUnitId(), read_text(r.getMessage())};
    }
    case WhichBody::UNIT_RETURN: {
      auto r = b.getUnitReturn();
      UnitReturn m;
      for (uint64_t id : r.getLeaseIds()) m.lease_ids.push_back(id);
      m.leaving = r.getLeaving();
      m.pausing = r.getPausing();
      m.draining = r.getDraining();
      return m;
    }
    case WhichBody::BLOB_REQUEST:
      return BlobRequest{read_hash(b.getBlobRequest().getHash(), "blobRequest.hash")};
    case WhichBody::LEASE_GRANT: return read(b.getLeaseGrant());
    case WhichBody::DISPATCHER_HEARTBEAT: return DispatcherHeartbeat{};
    case WhichBody::BLOB_REPLY: {
      auto r = b.getBlobReply();
      return BlobReply{read_hash(r.getHash(), "blobReply.hash"), r.getFound(),
                       read_bytes(r.getBytes())};
    }
    case WhichBody::HELLO_REQUIRED: return HelloRequired{};
    case WhichBody::MISSING_BLOBS_REQUEST:
      return MissingBlobsRequest{read_hashes(b.getMissingBlobsRequest())};
    case WhichBody::BLOB_UPLOAD: {
      auto r = b.getBlobUpload();
      return BlobUpload{read_hash(r.getHash(), "blobUpload.hash"), read_bytes(r.getBytes())};
    }
    case WhichBody::SUBMIT_JOB: return read(b.getSubmitJob());
    case WhichBody::STATUS_REQUEST:
      return StatusRequest{b.getStatusRequest().getJobId(), b.getStatusRequest().getWaitMs()};
    case WhichBody::CANCEL_REQUEST: return CancelRequest{b.getCancelRequest().getJobId()};
    case WhichBody::RESUBMIT_REQUEST: return ResubmitRequest{b.getResubmitRequest().getJobId()};
    case WhichBody::RESULT_BATCH: return read(b.getResultBatch());
    case WhichBody::LEASE_RECALL: {
      LeaseRecall m;
      for (uint64_t id : b.getLeaseRecall().getLeaseIds()) m.lease_ids.push_back(id);
      return m;
    }
    case WhichBody::OUTPUTS_REQUEST: return OutputsRequest{b.getOutputsRequest().getJobId()};
    case WhichBody::OUTPUT_FETCH:
      return OutputFetch{read_hash(b.getOutputFetch().getHash(), "outputFetch.hash")};
    case WhichBody::MISSING_BLOBS_REPLY:
      return MissingBlobsReply{read_hashes(b.getMissingBlobsReply())};
    case WhichBody::ACK: return Ack{};
    case WhichBody::SUBMIT_REPLY: return SubmitReply{b.getSubmitReply().getJobId()};
    case WhichBody::STATUS_REPLY: return read(b.getStatusReply());
    case WhichBody::OUTPUTS_REPLY: return read(b.getOutputsReply());
    case WhichBody::OUTPUT_DATA: {
      auto r = b.getOutputData();
      return OutputData{read_hash(r.getHash(), "outputData.hash"), r.getFound(),
                        read_bytes(r.getBytes())};
    }
    case WhichBody::ERROR_REPLY: {
      auto r = b.getErrorReply();
      return ErrorReply{read_error_code(r.getCode()), read_text(r.getMessage())};
    }
    case WhichBody::RESULT_BYTES_REQUEST: {
      auto r = b.getResultBytesRequest();
      return ResultBytesRequest{r.getLeaseId(), r.getUnitId()};
    }
    case WhichBody::TRUST_QUERY: return read_trust_query(b.getTrustQuery());
    case WhichBody::TRUST_REPLY: return read_trust_reply(b.getTrustReply());
  }
  throw DecodeError("unknown message kind " + std::to_string(static_cast<unsigned>(b.which())));
}

// The most words a legitimate message of this kind makes the reader visit. Bounds the work
// (and memory) a hostile frame can cause, including amplification through shared pointers.
uint64_t traversal_limit_words(WhichBody kind) {
  constexpr uint64_t kSlack = 1024;
  switch (kind) {
    case WhichBody::BLOB_REPLY:
    case WhichBody::BLOB_UPLOAD:
    case WhichBody::OUTPUT_DATA:
      return kMaxBlobBytes / 8 + kSlack;
    case WhichBody::UNIT_RESULT:
      return kMaxTilePixels * 3 * sizeof(float) / 8 + kSlack;
    case WhichBody::RESULT_BATCH:  // the values, and each result's fields and hashes
      return kMaxBatchValueBytes / 8 + kMaxResultsPerBatch * 64 + kSlack;
    case WhichBody::SUBMIT_JOB:
    case WhichBody::STATUS_REPLY:
    case WhichBody::OUTPUTS_REPLY:
    case WhichBody::MISSING_BLOBS_REQUEST:
    case WhichBody::MISSING_BLOBS_REPLY:
    case WhichBody::TRUST_REPLY:
      return 4ull << 20;
    case WhichBody::LEASE_GRANT:
    case WhichBody::UNIT_RETURN:
    case WhichBody::LEASE_RECALL:
      return 256ull << 10;
    case WhichBody::WORKER_HELLO:
      return 64ull << 10;
    default:
      return 4096;  // control messages: a few small fields
  }
}

Envelope read_envelope(kj::ArrayPtr<const capnp::word> words, RoleSet accepted_senders) {
  // First pass: only the header (version and kind), with a tiny traversal budget.
  capnp::ReaderOptions peek_options;
  peek_options.traversalLimitInWords = 64;
  peek_options.nestingLimit = 4;
  capnp::FlatArrayMessageReader peek(words, peek_options);
  if (peek.getEnd() != words.end()) {
    throw DecodeError("frame has " +
                      std::to_string((words.end() - peek.getEnd()) * sizeof(capnp::word)) +
                      " trailing bytes after the message");
  }
  // Any version is read (fields are only ever appended); whether the receiver talks with a peer
  // of this range is its decision (versions.h).
  auto header = peek.getRoot<wire::Envelope>();
  const WhichBody kind = header.getBody().which();

  capnp::ReaderOptions options;
  // Decoding a legitimate message visits each of its words about once (a pointer is read at
  // most twice), so a traversal far beyond the frame's own size can only be amplification:
  // lists of zero-sized structs (one word charged per element, none sent) or shared pointers.
  // Bounding it by the frame keeps the work and memory of decoding proportional to the bytes
  // received (a 112-byte frame used to claim ~900,000 list elements).
  constexpr uint64_t kVisitsPerWord = 4, kSlackWords = 1024;
  options.traversalLimitInWords =
      std::min<uint64_t>(traversal_limit_words(kind), kVisitsPerWord * words.size() + kSlackWords);
  options.nestingLimit = 16;
  capnp::FlatArrayMessageReader reader(words, options);
  auto root = reader.getRoot<wire::Envelope>();
  Envelope envelope;
  envelope.request_id = root.getRequestId();
  envelope.protocol_version = root.getProtocolVersion();
  envelope.protocol_min = root.getProtocolMin() == 0
                              ? envelope.protocol_version
                              : std::min(root.getProtocolMin(), envelope.protocol_version);
  envelope.body = read_body(root.getBody());
  const Role sender = sender_role(envelope.body);
  if ((accepted_senders & static_cast<RoleSet>(sender)) == 0) {
    throw DecodeError(std::string("message kind ") + kind_name(envelope.body) +
                      " is not accepted from this peer's role");
  }
  return envelope;
}

}  // namespace

void encode_message_into(const Envelope& envelope, const FrameAllocator& allocate) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::Envelope>();
  root.setProtocolVersion(envelope.protocol_version);
  root.setProtocolMin(envelope.protocol_min);
  root.setRequestId(envelope.request_id);
  write_body(root.getBody(), envelope.body);
  const size_t size = capnp::computeSerializedSizeInWords(builder) * sizeof(capnp::word);
  kj::ArrayOutputStream frame(kj::arrayPtr(reinterpret_cast<kj::byte*>(allocate(size)), size));
  capnp::writeMessage(frame, builder);
}

std::vector<uint8_t> encode_message(const Envelope& envelope) {
  std::vector<uint8_t> frame;
  encode_message_into(envelope, [&](size_t size) {
    frame.resize(size);
    return frame.data();
  });
  return frame;
}

Result<Envelope> decode_message(std::span<const uint8_t> frame, RoleSet accepted_senders) {
  if (frame.size() > kMaxFrameBytes) {
    return Error{"frame of " + std::to_string(frame.size()) + " bytes exceeds the limit of " +
                 std::to_string(kMaxFrameBytes)};
  }
  if (frame.empty() || frame.size() % sizeof(capnp::word) != 0) {
    return Error{"frame of " + std::to_string(frame.size()) +
                 " bytes is not a whole number of 8-byte words"};
  }
  // Cap'n Proto reads whole aligned words: a frame is read where it lies when it is aligned
  // (ZeroMQ's own buffer for a message sent over inproc; megabytes, not copied again), and
  // copied into aligned memory when not (a frame received over tcp may start anywhere).
  kj::Array<capnp::word> copy;
  auto words = kj::ArrayPtr<const capnp::word>(reinterpret_cast<const capnp::word*>(frame.data()),
                                               frame.size() / sizeof(capnp::word));
  if (reinterpret_cast<uintptr_t>(frame.data()) % alignof(capnp::word) != 0) {
    copy = kj::heapArray<capnp::word>(words.size());
    std::memcpy(copy.begin(), frame.data(), frame.size());
    words = copy.asPtr();
  }
  try {
    return read_envelope(words, accepted_senders);
  } catch (const kj::Exception& e) {
    return Error{std::string("malformed message: ") + e.getDescription().cStr()};
  } catch (const std::exception& e) {
    return Error{std::string("malformed message: ") + e.what()};
  }
}

}  // namespace tf::proto
