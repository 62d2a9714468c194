// BLAKE2b-256 in tree mode: a large message hashed on several cores, with the same digest
// however many cores there are.
//
// Why: a simulation chunk's result is a few megabytes hashed on the path of every chunk, and
// sequential BLAKE2b (about 1.1 GB/s on one core here) takes longer than a GPU's stepping of
// the chunk. The tree's leaves are independent, so they are hashed by every core at once, and
// on each core eight (AVX-512) or four (AVX2) whole leaves at a time in SIMD lanes
// (blake2b_lanes.h): about 3x one leaf at a time on this machine's cores.
//
// The tree is BLAKE2's own (the BLAKE2 specification, section 2.10), with parameters fixed
// here: depth 2, fanout 0 (unlimited), leaves of kTreeLeafBytes, inner length 32, digests of
// 32 bytes, no key, salt or personalisation. Leaf i hashes bytes [i * kTreeLeafBytes,
// (i + 1) * kTreeLeafBytes) of the message (the last leaf the rest; an empty message has one
// empty leaf) with node offset i and node depth 0; the root (node offset 0, depth 1) hashes
// the leaves' digests in order. The last leaf and the root are last nodes. Any BLAKE2b that
// takes tree parameters computes the same (tests/formats/tree_hash_test.cpp checks Python's
// hashlib.blake2b).
//
// Thread safety: thread-safe. Leaves are hashed, a lane-width group at a time, by the calling
// thread and by process-wide helper threads (one fewer than the host's cores, at most
// kMaxTreeHelpers), started on the first message of two leaves or more and kept for the life
// of the process; the caller always hashes leaves itself too, so a call finishes even while
// every helper serves other calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/hash/hash.h"

namespace tf {

inline constexpr uint32_t kTreeLeafBytes = 64u << 10;
inline constexpr unsigned kMaxTreeHelpers = 15;

// The tree hash of the concatenation of `parts`.
Hash256 blake2b_tree_256(std::span<const std::span<const uint8_t>> parts);
inline Hash256 blake2b_tree_256(std::span<const uint8_t> message) {
  return blake2b_tree_256(std::span<const std::span<const uint8_t>>(&message, 1));
}

}  // namespace tf
