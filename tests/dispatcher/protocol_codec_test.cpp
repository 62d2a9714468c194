// The wire codec: every message kind round-trips; hostile frames are rejected, never crash.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "formats/hash/tree_hash.h"
#include "formats/protocol/codec.h"
#include "protocol.capnp.h"
#include "formats/protocol/result_hash.h"

namespace tf::proto {
namespace {

Hash256 hash_of(const char* text) { return blake2b_256(std::string_view(text)); }

// One populated example of every message kind, in variant order.
std::vector<Body> one_of_each() {
  std::vector<Body> all;
  all.push_back(WorkerHello{"host", {{"cpu", 0, "EPYC", 1ull << 34, 16, "render-1", 2, {}},
                                      {"cuda", 1, "H100", 80ull << 30, 132, "render-2", 4,
                                       {"render-2", "render-1"}}},
                               {3, 1ull << 40}, "owner-key", true, 1});
  all.push_back(WorkerHeartbeat{});
  UnitResult r{7, 9, "render-1", 2, 1, {1.5f, -2.0f, 0.0f, 3.25f, 1e-30f, 7.0f}, 12345, {}};
  r.result_hash = result_hash(r.rgb, r.rays);
  all.push_back(r);
  all.push_back(UnitFailure{7, 9, "scene failed to load"});
  all.push_back(UnitReturn{{1, 2, 3}, true});
  all.push_back(BlobRequest{hash_of("a")});
  all.push_back(LeaseGrant{{{1, 2, 3, hash_of("b"), "shot_0001.pbrt", 1, 0, 0, 64, 32, 0, 16, 0, 600, true, true},
                            {4, 5, 3, hash_of("b"), "shot_0002.pbrt", 2, 64, 0, 100, 32, 16, 32, 1, 600, false}},
                           {{6, 7, 4, hash_of("state"), 2, 3000, 500, 0, 64, 0, 128, 129, 1, 1, 600, true,
                             std::nullopt, 0, 0, false, std::nullopt},
                            {8, 9, 4, hash_of("state"), 2, 3000, 500, 0, 0, 0, 128, 128, 1, 0, 600, false,
                             hash_of("head"), 1500, 500, true, 0},
                            {10, 11, 4, hash_of("state"), 2, 3500, 500, 0, 0, 0, 128, 128, 1, 0,
                             600, false, hash_of("head"), 0, 500, true, 200,
                             ResultHashScheme::kTree},
                            {12, 13, 4, hash_of("made"), 3, 0, 500, 0, 0, 0, 128, 128, 1, 0,
                             600, false, std::nullopt, 0, 500, true, 500,
                             ResultHashScheme::kTree, hash_of("batch")}}});
  all.push_back(DispatcherHeartbeat{});
  all.push_back(BlobReply{hash_of("c"), true, {1, 2, 3, 4, 5}});
  all.push_back(HelloRequired{});
  all.push_back(MissingBlobsRequest{{hash_of("d"), hash_of("e")}});
  all.push_back(BlobUpload{hash_of("f"), {9, 8, 7}});
  all.push_back(SubmitJob{"shot", hash_of("g"), {{1, "a.pbrt", 640, 480}, {3, "b.pbrt", 32, 16}},
                          32, 64, 16, -5, 3, 2, 7, true});
  all.push_back(StatusRequest{42, 700});  // a long poll
  all.push_back(CancelRequest{43});
  all.push_back(OutputsRequest{44});
  all.push_back(OutputFetch{hash_of("h")});
  all.push_back(MissingBlobsReply{{hash_of("i")}});
  all.push_back(Ack{});
  all.push_back(SubmitReply{45});
  all.push_back(StatusReply{{{1, "a", JobState::kRunning, 3, 10, 20, 1, 2, ""},
                             {2, "b", JobState::kFailed, -1, 0, 5, 0, 1, "unit 3 failed"},
                             {3, "sweep", JobState::kDone, 0, 6, 6, 3, 3, "", true},
                             {4, "shot", JobState::kDone, 0, 9, 9, 3, 3, "", false, {1, 3}},
                             {5, "shared", JobState::kRunning, 2, 1, 9, 0, 3, "", false, {},
                              "client-key", 4, 11, 3},
                             {6, "quality", JobState::kRunning, 0, 40, 52, 0, 1, "", false, {},
                              "", 12, 12, 1, 20, 4, 16, 128}}});
  all.push_back(OutputsReply{46, {{"frame_0001.exr", hash_of("j"), 1000, "render-2"}}});
  all.push_back(OutputData{hash_of("k"), false, {}});
  all.push_back(ErrorReply{ErrorCode::kNotFound, "no job 7"});
  all.push_back(ResultBytesRequest{7, 9});
  all.push_back(TrustQuery{TrustTopic::kLedger, 1000, 500});
  all.push_back(TrustReply{TrustTopic::kWorkers, {{"key-a", "host-a", 5000, 3}},
                           {{"key-a", "host-a", "owner-a", 5000, 3, 3, 1, 0, 2, 0, 3, true, "2 invalid results"}},
                           {}, 0, {}});
  all.push_back(ResubmitRequest{44});
  UnitResult hash_only{8, 10, "render-1", 2, 1, {}, 99, hash_of("hash only")};
  all.push_back(ResultBatch{{r, hash_only, r}});
  all.push_back(LeaseRecall{{12, 13, 1ull << 40}});
  return all;
}

constexpr RoleSet kAnyRole =
    roles(Role::kWorker) | roles(Role::kDispatcher) | roles(Role::kClient);

TEST(ProtocolCodec, EveryKindRoundTrips) {
  const std::vector<Body> all = one_of_each();
  ASSERT_EQ(all.size(), std::variant_size_v<Body>);
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].index(), i) << "examples must follow the variant order";
    const Envelope sent{1000 + i, all[i]};
    Result<Envelope> got = decode_message(encode_message(sent), kAnyRole);
    ASSERT_TRUE(got.is_ok()) << kind_name(all[i]) << ": " << got.message();
    EXPECT_EQ(got.value(), sent) << kind_name(all[i]);
  }
}

// Byte fields of megabytes (states, results) are referenced by the encoder rather than copied
// (whole words only), and a frame is decoded where it lies when aligned: every size around
// those rules comes back byte for byte, also from a frame that starts off a word boundary.
TEST(ProtocolCodec, LargeByteFieldsRoundTripFromAlignedAndUnalignedFrames) {
  std::mt19937 rng(7);
  for (const size_t size : {size_t{65535}, size_t{65536}, size_t{1} << 21, (size_t{1} << 21) + 5}) {
    std::vector<uint8_t> bytes(size);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    std::vector<float> fields(size / sizeof(float));
    for (float& f : fields) f = static_cast<float>(rng()) * 1e-6f;
    UnitResult result{8, 10, "tf-d2q9-1", static_cast<uint32_t>(fields.size()), 1, fields,
                      fields.size(), {}, true};
    result.result_hash = result_hash(result.rgb, result.rays);
    for (const Body& body : {Body(BlobReply{hash_of("s"), true, bytes}),
                             Body(BlobUpload{hash_of("s"), bytes}), Body(result)}) {
      const Envelope sent{3, body};
      const std::vector<uint8_t> frame = encode_message(sent);
      Result<Envelope> got = decode_message(frame, kAnyRole);
      ASSERT_TRUE(got.is_ok()) << kind_name(body) << " " << size << ": " << got.message();
      EXPECT_EQ(got.value(), sent) << kind_name(body) << " " << size;
      std::vector<uint8_t> shifted(frame.size() + 1);
      std::memcpy(shifted.data() + 1, frame.data(), frame.size());
      got = decode_message(std::span<const uint8_t>(shifted).subspan(1), kAnyRole);
      ASSERT_TRUE(got.is_ok()) << kind_name(body) << " " << size << ": " << got.message();
      EXPECT_EQ(got.value(), sent) << kind_name(body) << " " << size << " (unaligned)";
    }
  }
}

TEST(ProtocolCodec, SimulationMessagesRoundTripAndFieldsMustMatchTheirShape) {
  UnitResult fields{8, 10, "tf-d2q9-1", 2, 9, std::vector<float>(18, 0.25f), 4000, {}, true};
  fields.result_hash = result_hash(fields.rgb, fields.rays);
  const SubmitJob batch{"sweep", {}, {}, 0, 0, 0, 2, 1, 1, 0, false, "[simulation]\nsteps = 9\n",
                        "cavity.toml", 100, 64};
  for (const Body& body : {Body(fields), Body(batch)}) {
    Result<Envelope> got = decode_message(encode_message({5, body}), kAnyRole);
    ASSERT_TRUE(got.is_ok()) << got.message();
    EXPECT_EQ(got->body, body) << kind_name(body);
  }
  UnitResult as_pixels = fields;
  as_pixels.simulation = false;  // 18 floats are not 2x9 pixels of 3 channels
  EXPECT_FALSE(decode_message(encode_message({0, as_pixels}), roles(Role::kWorker)).is_ok());
}

TEST(ProtocolCodec, AJobRenderedToQualityRoundTrips) {
  SubmitJob job{"shot", hash_of("g2"), {{1, "a.pbrt", 64, 48}}, 16, 64, 16, 0, 2, 2};
  job.noise_target = 0.0213;  // not a binary fraction: the double travels bit for bit
  job.min_spp = 8;
  job.max_spp = 4096;
  job.deadline_seconds = 5400;
  Result<Envelope> got = decode_message(encode_message({5, job}), kAnyRole);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<SubmitJob>(got->body), job);
}

TEST(ProtocolCodec, HashOnlyResultsRoundTripAndPartialPixelDataIsRejected) {
  UnitResult hash_only{7, 9, "render-1", 2, 1, {}, 12345, hash_of("result")};
  Result<Envelope> got = decode_message(encode_message({0, hash_only}), roles(Role::kWorker));
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<UnitResult>(got->body), hash_only);
  UnitResult partial = hash_only;
  partial.rgb = {1.0f, 2.0f, 3.0f};  // one pixel of a 2x1 tile
  EXPECT_FALSE(decode_message(encode_message({0, partial}), roles(Role::kWorker)).is_ok());
}

// A batch of `count` 8x8-pixel results (768 value bytes each).
ResultBatch batch_of(size_t count) {
  ResultBatch batch;
  for (size_t i = 0; i < count; ++i) {
    UnitResult r{i + 1, i + 1, "render-1", 8, 8, std::vector<float>(8 * 8 * 3, 0.5f), 64, {}};
    r.result_hash = result_hash(r.rgb, r.rays);
    batch.results.push_back(std::move(r));
  }
  return batch;
}

TEST(ProtocolCodec, ResultBatchesAreBoundedInCountAndValuesAndCheckEachResult) {
  const RoleSet worker = roles(Role::kWorker);
  ResultBatch full = batch_of(kMaxResultsPerBatch);
  Result<Envelope> got = decode_message(encode_message({0, full}), worker);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<ResultBatch>(got->body), full);
  // One result more than a batch may hold.
  const ResultBatch too_many = batch_of(kMaxResultsPerBatch + 1);
  got = decode_message(encode_message({0, too_many}), worker);
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("at most"), std::string::npos) << got.message();
  // Values past the batch's byte budget: two simulation results of 528 KB each.
  ResultBatch heavy;
  for (uint64_t id : {1, 2}) {
    UnitResult r{id, id, "tf-d2q9-2", 132'000, 1, std::vector<float>(132'000, 1.0f), 1, {}, true};
    r.result_hash = result_hash(r.rgb, r.rays);
    heavy.results.push_back(std::move(r));
  }
  ASSERT_GT(value_bytes(heavy.results[0]) * 2, kMaxBatchValueBytes);
  got = decode_message(encode_message({0, heavy}), worker);
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("larger results go alone"), std::string::npos) << got.message();
  // Each result is checked as a UnitResult is: a tile with a pixel missing fails the batch.
  ResultBatch partial = batch_of(3);
  partial.results[1].rgb.resize(partial.results[1].rgb.size() - 3);
  EXPECT_FALSE(decode_message(encode_message({0, partial}), worker).is_ok());
  // Only a worker sends results.
  EXPECT_FALSE(decode_message(encode_message({0, batch_of(2)}), roles(Role::kClient)).is_ok());
}

TEST(ProtocolCodec, SubmitJobFromAPeerThatOmitsVerificationGetsTheDefaults) {
  // Built with the raw schema and never setting the verification fields, as an older client
  // does: the wire defaults give replication 2, quorum 2, maxReplicas 0 (replication + 3).
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::Envelope>();
  root.setProtocolVersion(kProtocolVersion);
  auto job = root.getBody().initSubmitJob();
  const Hash256 bundle = hash_of("g");
  job.setBundle(capnp::Data::Reader(bundle.bytes.data(), bundle.bytes.size()));
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  Result<Envelope> got =
      decode_message(std::span<const uint8_t>(bytes.begin(), bytes.size()), roles(Role::kClient));
  ASSERT_TRUE(got.is_ok()) << got.message();
  const SubmitJob& decoded = std::get<SubmitJob>(got->body);
  EXPECT_EQ(decoded.replication, 2u);
  EXPECT_EQ(decoded.quorum, 2u);
  EXPECT_EQ(decoded.max_replicas, 0u);
  // Nor the quality fields: a job of fixed spp, as before they existed.
  EXPECT_EQ(decoded.noise_target, 0.0);
  EXPECT_EQ(decoded.deadline_seconds, 0u);
}

TEST(ProtocolCodec, AHelloWithoutKernelVersionsRunsItsPreferredVersionAlone) {
  // Built with the raw schema, as an older worker does: no kernelVersions list.
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::Envelope>();
  root.setProtocolVersion(kProtocolVersion);
  auto device = root.getBody().initWorkerHello().initDevices(1)[0];
  device.setKernelVersion("render-1");
  device.setSlots(1);
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  Result<Envelope> got =
      decode_message(std::span<const uint8_t>(bytes.begin(), bytes.size()), roles(Role::kWorker));
  ASSERT_TRUE(got.is_ok()) << got.message();
  const DeviceOffer& offer = std::get<WorkerHello>(got->body).devices.at(0);
  EXPECT_TRUE(offer.kernel_versions.empty());
  EXPECT_EQ(offer.runs(), std::vector<std::string>{"render-1"});
  // A newer worker's list, its preferred version included once.
  const DeviceOffer both{"cpu", 0, "x", 0, 1, "render-2", 1, {"render-1", "render-2"}};
  EXPECT_EQ(both.runs(), (std::vector<std::string>{"render-1", "render-2"}));
}

TEST(ProtocolCodec, UnitReturnSaysWhetherTheWorkerPausesOrLeaves) {
  for (const UnitReturn& sent : {UnitReturn{{4, 5}, false, true}, UnitReturn{{4, 5}, true, false},
                                 UnitReturn{{}, false, true}}) {
    Result<Envelope> got = decode_message(encode_message({3, sent}), roles(Role::kWorker));
    ASSERT_TRUE(got.is_ok()) << got.message();
    const UnitReturn& decoded = std::get<UnitReturn>(got->body);
    EXPECT_EQ(decoded.lease_ids, sent.lease_ids);
    EXPECT_EQ(decoded.leaving, sent.leaving);
    EXPECT_EQ(decoded.pausing, sent.pausing);
  }
  // An older worker never sets the field: its returns decode as not pausing.
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::Envelope>();
  root.setProtocolVersion(kProtocolVersion);
  root.getBody().initUnitReturn().initLeaseIds(1).set(0, 9);
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  Result<Envelope> old =
      decode_message(std::span<const uint8_t>(bytes.begin(), bytes.size()), roles(Role::kWorker));
  ASSERT_TRUE(old.is_ok()) << old.message();
  EXPECT_EQ(std::get<UnitReturn>(old->body), (UnitReturn{{9}, false, false}));
}

TEST(ProtocolCodec, UnitReturnSaysWhetherTheWorkerDrains) {
  UnitReturn sent{{7}, false, false};
  sent.draining = true;
  Result<Envelope> got = decode_message(encode_message({3, sent}), roles(Role::kWorker));
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<UnitReturn>(got->body), sent);
  EXPECT_TRUE(std::get<UnitReturn>(got->body).draining);
  EXPECT_FALSE(std::get<UnitReturn>(got->body).pausing) << "draining is a field of its own";
}

TEST(ProtocolCodec, UnalignedFramesDecode) {
  const std::vector<uint8_t> bytes = encode_message({5, StatusRequest{9}});
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  Result<Envelope> got = decode_message(std::span(shifted).subspan(1), roles(Role::kClient));
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<StatusRequest>(got->body).job_id, 9u);
}

TEST(ProtocolCodec, EveryTruncationIsRejected) {
  for (const Body& body : one_of_each()) {
    const std::vector<uint8_t> bytes = encode_message({1, body});
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(decode_message(std::span(bytes.data(), n), kAnyRole).is_ok())
          << kind_name(body) << " truncated to " << n << " of " << bytes.size();
    }
  }
}

TEST(ProtocolCodec, GarbageNeverCrashes) {
  std::mt19937 rng(1234);
  size_t rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> junk(8 * (1 + rng() % 64));
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    rejected += decode_message(junk, kAnyRole).is_ok() ? 0 : 1;
  }
  // Random segment tables almost never describe the frame's exact length.
  EXPECT_GT(rejected, 1900u);
}

TEST(ProtocolCodec, FlippedBytesOfValidFramesNeverCrash) {
  std::mt19937 rng(99);
  for (const Body& body : one_of_each()) {
    const std::vector<uint8_t> bytes = encode_message({1, body});
    for (int i = 0; i < 200; ++i) {
      std::vector<uint8_t> mutated = bytes;
      mutated[rng() % mutated.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      (void)decode_message(mutated, kAnyRole);  // any outcome but a crash
    }
  }
}

TEST(ProtocolCodec, TrailingBytesAreRejected) {
  std::vector<uint8_t> bytes = encode_message({1, Ack{}});
  bytes.insert(bytes.end(), 8, 0);
  Result<Envelope> got = decode_message(bytes, kAnyRole);
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("trailing"), std::string::npos) << got.message();
}

TEST(ProtocolCodec, OversizedFramesAreRejectedBeforeDecoding) {
  std::vector<uint8_t> huge(kMaxFrameBytes + 8, 0);
  Result<Envelope> got = decode_message(huge, kAnyRole);
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("exceeds"), std::string::npos) << got.message();
}

TEST(ProtocolCodec, ControlMessagesGetASmallTraversalBudget) {
  // A unitFailure is a control message: a 100 KB text exceeds its budget, a short one fits.
  const std::string long_text(100000, 'x');
  EXPECT_FALSE(decode_message(encode_message({1, UnitFailure{1, 2, long_text}}),
                              roles(Role::kWorker)).is_ok());
  EXPECT_TRUE(decode_message(encode_message({1, UnitFailure{1, 2, "short"}}),
                             roles(Role::kWorker)).is_ok());
  // The same text is fine in a kind whose budget is large.
  EXPECT_TRUE(decode_message(encode_message({1, BlobUpload{hash_of("x"), std::vector<uint8_t>(100000)}}),
                             roles(Role::kClient)).is_ok());
}

// Offsets of the bytes that differ between two encodings of the same layout.
std::vector<size_t> differing_bytes(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  std::vector<size_t> out;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) out.push_back(i);
  }
  return out;
}

TEST(ProtocolCodec, EnvelopesSayTheirSendersVersionRange) {
  Envelope sent{1, Ack{}};
  sent.protocol_min = 1;
  Result<Envelope> got = decode_message(encode_message(sent), kAnyRole);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(got->protocol_version, kProtocolVersion);
  EXPECT_EQ(got->protocol_min, 1u);
  // Any version is read; a sender of the releases before ranges leaves protocolMin at 0: its
  // range is its one version. Layout: 8-byte segment table, 8-byte root pointer, then
  // protocolVersion (first UInt32).
  Envelope old{1, Ack{}};
  old.protocol_version = 7;
  old.protocol_min = 0;
  std::vector<uint8_t> bytes = encode_message(old);
  uint32_t version = 0;
  std::memcpy(&version, bytes.data() + 16, 4);
  ASSERT_EQ(version, 7u);
  got = decode_message(bytes, kAnyRole);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(got->protocol_version, 7u);
  EXPECT_EQ(got->protocol_min, 7u);
}

TEST(ProtocolCodec, UnknownMessageKindsAreRejected) {
  std::vector<uint8_t> bytes = encode_message({1, WorkerHeartbeat{}});
  const std::vector<size_t> diff = differing_bytes(bytes, encode_message({1, DispatcherHeartbeat{}}));
  ASSERT_EQ(diff.size(), 1u) << "heartbeats differ only in the union discriminant";
  bytes[diff[0]] = 0xF0;  // far beyond the last ordinal
  Result<Envelope> got = decode_message(bytes, kAnyRole);
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("unknown message kind"), std::string::npos) << got.message();
}

TEST(ProtocolCodec, UnknownEnumValuesMapToADefault) {
  auto status_with = [](JobState s) {
    return encode_message({1, StatusReply{{{1, "a", s, 0, 0, 0, 0, 0, ""}}}});
  };
  std::vector<uint8_t> bytes = status_with(JobState::kQueued);
  const std::vector<size_t> diff = differing_bytes(bytes, status_with(JobState::kRunning));
  ASSERT_EQ(diff.size(), 1u);
  bytes[diff[0]] = 77;
  Result<Envelope> got = decode_message(bytes, roles(Role::kDispatcher));
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<StatusReply>(got->body).jobs.at(0).state, JobState::kUnknown);
}

// A result hash scheme this release does not know is refused, not guessed: a worker that hashed
// by another scheme would disagree with every replica.
TEST(ProtocolCodec, UnknownResultHashSchemesAreRejected) {
  auto grant_with = [](ResultHashScheme scheme) {
    SimUnitSpec unit;
    unit.lease_id = 6;
    unit.unit_id = 7;
    unit.state = hash_of("state");
    unit.steps = 500;
    unit.x1 = unit.y1 = 128;
    unit.z1 = 1;
    unit.result_hash = scheme;
    return encode_message({1, LeaseGrant{{}, {unit}}});
  };
  std::vector<uint8_t> bytes = grant_with(ResultHashScheme::kSequential);
  const std::vector<size_t> diff = differing_bytes(bytes, grant_with(ResultHashScheme::kTree));
  ASSERT_EQ(diff.size(), 1u);
  bytes[diff[0]] = 2;
  Result<Envelope> got = decode_message(bytes, roles(Role::kDispatcher));
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("unknown scheme 2"), std::string::npos) << got.message();
}

TEST(ProtocolCodec, OutOfRoleMessagesAreRejected) {
  for (const Body& body : one_of_each()) {
    const std::vector<uint8_t> bytes = encode_message({1, body});
    const RoleSet sender = roles(sender_role(body));
    EXPECT_TRUE(decode_message(bytes, sender).is_ok()) << kind_name(body);
    Result<Envelope> got = decode_message(bytes, static_cast<RoleSet>(kAnyRole & ~sender));
    ASSERT_FALSE(got.is_ok()) << kind_name(body) << " accepted from the wrong role";
    EXPECT_NE(got.message().find("not accepted"), std::string::npos) << got.message();
  }
}

TEST(ProtocolCodec, ResultSizeMustMatchTheTile) {
  UnitResult r{1, 2, "v", 2, 2, {1, 2, 3}, 0, {}};  // 3 floats for a 2x2 tile
  Result<Envelope> got = decode_message(encode_message({1, r}), roles(Role::kWorker));
  ASSERT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("does not match"), std::string::npos) << got.message();
}

TEST(ProtocolCodec, HashesMustBe32Bytes) {
  // Flipping single bits of the frame reaches the Data pointer's byte count; a count that still
  // fits the segment but is not 32 must be caught by the decoder's own hash check.
  const std::vector<uint8_t> bytes = encode_message({1, BlobRequest{hash_of("z")}});
  bool short_hash_rejected = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> mutated = bytes;
      mutated[i] ^= static_cast<uint8_t>(1u << bit);
      Result<Envelope> got = decode_message(mutated, roles(Role::kWorker));
      if (!got.is_ok() && got.message().find("32-byte hash") != std::string::npos) {
        short_hash_rejected = true;
      }
    }
  }
  EXPECT_TRUE(short_hash_rejected);
}

TEST(ResultHash, CoversPixelsAndRays) {
  const std::vector<float> rgb{1, 2, 3};
  EXPECT_EQ(result_hash(rgb, 5), result_hash(rgb, 5));
  EXPECT_NE(result_hash(rgb, 5), result_hash(rgb, 6));
  EXPECT_NE(result_hash(rgb, 5), result_hash(std::vector<float>{1, 2, 4}, 5));
  // Canonical bytes: floats LE then u64 LE, hashed as one stream.
  std::vector<uint8_t> canonical(3 * 4 + 8);
  std::memcpy(canonical.data(), rgb.data(), 12);
  const uint64_t rays = 5;
  std::memcpy(canonical.data() + 12, &rays, 8);
  EXPECT_EQ(result_hash(rgb, 5), blake2b_256(canonical));
  EXPECT_EQ(canonical_bytes_hash(canonical, ResultHashScheme::kSequential), blake2b_256(canonical));
}

// The tree scheme hashes the same canonical bytes as BLAKE2b's tree (checked against another
// implementation in tests/formats/tree_hash_test.cpp), here over several leaves.
TEST(ResultHash, TheTreeSchemeHashesTheCanonicalBytesByTree) {
  std::vector<float> fields(100000);
  for (size_t i = 0; i < fields.size(); ++i) fields[i] = static_cast<float>(i) * 0.37f;
  const std::vector<uint8_t> canonical = canonical_result_bytes(fields, 42);
  ASSERT_GT(canonical.size(), 5u * kTreeLeafBytes);
  EXPECT_EQ(result_hash(fields, 42, ResultHashScheme::kTree), blake2b_tree_256(canonical));
  EXPECT_EQ(canonical_bytes_hash(canonical, ResultHashScheme::kTree), blake2b_tree_256(canonical));
  EXPECT_NE(result_hash(fields, 42, ResultHashScheme::kTree), result_hash(fields, 42));
  EXPECT_NE(result_hash(fields, 42, ResultHashScheme::kTree),
            result_hash(fields, 43, ResultHashScheme::kTree));
}

}  // namespace
}  // namespace tf::proto
