# The tilefarm wire protocol: every message between client, dispatcher and worker.
#
# One ZeroMQ frame carries one Envelope. Each message kind has exactly one role allowed to send
# it (codec: sender_role_of); a message arriving from another role is rejected. Hashes are
# BLAKE2b-256 digests (32 bytes). Pixel data is float32 little-endian, RGB interleaved,
# row-major.
#
# Compatibility: ordinals are never reused; a new kind gets a new ordinal and bumps
# protocolVersion only when old peers must refuse it.
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
    statusRequest @15 :JobRef;
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
  }
}

struct DeviceOffer {
  backend @0 :Text;
  index @1 :Int32;
  name @2 :Text;
  memoryBytes @3 :UInt64;
  computeUnits @4 :UInt32;
  kernelVersion @5 :Text;
  slots @6 :UInt32;  # units this device keeps in flight
}

struct WorkerHello {
  workerName @0 :Text;
  devices @1 :List(DeviceOffer);
  heldLeases @2 :List(UInt64);  # every lease the worker still holds (queued, running, unsent)
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
  replica @12 :UInt32;   # seam for result verification: which replica of the unit this is
  leaseSeconds @13 :UInt32;
}

struct LeaseGrant {
  units @0 :List(RenderUnitSpec);
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
}

struct UnitFailure {
  leaseId @0 :UInt64;
  unitId @1 :UInt64;
  message @2 :Text;
}

struct UnitReturn {
  leaseIds @0 :List(UInt64);
  leaving @1 :Bool;      # the worker is shutting down: forget it after this
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
}

struct JobRef {
  jobId @0 :UInt64;      # 0 in statusRequest: every job
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
}

struct StatusReply {
  jobs @0 :List(JobStatus);
}

struct OutputFile {
  name @0 :Text;
  hash @1 :Data;
  size @2 :UInt64;
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
}

struct ErrorReply {
  code @0 :ErrorCode;
  message @1 :Text;
}
