// Regression test for the first finding of fuzz_message_decoder (the reproducer is
// corpus/message_decoder/timeout-zero-size-struct-list-amplification.bin): a frame of a few
// words can claim a list of a million zero-sized structs. Cap'n Proto accepts such lists (a
// reader must take elements smaller than its schema, for schema evolution) and charges one
// traversal word per element, so only a traversal bound tied to the frame's size stops the
// decoder from materialising a million objects from 100 bytes.
#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "formats/protocol/codec.h"
#include "protocol.capnp.h"

namespace tf::proto {
namespace {

constexpr RoleSet kAllRoles = roles(Role::kWorker, Role::kDispatcher) | roles(Role::kClient);

// A statusReply whose jobs list claims `count` elements of size zero (a VOID list).
std::vector<uint8_t> status_reply_with_empty_jobs(uint32_t count) {
  capnp::MallocMessageBuilder builder;
  auto envelope = builder.initRoot<wire::Envelope>();
  envelope.setProtocolVersion(kProtocolVersion);
  auto reply = envelope.getBody().initStatusReply();
  // jobs is StatusReply's only pointer field.
  capnp::AnyStruct::Builder(std::move(reply))
      .getPointerSection()[0]
      .initAsAnyList(capnp::ElementSize::VOID, count);
  const kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  const auto bytes = words.asBytes();
  return {bytes.begin(), bytes.end()};
}

TEST(DecodeAmplification, TinyFrameClaimingAMillionListElementsIsRejected) {
  const std::vector<uint8_t> frame = status_reply_with_empty_jobs(1u << 20);
  ASSERT_LT(frame.size(), 128u);  // the claim costs nothing on the wire
  Result<Envelope> decoded = decode_message(frame, kAllRoles);
  EXPECT_FALSE(decoded.is_ok()) << "decoded "
                                << std::get<StatusReply>(decoded->body).jobs.size() << " jobs";
}

TEST(DecodeAmplification, FewZeroSizedElementsStillDecodeToDefaults) {
  // Within the frame's own size the same encoding is a legal (older-schema) list.
  Result<Envelope> decoded = decode_message(status_reply_with_empty_jobs(3), kAllRoles);
  ASSERT_TRUE(decoded.is_ok()) << decoded.message();
  EXPECT_EQ(std::get<StatusReply>(decoded->body).jobs, std::vector<JobStatus>(3));
}

TEST(DecodeAmplification, LargeLegitimateListsStillDecode) {
  StatusReply reply;
  for (uint64_t i = 0; i < 20000; ++i) {
    JobStatus job;
    job.job_id = i + 1;
    job.name = "job " + std::to_string(i);
    job.units_total = 3 * i;
    reply.jobs.push_back(job);
  }
  const Envelope sent{7, reply};
  Result<Envelope> decoded = decode_message(encode_message(sent), kAllRoles);
  ASSERT_TRUE(decoded.is_ok()) << decoded.message();
  EXPECT_EQ(decoded.value(), sent);
}

}  // namespace
}  // namespace tf::proto
