#include "formats/protocol/versions.h"

#include <algorithm>

namespace tf::proto {

std::optional<uint32_t> common_version(ProtocolRange a, ProtocolRange b) {
  const uint32_t low = std::max(a.min, b.min), high = std::min(a.max, b.max);
  if (low > high) return std::nullopt;
  return high;
}

std::string range_text(ProtocolRange range) {
  if (range.min >= range.max) return std::to_string(range.max);
  return std::to_string(range.min) + "-" + std::to_string(range.max);
}

std::string version_refusal(ProtocolRange dispatcher, ProtocolRange peer) {
  const std::string head = "this dispatcher speaks protocol versions " + range_text(dispatcher) +
                           " and this peer speaks " + range_text(peer) + ": ";
  if (peer.max < dispatcher.min) {
    return head + "upgrade this worker or client to a release that speaks version " +
           std::to_string(dispatcher.min) + " or later";
  }
  return head +
         "the dispatcher is older than this worker or client; upgrade the dispatcher "
         "first (dispatchers serve the previous release's workers and clients)";
}

}  // namespace tf::proto
