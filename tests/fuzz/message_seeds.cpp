// Writes seed frames for the message decoder fuzzer: `fuzz_message_seeds <folder>` encodes
// one message of every kind in proto::Body with default fields (so a kind added to the
// schema is covered without touching this file), plus one message of each kind that has
// lists, strings or bytes with those filled in. Files are named "<index>_<kind>[_filled].bin".
// Fails (exit 1) if any message does not decode back to the value that was encoded.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "formats/hash/hash.h"
#include "formats/protocol/codec.h"

namespace {

namespace proto = tf::proto;

template <size_t... I>
std::vector<proto::Body> one_default_of_each_kind(std::index_sequence<I...>) {
  return {proto::Body{std::in_place_index<I>}...};
}

// Messages with every list, string and byte field non-empty, for the kinds that have them.
// Fields are assigned one by one, so that a field added to a message keeps its default here.
std::vector<proto::Body> filled_messages() {
  const tf::Hash256 h = tf::blake2b_256(std::string_view("tilefarm fuzz seed"));
  proto::DeviceOffer device;
  device.backend = "cpu";
  device.name = "seed cpu";
  device.memory_bytes = 1u << 30;
  device.compute_units = 8;
  device.kernel_version = "render-1";
  device.slots = 2;
  device.kernel_versions = {"render-1", "render-0"};
  proto::WorkerHello hello;
  hello.worker_name = "seed worker";
  hello.devices = {device, device};
  hello.held_leases = {7, 8};
  hello.owner = "seed owner";

  proto::UnitResult result;
  result.lease_id = 7;
  result.unit_id = 8;
  result.kernel_version = "render-1";
  result.width = 2;
  result.height = 1;
  result.rgb = {0.5f, 1.0f, 2.0f, 0.0f, 0.25f, 4.0f};
  result.rays = 100;
  result.result_hash = h;

  proto::RenderUnitSpec unit;
  unit.lease_id = 7;
  unit.unit_id = 8;
  unit.job_id = 9;
  unit.bundle = h;
  unit.scene_path = "scene.pbrt";
  unit.frame = 1;
  unit.x1 = unit.y1 = 16;
  unit.s1 = 4;
  unit.replica = 1;
  unit.lease_seconds = 60;
  unit.upload_bytes = false;

  proto::FrameSpec frame;
  frame.frame = 1;
  frame.scene_path = "scene.pbrt";
  frame.width = 64;
  frame.height = 48;
  proto::SubmitJob submit;
  submit.name = "job";
  submit.bundle = h;
  submit.frames = {frame, frame};
  submit.tile_size = 16;
  submit.spp = 4;
  submit.samples_per_unit = 2;
  submit.priority = -1;
  submit.replication = 3;
  submit.quorum = 2;
  submit.max_replicas = 5;

  proto::JobStatus job;
  job.job_id = 9;
  job.name = "job";
  job.state = proto::JobState::kRunning;
  job.units_done = 5;
  job.units_total = 10;
  job.frames_total = 2;
  job.message = "half way";
  job.affected_frames = {1, 2};

  proto::TrustReply trust;
  trust.topic = proto::TrustTopic::kLedger;
  trust.credits = {proto::CreditRow{"worker key", "seed worker", 12, 3}};
  proto::WorkerTrustRow worker;
  worker.key = "worker key";
  worker.owner = "seed owner";
  worker.credit = 12;
  worker.valid = 3;
  worker.quarantined = true;
  worker.quarantine_reason = "disagreed";
  trust.workers = {worker};
  proto::LedgerRow entry;
  entry.seq = 1;
  entry.time_ms = 1700000000000;
  entry.worker_key = "worker key";
  entry.result = entry.prev_hash = entry.entry_hash = h;
  entry.credit = 4;
  entry.signature.assign(64, 0x5a);
  trust.ledger = {entry, entry};
  trust.ledger_total = 2;
  trust.ledger_public_key.assign(32, 0xa5);

  return {
      hello,
      result,
      proto::UnitFailure{7, 8, "device lost"},
      proto::UnitReturn{{7, 8, 9}, true},
      proto::LeaseGrant{{unit, unit}},
      proto::BlobReply{h, true, {1, 2, 3, 4}},
      proto::MissingBlobsRequest{{h, h}},
      proto::BlobUpload{h, {5, 6, 7}},
      submit,
      proto::StatusReply{{job, job}},
      proto::OutputsReply{9, {proto::OutputFile{"frame_0001.exr", h, 1234, "render-1"}}},
      proto::OutputData{h, true, {8, 9}},
      proto::ErrorReply{proto::ErrorCode::kNotFound, "no such job"},
      proto::TrustQuery{proto::TrustTopic::kLedger, 5, 10},
      proto::ResubmitRequest{11},
      trust,
  };
}

// Encodes one message, checks that it decodes back to the same value (so every seed is a
// valid frame), and writes it.
bool write_frame(const std::filesystem::path& file, const proto::Body& body, uint64_t request) {
  const proto::Envelope envelope{request, body};
  const std::vector<uint8_t> frame = proto::encode_message(envelope);
  const proto::RoleSet all = proto::roles(proto::Role::kWorker, proto::Role::kDispatcher) |
                             proto::roles(proto::Role::kClient);
  tf::Result<proto::Envelope> decoded = proto::decode_message(frame, all);
  if (!decoded || !(decoded.value() == envelope)) {
    std::fprintf(stderr, "%s does not survive encode -> decode: %s\n", proto::kind_name(body),
                 decoded ? "decoded to another value" : decoded.message().c_str());
    return false;
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
  if (!out) std::fprintf(stderr, "cannot write %s: check the folder's permissions\n", file.c_str());
  return static_cast<bool>(out);
}

std::string file_name(const proto::Body& body, const char* suffix) {
  char index[8];
  std::snprintf(index, sizeof index, "%02zu", body.index());
  return std::string(index) + "_" + proto::kind_name(body) + suffix + ".bin";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output folder>\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  const auto defaults =
      one_default_of_each_kind(std::make_index_sequence<std::variant_size_v<proto::Body>>());
  for (const proto::Body& body : defaults) {
    if (!write_frame(dir / file_name(body, ""), body, 0)) return 1;
  }
  for (const proto::Body& body : filled_messages()) {
    if (!write_frame(dir / file_name(body, "_filled"), body, 42)) return 1;
  }
  return 0;
}
