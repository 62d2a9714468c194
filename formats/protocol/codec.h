// Encoding and decoding protocol messages (Cap'n Proto on the wire, messages.h in memory).
//
// decode_message() is the only place untrusted bytes become messages. It never throws and
// never crashes on hostile input: the frame is read where it lies when word-aligned (else from
// an aligned copy), with a traversal limit sized for the message kind and a nesting limit of
// 16, and rejected when it is truncated, oversized, carries trailing bytes, holds an unknown
// message kind, or was sent by a role the receiver does not accept. Every protocol version
// is read (Envelope says the sender's range); versions.h decides whether to talk.
//
// Thread safety: every function is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf::proto {

// Returns a writable buffer of the given number of bytes, which the encoder fills whole.
using FrameAllocator = std::function<uint8_t*(size_t)>;

// Encodes `envelope`, headed by its protocol_min..protocol_version, into the buffer that
// `allocate` returns: the transport allocates the ZeroMQ message it sends, so that a frame of
// megabytes (a state, a result) is written once, its large byte fields copied from the
// envelope straight into it.
void encode_message_into(const Envelope& envelope, const FrameAllocator& allocate);

// The frame bytes of `envelope` (encode_message_into into a vector).
std::vector<uint8_t> encode_message(const Envelope& envelope);

// Decodes one frame, accepting only kinds whose sender_role is in `accepted_senders`.
// On error the message says what was wrong with the frame.
Result<Envelope> decode_message(std::span<const uint8_t> frame, RoleSet accepted_senders);

}  // namespace tf::proto
