// The messages of the tilefarm protocol as plain C++ values (formats/protocol/protocol.capnp is
// the wire form; codec.h converts). Everything that crosses a process boundary between client,
// dispatcher and worker is one of the Body alternatives below.
//
// Roles: each message kind has exactly one sender role (sender_role). Receivers decode with the
// set of roles they accept, so a worker cannot submit jobs and a client cannot return results.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "formats/hash/hash.h"
#include "formats/protocol/result_hash.h"
#include "formats/protocol/trust_messages.h"

namespace tf::proto {

// The protocol version of this build, bumped with every release that changes the wire (see
// protocol.capnp and versions.h). 1: releases before version ranges; 2: version ranges, idle
// pauses, draining, kernel version lists; 3: rendering to quality (SubmitJob's noise target,
// spp bounds and deadline, JobStatus's tile counts), which a dispatcher of version 2 would
// ignore, rendering the job's first round alone; 4: ResultBatch, several results in one
// message, which a dispatcher of version 3 could not decode; 5: LeaseRecall, which a worker
// of version 4 could not decode.
inline constexpr uint32_t kProtocolVersion = 5;
// The first version whose peers read ResultBatch: a worker batches results only to a
// dispatcher that answers in it or a later one.
inline constexpr uint32_t kResultBatchVersion = 4;
// The first version whose workers read LeaseRecall: the dispatcher recalls leases only from
// workers that speak it or a later one.
inline constexpr uint32_t kLeaseRecallVersion = 5;

// The largest blob (scene asset, output file) one message carries, and the largest frame.
inline constexpr uint64_t kMaxBlobBytes = 128ull << 20;
inline constexpr uint64_t kMaxFrameBytes = kMaxBlobBytes + (64u << 10);
// The largest tile a unit may cover (pixels), which bounds a result message.
inline constexpr uint64_t kMaxTilePixels = 1024ull * 1024ull;
// A ResultBatch holds at most this many results, whose values (rgb, observations) add up to
// at most kMaxBatchValueBytes; a larger result travels alone as a UnitResult.
inline constexpr uint64_t kMaxResultsPerBatch = 256;
inline constexpr uint64_t kMaxBatchValueBytes = 1ull << 20;

enum class Role : uint8_t { kWorker = 1, kDispatcher = 2, kClient = 4 };
using RoleSet = uint8_t;  // bitwise OR of Role values
constexpr RoleSet roles(Role a) { return static_cast<RoleSet>(a); }
constexpr RoleSet roles(Role a, Role b) { return roles(a) | roles(b); }

// ---- worker -> dispatcher
struct DeviceOffer {
  std::string backend;
  int32_t index = 0;
  std::string name;
  uint64_t memory_bytes = 0;
  uint32_t compute_units = 0;
  std::string kernel_version;  // the device's preferred (newest) version
  uint32_t slots = 0;  // units this device keeps in flight
  // Every version the device runs; empty (an older worker's hello): kernel_version alone.
  std::vector<std::string> kernel_versions;
  // The versions it runs: kernel_versions plus kernel_version (when not empty).
  std::vector<std::string> runs() const {
    std::vector<std::string> all = kernel_versions;
    if (!kernel_version.empty() &&
        std::find(all.begin(), all.end(), kernel_version) == all.end()) {
      all.push_back(kernel_version);
    }
    return all;
  }
  bool operator==(const DeviceOffer&) const = default;
};
struct WorkerHello {
  std::string worker_name;
  std::vector<DeviceOffer> devices;
  // Every lease the worker still holds: queued, running, or finished with the result not yet
  // sent. The dispatcher requeues the worker's other leases (their grants or results were lost
  // with a connection or a dispatcher restart).
  std::vector<uint64_t> held_leases;
  // The owner's public key (empty: the worker's own key). Replicas of one unit go to distinct
  // owners as well as distinct worker keys.
  std::string owner;
  // Whether it hashes results by tree (ResultHashScheme::kTree); false from an earlier release.
  bool tree_hashes = false;
  // The recipe by which it makes runs' initial states (formats/sim/initial_state.h); 0 when it
  // makes none (an earlier release).
  uint32_t initial_states = 0;
  bool operator==(const WorkerHello&) const = default;
};
struct WorkerHeartbeat {
  bool operator==(const WorkerHeartbeat&) const = default;
};
// A hash-only result (the grant's upload_bytes was false) has an empty rgb; width, height,
// rays and result_hash are always set.
struct UnitResult {
  uint64_t lease_id = 0;
  uint64_t unit_id = 0;
  std::string kernel_version;
  uint32_t width = 0, height = 0;
  std::vector<float> rgb;  // width * height * 3 per-pixel sums
  uint64_t rays = 0;
  Hash256 result_hash;     // result_hash(rgb, rays), see result_hash.h
  // A simulation unit's result: rgb holds width (cells) * height (components) field values
  // (formats/sim/sim_unit.h) and rays the cells updated.
  bool simulation = false;
  // A simulation unit's observations (formats/sim/sim_unit.h) and the hash of its fields
  // alone (result_hash(rgb, rays)); result_hash is then observed_result_hash(fields_hash,
  // observations). Both empty for units that record none.
  std::vector<uint8_t> observations = {};
  Hash256 fields_hash = {};
  bool operator==(const UnitResult&) const = default;
};
// The bytes of a result's values, which kMaxBatchValueBytes bounds per batch.
inline uint64_t value_bytes(const UnitResult& r) {
  return r.rgb.size() * sizeof(float) + r.observations.size();
}
// Several results of one worker, each taken exactly as if it had come alone.
struct ResultBatch {
  std::vector<UnitResult> results;
  bool operator==(const ResultBatch&) const = default;
};
struct UnitFailure {
  uint64_t lease_id = 0;
  uint64_t unit_id = 0;
  std::string message;
  bool operator==(const UnitFailure&) const = default;
};
struct UnitReturn {
  std::vector<uint64_t> lease_ids;  // leases handed back unfinished
  bool leaving = false;             // the worker shuts down after this
  // The worker's machine is busy (worker/idle_policy.h): lease it nothing until its next
  // WorkerHello. Its running units still finish and their results come as usual.
  bool pausing = false;
  // The worker drains before it leaves: lease it nothing more (as pausing); its running units
  // still finish and their results come as usual, then a return with `leaving`.
  bool draining = false;
  bool operator==(const UnitReturn&) const = default;
};
// The dispatcher asks for leases back whose units the worker has not started: it answers with
// a UnitReturn of those it took out of its queue and keeps the others.
struct LeaseRecall {
  std::vector<uint64_t> lease_ids;
  bool operator==(const LeaseRecall&) const = default;
};
struct BlobRequest {
  Hash256 hash;
  bool operator==(const BlobRequest&) const = default;
};

// ---- dispatcher -> worker
struct RenderUnitSpec {
  uint64_t lease_id = 0;
  uint64_t unit_id = 0;
  uint64_t job_id = 0;
  Hash256 bundle;          // bundle id; the manifest's canonical bytes are a blob by that hash
  std::string scene_path;  // this frame's scene file, relative to the bundle root
  uint32_t frame = 0;
  uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  uint32_t s0 = 0, s1 = 0;
  uint32_t replica = 0;    // which replica of the unit (0 = the first leased)
  uint32_t lease_seconds = 0;
  // True: send the result with its rgb bytes; false: hash only, keeping the bytes for a
  // ResultBytesRequest.
  bool upload_bytes = true;
  bool lenient = false;  // load the scene leniently (SubmitJob::lenient)
  bool operator==(const RenderUnitSpec&) const = default;
};
// Advance box [x0, x1) x [y0, y1) x [z0, z1) of the whole-domain state whose canonical bytes
// (formats/sim/sim_unit.h) are the blob `state` by `steps` steps.
struct SimUnitSpec {
  uint64_t lease_id = 0;
  uint64_t unit_id = 0;
  uint64_t job_id = 0;
  Hash256 state;
  uint32_t run = 0;   // which run of the batch
  uint64_t step = 0;  // the step `state` is at
  uint32_t steps = 0;
  uint32_t x0 = 0, y0 = 0, z0 = 0, x1 = 0, y1 = 0, z1 = 0;
  uint32_t replica = 0;
  uint32_t lease_seconds = 0;
  bool upload_bytes = true;  // as RenderUnitSpec::upload_bytes
  // A whole-domain unit of a run whose state stays on workers between the dispatcher's copies
  // (DESIGN.md "Work units") starts replay_steps after `step`, from the state that the result
  // hash `head` names: the output of the chunk that ended there, held by the workers that ran
  // it. Any other worker advances `state` replay_steps steps itself (in pieces of `steps`).
  std::optional<Hash256> head;
  uint32_t replay_steps = 0;
  // The steps of the run's next chunk when it is a whole-domain unit that starts from this
  // unit's output (0: none): a worker with nothing else to do may compute it ahead.
  uint32_t next_steps = 0;
  bool by_hash_alone = false;  // accepted by its hash alone: its bytes are never asked for
  // The steps of the chunk after the next one, when it too is a whole-domain unit starting from
  // the one before (0: none). Not said (nullopt) by a dispatcher of an earlier release.
  std::optional<uint32_t> after_next_steps;
  // How the result is hashed: its job's scheme, so that every replica hashes alike.
  ResultHashScheme result_hash = ResultHashScheme::kSequential;
  // Set: `state` is no blob but run `run`'s initial state, made from the batch whose text is
  // this blob (formats/sim/initial_state.h).
  std::optional<Hash256> batch;
  bool operator==(const SimUnitSpec&) const = default;
};
struct LeaseGrant {
  std::vector<RenderUnitSpec> units;
  std::vector<SimUnitSpec> sim_units{};
  bool operator==(const LeaseGrant&) const = default;
};
struct DispatcherHeartbeat {
  bool operator==(const DispatcherHeartbeat&) const = default;
};
struct BlobReply {
  Hash256 hash;
  bool found = false;
  std::vector<uint8_t> bytes;
  bool operator==(const BlobReply&) const = default;
};
// The dispatcher does not know this worker (it restarted, or declared the worker dead):
// the worker must send WorkerHello again.
struct HelloRequired {
  bool operator==(const HelloRequired&) const = default;
};

// The dispatcher asks a replica that reported by hash only for its result bytes; the worker
// answers with a UnitResult for the same lease carrying rgb (or not at all if it lost them).
struct ResultBytesRequest {
  uint64_t lease_id = 0;
  uint64_t unit_id = 0;
  bool operator==(const ResultBytesRequest&) const = default;
};

// ---- client -> dispatcher
struct MissingBlobsRequest {
  std::vector<Hash256> hashes;
  bool operator==(const MissingBlobsRequest&) const = default;
};
struct BlobUpload {
  Hash256 hash;
  std::vector<uint8_t> bytes;
  bool operator==(const BlobUpload&) const = default;
};
struct FrameSpec {
  uint32_t frame = 0;
  std::string scene_path;
  uint32_t width = 0, height = 0;
  bool operator==(const FrameSpec&) const = default;
};
struct NamedBlob {
  std::string name;
  Hash256 hash;
  bool operator==(const NamedBlob&) const = default;
};
struct SubmitJob {
  std::string name;
  Hash256 bundle;
  std::vector<FrameSpec> frames;
  uint32_t tile_size = 0;
  uint32_t spp = 0;
  uint32_t samples_per_unit = 0;
  int32_t priority = 0;
  // Verification: replicas per unit (distinct worker keys and owners), agreeing hashes needed
  // to accept, and the most replicas a unit may use (0: replication + 3).
  uint32_t replication = 2;
  uint32_t quorum = 2;
  uint32_t max_replicas = 0;
  // Load scenes leniently: unsupported constructs approximated with a warning, not an error.
  bool lenient = false;
  // A simulation batch instead of frames (bundle and frames unused): the TOML text, the name
  // its errors cite, and overrides of the chunk length K and the tile side (0: chosen by the
  // dispatcher, dispatcher/sim_plan.h).
  std::string sim_batch{};
  std::string sim_source{};
  uint32_t sim_chunk_steps = 0;
  uint32_t sim_tile = 0;
  // Files the batch names (mask images, by the name written in it), uploaded as blobs first.
  std::vector<NamedBlob> sim_files{};
  // Rendering to quality (dispatcher/refinement.h): the relative error per tile to reach, the
  // first round's samples, the cap and the seconds after submission when no new round starts
  // (0: not given; neither a target nor a deadline: `spp` samples as before).
  double noise_target = 0;
  uint32_t min_spp = 0, max_spp = 0;
  uint64_t deadline_seconds = 0;
  bool operator==(const SubmitJob&) const = default;
};
struct StatusRequest {
  uint64_t job_id = 0;  // 0: every job
  // A long poll: the dispatcher answers when the job is no longer queued or running, or when
  // this many milliseconds have passed, whichever is first (at most kMaxStatusWaitMs; 0, every
  // job, or a job already ended: at once). A dispatcher of an earlier release answers at once.
  uint32_t wait_ms = 0;
  bool operator==(const StatusRequest&) const = default;
};
inline constexpr uint32_t kMaxStatusWaitMs = 2000;
struct CancelRequest {
  uint64_t job_id = 0;
  bool operator==(const CancelRequest&) const = default;
};
// Re-runs the units of a finished render job whose acceptance rested on keys quarantined since
// (JobStatus::affected_frames); answered with Ack, the job running again.
struct ResubmitRequest {
  uint64_t job_id = 0;
  bool operator==(const ResubmitRequest&) const = default;
};
struct OutputsRequest {
  uint64_t job_id = 0;
  bool operator==(const OutputsRequest&) const = default;
};
struct OutputFetch {
  Hash256 hash;
  bool operator==(const OutputFetch&) const = default;
};

// ---- dispatcher -> client
struct MissingBlobsReply {
  std::vector<Hash256> hashes;
  bool operator==(const MissingBlobsReply&) const = default;
};
struct Ack {
  bool operator==(const Ack&) const = default;
};
struct SubmitReply {
  uint64_t job_id = 0;
  bool operator==(const SubmitReply&) const = default;
};
enum class JobState : uint8_t { kQueued, kRunning, kDone, kFailed, kCancelled, kUnknown };
// Queued or running: the job has not ended (done, failed or cancelled) and may still change.
constexpr bool job_active(JobState state) {
  return state == JobState::kQueued || state == JobState::kRunning;
}
struct JobStatus {
  uint64_t job_id = 0;
  std::string name;
  JobState state = JobState::kQueued;
  int32_t priority = 0;
  uint64_t units_done = 0, units_total = 0;
  uint32_t frames_done = 0, frames_total = 0;
  std::string message;  // why a job failed
  bool simulation = false;  // a simulation batch: frames are its runs
  // Frames (runs) with accepted units that rested on keys quarantined after the job finished:
  // possibly wrong until resubmitted (ResubmitRequest).
  std::vector<uint32_t> affected_frames = {};
  // Fair share between clients (dispatcher/scheduler.h): the submitting key (empty on a local
  // socket), the job's units leased now, all units leased now, the clients sharing the workers.
  std::string client = {};
  uint64_t units_in_flight = 0, farm_in_flight = 0;
  uint32_t active_clients = 0;
  // Rendering to quality: tiles done and still refining, and the range of the tiles' planned
  // samples (all 0 for other jobs).
  uint32_t tiles_converged = 0, tiles_refining = 0;
  uint32_t spp_min = 0, spp_max = 0;
  bool operator==(const JobStatus&) const = default;
};
struct StatusReply {
  std::vector<JobStatus> jobs;
  bool operator==(const StatusReply&) const = default;
};
struct OutputFile {
  std::string name;  // e.g. "frame_0001.exr"
  Hash256 hash;
  uint64_t size = 0;
  // A render frame's files: the kernel version its units ran (the frame's pin); else empty.
  std::string kernel_version;
  bool operator==(const OutputFile&) const = default;
};
struct OutputsReply {
  uint64_t job_id = 0;
  std::vector<OutputFile> files;
  bool operator==(const OutputsReply&) const = default;
};
struct OutputData {
  Hash256 hash;
  bool found = false;
  std::vector<uint8_t> bytes;
  bool operator==(const OutputData&) const = default;
};
enum class ErrorCode : uint8_t {
  kBadRequest,
  kNotFound,
  kConflict,
  kInternal,
  kUnsupportedVersion  // versions.h: the peers share no protocol version
};
struct ErrorReply {
  ErrorCode code = ErrorCode::kBadRequest;
  std::string message;
  bool operator==(const ErrorReply&) const = default;
};

// Alternatives in the order of the Envelope union's ordinals.
using Body = std::variant<WorkerHello, WorkerHeartbeat, UnitResult, UnitFailure, UnitReturn,
                          BlobRequest, LeaseGrant, DispatcherHeartbeat, BlobReply, HelloRequired,
                          MissingBlobsRequest, BlobUpload, SubmitJob, StatusRequest,
                          CancelRequest, OutputsRequest, OutputFetch, MissingBlobsReply, Ack,
                          SubmitReply, StatusReply, OutputsReply, OutputData, ErrorReply,
                          ResultBytesRequest, TrustQuery, TrustReply, ResubmitRequest,
                          ResultBatch, LeaseRecall>;

struct Envelope {
  uint64_t request_id = 0;  // chosen by a client, echoed in the reply; 0 when unsolicited
  Body body;
  // The versions the sender speaks (decoded from the wire; encode_message writes them).
  uint32_t protocol_version = kProtocolVersion;
  uint32_t protocol_min = kProtocolVersion;
  bool operator==(const Envelope&) const = default;
};

// The only role allowed to send a message of this kind.
Role sender_role(const Body& body);
// Short name of the message kind for logs ("unitResult").
const char* kind_name(const Body& body);
const char* job_state_name(JobState state);

}  // namespace tf::proto
