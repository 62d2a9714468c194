// Messages of one length hashed with BLAKE2b several at once, one per SIMD lane: the whole
// leaves of the tree hash (tree_hash.h).
//
// Why: every simulation chunk's result is tree-hashed by its worker and, when its bytes are
// uploaded, by the dispatcher; one core computes BLAKE2b at about 1.1 GB/s, about as fast as
// a fast device steps the chunk. A leaf's blocks depend on each other, but leaves do not, and
// whole leaves have one length: eight of them (AVX-512) or four (AVX2) go through BLAKE2b's
// rounds in lockstep, each 64-bit word of a leaf's state in its own vector lane (as BLAKE2bp is
// computed). Each digest is Blake2bHasher's for that node, bit for bit.
//
// The lanes are chosen at run time from what the processor supports (x86-64: AVX-512F with
// VL, else AVX2; elsewhere, or without either, one message at a time with Blake2bHasher), so
// one build runs anywhere.
//
// Thread safety: thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/hash/hash.h"

namespace tf {

// One message: `bytes` of the common length, hashed as the tree node `node`.
struct LaneMessage {
  const uint8_t* bytes = nullptr;
  Blake2bTreeNode node;
};

// How many messages the host's widest lanes hash at once: 8, 4 or 1.
unsigned blake2b_lanes();

// The digests of `count` messages of `length` bytes each into `digests`, `lanes` at a time
// (0: blake2b_lanes(); 1, a width the host lacks, or a length that is not a positive multiple
// of Blake2bHasher::kBlockBytes: one at a time). A group of fewer messages than lanes fills
// the spare lanes with its first message and discards their digests.
void blake2b_256_lanes(const LaneMessage* messages, size_t count, size_t length,
                       Hash256* digests, unsigned lanes = 0);

}  // namespace tf
