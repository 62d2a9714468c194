// Fuzz target: proto::decode_message, the only place untrusted bytes become messages.
//
// Every input is decoded once per set of accepted sender roles (all 8 subsets). Properties
// checked beyond "no crash, no leak, no undefined behaviour":
//   - a decoded message's kind is sent by a role in the accepted set;
//   - a decoded message survives a round trip: encode -> decode succeeds, and encoding the
//     result again gives the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/protocol/codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using tf::fuzz::require;
namespace proto = tf::proto;

constexpr proto::RoleSet kAllRoles =
    proto::roles(proto::Role::kWorker, proto::Role::kDispatcher) |
    proto::roles(proto::Role::kClient);

void check_round_trip(const proto::Envelope& decoded) {
  const std::vector<uint8_t> encoded = proto::encode_message(decoded);
  tf::Result<proto::Envelope> again = proto::decode_message(encoded, kAllRoles);
  require(again.is_ok(), "an encoded decoded message decodes again");
  require(proto::encode_message(again.value()) == encoded,
          "re-encoding a round-tripped message gives the same bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> frame(data, size);
  for (proto::RoleSet accepted = 0; accepted <= kAllRoles; ++accepted) {
    tf::Result<proto::Envelope> decoded = proto::decode_message(frame, accepted);
    if (!decoded) continue;
    const proto::RoleSet sender = proto::roles(proto::sender_role(decoded->body));
    require((sender & accepted) != 0, "a decoded message comes from an accepted role");
    if (accepted == kAllRoles) check_round_trip(decoded.value());
  }
  return 0;
}
