# The tilefarm wire protocol: every message between client, dispatcher and worker.
#
# One ZeroMQ frame carries one Envelope. Each message kind has exactly one role allowed to send
# it (codec: sender_role_of); a message arriving from another role is rejected. Hashes are
# BLAKE2b-256 digests (32 bytes). Pixel data is float32 little-endian, RGB interleaved,
# row-major.
#
# Compatibility: ordinals are never reused; fields and kinds are only appended, so that every
# release reads the previous release's messages and the previous release reads ours (unknown
# fields are skipped). Each envelope says the range of protocol versions its sender speaks
# (protocolMin..protocolVersion); two peers talk the highest version both speak, and a peer
# whose range does not meet the dispatcher's gets an ErrorReply unsupportedVersion naming both
# (versions.h). protocolVersion is bumped with every release that changes the wire.
@0xaba7a646f5b80e8b;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tf::wire");

struct Envelope {
  protocolVersion @0 :UInt32;
  # Chosen by a client, echoed by the dispatcher's reply; 0 for unsolicited messages.
  requestId @1 :UInt64;
  body :union {
    # worker -> dispatcher
    workerHello @2 :WorkerHello;
    workerHeartbeat @3 :Void;
    unitResult @4 :UnitResult;
    unitFailure @5 :UnitFailure;
    unitReturn @6 :UnitReturn;
    blobRequest @7 :BlobRequest;
    # dispatcher -> worker
    leaseGrant @8 :LeaseGrant;
    dispatcherHeartbeat @9 :Void;
    blobReply @10 :BlobReply;
    helloRequired @11 :Void;
    # client -> dispatcher
    missingBlobsRequest @12 :HashList;
    blobUpload @13 :BlobUpload;
    submitJob @14 :SubmitJob;
    statusRequest @15 :StatusRequest;
    cancelRequest @16 :JobRef;
    outputsRequest @17 :JobRef;
    outputFetch @18 :BlobRequest;
    # dispatcher -> client
    missingBlobsReply @19 :HashList;
    ack @20 :Void;
    submitReply @21 :JobRef;
    statusReply @22 :StatusReply;
    outputsReply @23 :OutputsReply;
    outputData @24 :BlobReply;
    errorReply @25 :ErrorReply;
    # dispatcher -> worker
    resultBytesRequest @26 :ResultBytesRequest;
    # client -> dispatcher, dispatcher -> client: credits, reputation, the signed ledger
    trustQuery @27 :TrustQuery;
    trustReply @28 :TrustReply;
    # client -> dispatcher: re-run the units of a finished job that rested on quarantined keys
    resubmitRequest @29 :JobRef;
    # worker -> dispatcher (protocol version 4): the results a fast device finished within one
    # batch interval, in one message instead of one each (worker.h, result batches). Sent only
    # to a dispatcher that answered in version 4 or later.
    resultBatch @31 :ResultBatch;
    # dispatcher -> worker (protocol version 5): hand back these leases if their units have not
    # started (the end of a queue, balanced across devices: dispatcher_core.h, recalls). Sent
    # only to a worker that speaks version 5 or later.
    leaseRecall @32 :LeaseRecall;
  }
  # The oldest version the sender speaks; 0: only protocolVersion (releases before ranges).
  protocolMin @30 :UInt32;
}

struct DeviceOffer {
  backend @0 :Text;
  index @1 :Int32;
  name @2 :Text;
  memoryBytes @3 :UInt64;
  computeUnits @4 :UInt32;
  kernelVersion @5 :Text;  # the device's preferred (newest) kernel version
  slots @6 :UInt32;  # units this device keeps in flight
  # Every kernel version the device runs, kernelVersion among them. Absent (an older worker):
  # kernelVersion alone.
  kernelVersions @7 :List(Text);
}

struct WorkerHello {
  workerName @0 :Text;
  devices @1 :List(DeviceOffer);
  heldLeases @2 :List(UInt64);  # every lease the worker still holds (queued, running, unsent)
  # The public key of the person or organisation running this worker (Z85, as the worker's
  # own key); empty: the worker's own key. Replicas of one unit never go to one owner.
  owner @3 :Text;
  # Whether the worker hashes results by BLAKE2b tree (SimUnitSpec.resultHash 1). False from a
  # worker of an earlier release: it is granted no unit of a job whose results are so hashed.
  treeHashes @4 :Bool;
  # The recipe by which the worker makes a run's initial state from its batch's text
  # (formats/sim/initial_state.h kInitialStateRecipe; 0 from a worker of an earlier release):
  # only a worker of the dispatcher's recipe is granted units that name a made state.
  initialStates @5 :UInt32;
}

struct RenderUnitSpec {
  leaseId @0 :UInt64;
  unitId @1 :UInt64;
  jobId @2 :UInt64;
  bundle @3 :Data;       # bundle id: hash of the manifest's canonical bytes (itself a blob)
  scenePath @4 :Text;    # relative path of this frame's scene file inside the bundle
  frame @5 :UInt32;
  x0 @6 :UInt32;
  y0 @7 :UInt32;
  x1 @8 :UInt32;
  y1 @9 :UInt32;
  s0 @10 :UInt32;
  s1 @11 :UInt32;
  replica @12 :UInt32;   # which replica of the unit this is (0 = the first leased)
  leaseSeconds @13 :UInt32;
  # True: the result carries the rgb bytes. False: it carries only width, height, rays and
  # resultHash (empty rgb); the worker keeps the bytes for a later ResultBytesRequest.
  uploadBytes @14 :Bool;
  lenient @15 :Bool;     # load the scene leniently (SubmitJob.lenient)
}

# A simulation unit (formats/sim/sim_unit.h): advance box [x0,x1)x[y0,y1)x[z0,z1) of the
# whole-domain state `state` (a blob: its canonical bytes) by `steps` steps from step `step`.
struct SimUnitSpec {
  leaseId @0 :UInt64;
  unitId @1 :UInt64;
  jobId @2 :UInt64;
  state @3 :Data;
  run @4 :UInt32;        # which run of the batch (for logs)
  step @5 :UInt64;       # the step `state` is at
  steps @6 :UInt32;
  x0 @7 :UInt32;
  y0 @8 :UInt32;
  z0 @9 :UInt32;
  x1 @10 :UInt32;
  y1 @11 :UInt32;
  z1 @12 :UInt32;
  replica @13 :UInt32;
  leaseSeconds @14 :UInt32;
  uploadBytes @15 :Bool;  # as RenderUnitSpec.uploadBytes
  # A whole-domain unit may start after `state`'s step: at step + replaySteps. `head` names the
  # state there by the result hash of the chunk that ended there; a worker that ran that chunk
  # holds it; any other advances `state` replaySteps steps itself (empty: no replay).
  head @16 :Data;
  replaySteps @17 :UInt32;
  # The steps of the run's next chunk when it is a whole-domain unit that starts from this
  # unit's output (0: none): a worker with nothing else to do may compute it ahead.
  nextSteps @18 :UInt32;
  # The dispatcher accepts this unit by its hash alone and never asks for its bytes.
  byHashAlone @19 :Bool;
  # The steps of the chunk after the next one, when it too is a whole-domain unit that starts
  # from the one before (0: none, the run ends or its tiles change there). The default,
  # 0xFFFFFFFF, is what a dispatcher of an earlier release sends: not said, so a worker that
  # computes two chunks ahead guesses the second as long as the first.
  afterNextSteps @20 :UInt32 = 0xFFFFFFFF;
  # How the result's canonical bytes are hashed (result_hash.h ResultHashScheme): 0 BLAKE2b-256
  # of the bytes (what a dispatcher of an earlier release means), 1 the BLAKE2b tree of them.
  resultHash @21 :UInt8;
  # When set, `state` is not a blob: it is the initial state of run `run` made from the batch
  # whose TOML text is this blob (formats/sim/initial_state.h), named
  # initial_state_name(batch, run). Empty: `state` is a blob.
  batch @22 :Data;
}

struct LeaseGrant {
  units @0 :List(RenderUnitSpec);
  simUnits @1 :List(SimUnitSpec);
}

struct UnitResult {
  leaseId @0 :UInt64;
  unitId @1 :UInt64;
  kernelVersion @2 :Text;
  width @3 :UInt32;
  height @4 :UInt32;
  rgb @5 :Data;          # width * height * 3 float32 LE per-pixel sums
  rays @6 :UInt64;
  resultHash @7 :Data;   # BLAKE2b-256 of rgb bytes then rays as u64 LE
  # A simulation unit's result: rgb holds the box's fields (width = cells, height =
  # components, component-major: formats/sim/sim_unit.h) and rays the cells updated.
  simulation @8 :Bool;
  # A simulation unit that records observables (forces, probes: formats/sim/sim_unit.h) sends
  # them, always, with the hash of its fields alone; resultHash then binds both
  # (formats/protocol/result_hash.h, observed_result_hash). Empty otherwise.
  observations @9 :Data;
  fieldsHash @10 :Data;
}

# Results taken one by one, exactly as if each had come in its own UnitResult message. At most
# kMaxResultsPerBatch (messages.h) results.
struct ResultBatch {
  results @0 :List(UnitResult);
}

# The dispatcher needs the bytes of a result this worker reported by hash only (the replica
# that uploaded them disagreed, or its copy was lost): the worker answers with an ordinary
# UnitResult for the same lease carrying rgb, or with nothing if it no longer has them.
struct ResultBytesRequest {
  leaseId @0 :UInt64;
  unitId @1 :UInt64;
}

struct UnitFailure {
  leaseId @0 :UInt64;
  unitId @1 :UInt64;
  message @2 :Text;
}

struct UnitReturn {
  leaseIds @0 :List(UInt64);
  leaving @1 :Bool;      # the worker is shutting down: forget it after this
  pausing @2 :Bool;      # its machine is busy: lease it nothing until its next hello
  # The worker drains before it leaves (tilefarm worker --drain-timeout): lease it nothing
  # more; its running leases stay open and their results count as usual. A UnitReturn with
  # leaving follows when they are done or the drain timed out.
  draining @3 :Bool;
}

struct LeaseRecall {
  # The worker answers with a UnitReturn of those it took out of its queue (none: no answer);
  # a unit already running or finished stays with it and its result counts as usual.
  leaseIds @0 :List(UInt64);
}

struct BlobRequest {
  hash @0 :Data;
}

struct BlobReply {
  hash @0 :Data;
  found @1 :Bool;
  bytes @2 :Data;
}

struct HashList {
  hashes @0 :List(Data);
}

struct BlobUpload {
  hash @0 :Data;
  bytes @1 :Data;
}

struct FrameSpec {
  frame @0 :UInt32;
  scenePath @1 :Text;
  width @2 :UInt32;
  height @3 :UInt32;
}

struct SubmitJob {
  name @0 :Text;
  bundle @1 :Data;
  frames @2 :List(FrameSpec);
  tileSize @3 :UInt32;
  spp @4 :UInt32;
  samplesPerUnit @5 :UInt32;
  priority @6 :Int32;
  # Verification (DESIGN.md): each unit goes to `replication` distinct worker keys and owners
  # and is accepted when `quorum` result hashes agree; disagreement sends more replicas, at
  # most `maxReplicas` in all (0: replication + 3).
  replication @7 :UInt32 = 2;
  quorum @8 :UInt32 = 2;
  maxReplicas @9 :UInt32;
  # Load scenes leniently: unsupported constructs are approximated with a logged warning
  # instead of failing the job (formats/scene/load.h).
  lenient @10 :Bool;
  # A simulation batch instead of frames: the batch file's TOML text (formats/sim/batch_spec.h)
  # and the name errors cite. simChunkSteps (K) and simTile (cells per tile side) override the
  # dispatcher's choice when not 0.
  simBatch @11 :Text;
  simSource @12 :Text;
  simChunkSteps @13 :UInt32;
  simTile @14 :UInt32;
  # Files the batch names (mask obstacle images), uploaded as blobs before the submission.
  simFiles @15 :List(NamedBlob);
  # Rendering to quality (dispatcher/refinement.h): refine each tile in rounds from minSpp
  # samples until its relative error estimate is at most noiseTarget, it has maxSpp samples, or
  # deadlineSeconds after submission have passed (0 and 0: a job of `spp` samples, as before).
  # Protocol version 3: a dispatcher that predates these fields does not serve this client.
  noiseTarget @16 :Float64;
  minSpp @17 :UInt32;
  maxSpp @18 :UInt32;
  deadlineSeconds @19 :UInt64;
}

struct NamedBlob {
  name @0 :Text;
  hash @1 :Data;
}

struct JobRef {
  jobId @0 :UInt64;
}

# A JobRef with a wait (messages.h StatusRequest): statusRequest was a JobRef before, and a
# JobRef reads as one of these with no wait, and this as a JobRef, so either release reads the
# other's.
struct StatusRequest {
  jobId @0 :UInt64;      # 0: every job
  waitMs @1 :UInt32;     # answer when the job ends or after this long; 0: at once
}

enum JobState {
  queued @0;
  running @1;
  done @2;
  failed @3;
  cancelled @4;
}

struct JobStatus {
  jobId @0 :UInt64;
  name @1 :Text;
  state @2 :JobState;
  priority @3 :Int32;
  unitsDone @4 :UInt64;
  unitsTotal @5 :UInt64;
  framesDone @6 :UInt32;
  framesTotal @7 :UInt32;
  message @8 :Text;
  simulation @9 :Bool;   # a simulation batch: its frames are runs
  affectedFrames @10 :List(UInt32);  # frames (runs) with units that rested on quarantined keys
  # Fair share (dispatcher/scheduler.h): the key that submitted the job, its units leased now,
  # all units leased now, and the clients sharing the workers now.
  client @11 :Text;
  unitsInFlight @12 :UInt64;
  farmInFlight @13 :UInt64;
  activeClients @14 :UInt32;
  # Rendering to quality: tiles done (converged, capped or past the deadline), tiles still
  # refining, and the least and most samples a tile has planned now (all 0 for other jobs).
  tilesConverged @15 :UInt32;
  tilesRefining @16 :UInt32;
  sppMin @17 :UInt32;
  sppMax @18 :UInt32;
}

struct StatusReply {
  jobs @0 :List(JobStatus);
}

struct OutputFile {
  name @0 :Text;
  hash @1 :Data;
  size @2 :UInt64;
  # The kernel version that produced a render frame's file (its frame's pin); empty for other
  # files and for files of earlier dispatchers.
  kernelVersion @3 :Text;
}

struct OutputsReply {
  jobId @0 :UInt64;
  files @1 :List(OutputFile);
}

enum ErrorCode {
  badRequest @0;
  notFound @1;
  conflict @2;
  internal @3;
  unsupportedVersion @4;  # the peer's protocol versions and the dispatcher's do not meet
}

struct ErrorReply {
  code @0 :ErrorCode;
  message @1 :Text;
}

# Trust queries (formats/protocol/trust_messages.h): credit totals, per-worker reputation and
# pages of the signed credit ledger (dispatcher/ledger.h).
enum TrustTopic {
  unknown @0;
  credits @1;
  workers @2;
  ledger @3;
}

struct TrustQuery {
  topic @0 :TrustTopic;
  offset @1 :UInt64;     # ledger: first entry of the page (0-based)
  limit @2 :UInt32;      # ledger: entries per page (0: the dispatcher's cap)
}

struct CreditRow {
  workerKey @0 :Text;
  name @1 :Text;
  credit @2 :UInt64;
  acceptedUnits @3 :UInt64;
}

struct WorkerTrustRow {
  key @0 :Text;
  name @1 :Text;
  owner @2 :Text;
  credit @3 :UInt64;
  acceptedUnits @4 :UInt64;
  valid @5 :UInt64;
  invalid @6 :UInt64;
  errors @7 :UInt64;
  timedOut @8 :UInt64;
  malformed @9 :UInt64;
  consecutiveValid @10 :UInt64;
  quarantined @11 :Bool;
  quarantineReason @12 :Text;
}

struct LedgerRow {
  seq @0 :UInt64;
  timeMs @1 :Int64;
  workerKey @2 :Text;
  jobId @3 :UInt64;
  unitId @4 :UInt64;
  result @5 :Data;
  credit @6 :UInt64;
  prevHash @7 :Data;
  entryHash @8 :Data;
  signature @9 :Data;
  reversal @10 :Bool;  # a reversal entry (dispatcher/ledger.h); false for a grant
}

struct TrustReply {
  topic @0 :TrustTopic;
  credits @1 :List(CreditRow);
  workers @2 :List(WorkerTrustRow);
  ledger @3 :List(LedgerRow);
  ledgerTotal @4 :UInt64;
  ledgerPublicKey @5 :Data;
}
