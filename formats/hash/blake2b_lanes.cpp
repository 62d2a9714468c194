#include "formats/hash/blake2b_lanes.h"

// The vector words are passed only between always_inline functions, inlined into the callers
// compiled for their instruction set, so no call crosses an ABI that would need them.
#pragma GCC diagnostic ignored "-Wpsabi"

#include <array>
#include <cstring>
#include <span>

#include "formats/hash/blake2b_rounds.h"

namespace tf {
namespace {

// One message at a time: the fallback, and what every lane width must equal.
void hash_one_by_one(const LaneMessage* messages, size_t count, size_t length,
                     Hash256* digests) {
  for (size_t i = 0; i < count; ++i) {
    Blake2bHasher hasher(messages[i].node);
    hasher.update(std::span<const uint8_t>(messages[i].bytes, length));
    digests[i] = hasher.finish();
  }
}

#if defined(__x86_64__) && defined(__GNUC__)

using Lanes8 = uint64_t __attribute__((vector_size(64)));
using Lanes4 = uint64_t __attribute__((vector_size(32)));

// Hashes `Lanes` messages (group[i] in lane i) in lockstep: the work vector's word k of
// message i is lane i of v[k]. Inlined into a caller compiled for the lanes' instruction set.
template <typename W, int Lanes>
[[gnu::always_inline]] inline void hash_group(const LaneMessage* const (&group)[Lanes],
                                              size_t length, Hash256* const (&digests)[Lanes]) {
  W chain[8], last_node{};
  for (int i = 0; i < Lanes; ++i) {
    const std::array<uint64_t, 8> start = blake2b::initial_chain(group[i]->node);
    for (int k = 0; k < 8; ++k) chain[k][i] = start[k];
    last_node[i] = group[i]->node.last_node ? ~uint64_t{0} : 0;
  }
  const size_t blocks = length / Blake2bHasher::kBlockBytes;
  for (size_t b = 0; b < blocks; ++b) {
    W m[16];
    for (int i = 0; i < Lanes; ++i) {
      uint64_t words[16];
      std::memcpy(words, group[i]->bytes + b * Blake2bHasher::kBlockBytes, sizeof words);
      for (int k = 0; k < 16; ++k) m[k][i] = words[k];
    }
    W v[16];
    for (int k = 0; k < 8; ++k) {
      v[k] = chain[k];
      v[k + 8] = W{} + blake2b::kIv[static_cast<size_t>(k)];
    }
    // Every message has the same length, so the counter (< 2^64 bytes) and the final block
    // are the same in every lane; only the last-node flag differs.
    v[12] ^= (b + 1) * Blake2bHasher::kBlockBytes;
    if (b + 1 == blocks) {
      v[14] = ~v[14];
      v[15] ^= last_node;
    }
    blake2b::twelve_rounds(v, m);
    for (int k = 0; k < 8; ++k) chain[k] ^= v[k] ^ v[k + 8];
  }
  for (int i = 0; i < Lanes; ++i) {
    uint64_t words[4] = {chain[0][i], chain[1][i], chain[2][i], chain[3][i]};
    std::memcpy(digests[i]->bytes.data(), words, sizeof words);  // little-endian words
  }
}

// All `count` messages, Lanes at a time; a last group short of messages repeats its first in
// the spare lanes and keeps their digests aside.
template <typename W, int Lanes>
[[gnu::always_inline]] inline void hash_in_groups(const LaneMessage* messages, size_t count,
                                                  size_t length, Hash256* digests) {
  Hash256 discarded[Lanes];
  for (size_t first = 0; first < count; first += Lanes) {
    const LaneMessage* group[Lanes];
    Hash256* out[Lanes];
    for (size_t i = 0; i < Lanes; ++i) {
      const bool real = first + i < count;
      group[i] = &messages[real ? first + i : first];
      out[i] = real ? &digests[first + i] : &discarded[i];
    }
    hash_group<W, Lanes>(group, length, out);
  }
}

[[gnu::target("avx512f,avx512vl")]] void hash_in_8_lanes(const LaneMessage* messages,
                                                          size_t count, size_t length,
                                                          Hash256* digests) {
  hash_in_groups<Lanes8, 8>(messages, count, length, digests);
}

[[gnu::target("avx2")]] void hash_in_4_lanes(const LaneMessage* messages, size_t count,
                                             size_t length, Hash256* digests) {
  hash_in_groups<Lanes4, 4>(messages, count, length, digests);
}

#endif

}  // namespace

unsigned blake2b_lanes() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const unsigned lanes = __builtin_cpu_supports("avx512f") &&
                                        __builtin_cpu_supports("avx512vl")
                                    ? 8
                                : __builtin_cpu_supports("avx2") ? 4
                                                                 : 1;
  return lanes;
#else
  return 1;
#endif
}

void blake2b_256_lanes(const LaneMessage* messages, size_t count, size_t length,
                       Hash256* digests, unsigned lanes) {
  const unsigned host = blake2b_lanes();
  if (lanes == 0 || lanes > host) lanes = host;
  if (length == 0 || length % Blake2bHasher::kBlockBytes != 0) lanes = 1;  // not whole blocks
#if defined(__x86_64__) && defined(__GNUC__)
  if (lanes == 8) return hash_in_8_lanes(messages, count, length, digests);
  if (lanes == 4) return hash_in_4_lanes(messages, count, length, digests);
#endif
  hash_one_by_one(messages, count, length, digests);
}

}  // namespace tf
