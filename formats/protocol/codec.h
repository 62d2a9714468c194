// Encoding and decoding protocol messages (Cap'n Proto on the wire, messages.h in memory).
//
// decode_message() is the only place untrusted bytes become messages. It never throws and
// never crashes on hostile input: the frame is copied into word-aligned memory, read with a
// traversal limit sized for the message kind and a nesting limit of 16, and rejected when it
// is truncated, oversized, carries trailing bytes, holds an unknown message kind, or was sent
// by a role the receiver does not accept. Every protocol version is read (Envelope says the
// sender's range); versions.h decides whether to talk.
//
// Thread safety: both functions are thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf::proto {

// The frame bytes of `envelope`, headed by its protocol_min..protocol_version.
std::vector<uint8_t> encode_message(const Envelope& envelope);

// Decodes one frame, accepting only kinds whose sender_role is in `accepted_senders`.
// On error the message says what was wrong with the frame.
Result<Envelope> decode_message(std::span<const uint8_t> frame, RoleSet accepted_senders);

}  // namespace tf::proto
