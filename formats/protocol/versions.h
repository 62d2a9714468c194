// Which protocol versions peers talk, and what a peer outside the dispatcher's range is told.
//
// Rules (DESIGN.md "Versions"): every envelope carries the range its sender speaks
// (Envelope::protocol_min..protocol_version). A dispatcher serves this release and the
// previous one (kDispatcherProtocols); workers and clients speak their own release. Two peers
// talk the highest version both speak: the dispatcher answers a peer of the previous release
// in that release's version, which that release's strict decoder accepts. A peer whose range
// does not meet the dispatcher's gets an ErrorReply kUnsupportedVersion naming both ranges and
// what to upgrade, never silence; its messages go no further.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "formats/protocol/messages.h"

namespace tf::proto {

struct ProtocolRange {
  uint32_t min = kProtocolVersion, max = kProtocolVersion;
  bool operator==(const ProtocolRange&) const = default;
};

// The previous release's version: the oldest a dispatcher of this release still serves.
inline constexpr uint32_t kOldestServedProtocolVersion = kProtocolVersion - 1;
inline constexpr ProtocolRange kDispatcherProtocols{kOldestServedProtocolVersion, kProtocolVersion};

inline ProtocolRange range_of(const Envelope& envelope) {
  return {envelope.protocol_min, envelope.protocol_version};
}

// The highest version both ranges hold; nullopt when they do not meet.
std::optional<uint32_t> common_version(ProtocolRange a, ProtocolRange b);

// "1-2", or "2" for a single version.
std::string range_text(ProtocolRange range);

// The dispatcher's refusal of a peer speaking `peer`: both ranges and which side to upgrade.
std::string version_refusal(ProtocolRange dispatcher, ProtocolRange peer);

}  // namespace tf::proto
