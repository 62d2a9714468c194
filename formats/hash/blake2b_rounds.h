// BLAKE2b's constants, parameter block and rounds (RFC 7693; the BLAKE2 specification for the
// tree parameters), shared by the sequential hasher (blake2b.cpp) and the one that hashes
// several messages at once in SIMD lanes (blake2b_lanes.cpp). The rounds are written once for
// a 64-bit word type W: uint64_t, or a GCC vector of them (one message per lane), inlined into
// their callers so that each compiles them for its own instruction set.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "formats/hash/hash.h"

namespace tf::blake2b {

inline constexpr std::array<uint64_t, 8> kIv = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

// The message schedule of rounds 0-9; rounds 10 and 11 use rows 0 and 1 again.
inline constexpr uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

// The chain value a node starts from: the IV xor the parameter block's first three words
// (digest length 32, key length 0, fanout, depth, leaf length; node offset; node depth, inner
// length). Salt and personalisation are zero.
inline std::array<uint64_t, 8> initial_chain(const Blake2bTreeNode& node) {
  std::array<uint64_t, 8> chain = kIv;
  chain[0] ^= sizeof(Hash256::bytes) | uint64_t{node.fanout} << 16 |
              uint64_t{node.depth} << 24 | uint64_t{node.leaf_length} << 32;
  chain[1] ^= node.node_offset;
  chain[2] ^= uint64_t{node.node_depth} | uint64_t{node.inner_length} << 8;
  return chain;
}

// x rotated right by N bits. Four lanes (AVX2 has no 64-bit rotate) move whole bytes with one
// byte shuffle instead of two shifts and an or; one word and eight lanes (AVX-512's vprorq)
// rotate in one instruction already.
template <int N, typename W>
[[gnu::always_inline]] inline W rotr(const W& x) {
  if constexpr (sizeof(W) == 32 && N % 8 == 0) {
    using Bytes = uint8_t __attribute__((vector_size(32)));
    constexpr int k = N / 8;
    constexpr Bytes kFrom = {
        (0 + k) % 8,      (1 + k) % 8,      (2 + k) % 8,      (3 + k) % 8,
        (4 + k) % 8,      (5 + k) % 8,      (6 + k) % 8,      (7 + k) % 8,
        8 + (0 + k) % 8,  8 + (1 + k) % 8,  8 + (2 + k) % 8,  8 + (3 + k) % 8,
        8 + (4 + k) % 8,  8 + (5 + k) % 8,  8 + (6 + k) % 8,  8 + (7 + k) % 8,
        16 + (0 + k) % 8, 16 + (1 + k) % 8, 16 + (2 + k) % 8, 16 + (3 + k) % 8,
        16 + (4 + k) % 8, 16 + (5 + k) % 8, 16 + (6 + k) % 8, 16 + (7 + k) % 8,
        24 + (0 + k) % 8, 24 + (1 + k) % 8, 24 + (2 + k) % 8, 24 + (3 + k) % 8,
        24 + (4 + k) % 8, 24 + (5 + k) % 8, 24 + (6 + k) % 8, 24 + (7 + k) % 8};
    return reinterpret_cast<W>(__builtin_shuffle(reinterpret_cast<Bytes>(x), kFrom));
  } else {
    return (x >> N) | (x << (64 - N));
  }
}

// The mixing function G on words a, b, c, d of the work vector with message words x, y.
template <typename W>
[[gnu::always_inline]] inline void mix(W& a, W& b, W& c, W& d, const W& x, const W& y) {
  a = a + b + x;
  d = rotr<32>(d ^ a);
  c = c + d;
  b = rotr<24>(b ^ c);
  a = a + b + y;
  d = rotr<16>(d ^ a);
  c = c + d;
  b = rotr<63>(b ^ c);
}

// One round: G on the four columns, then on the four diagonals.
template <int R, typename W>
[[gnu::always_inline]] inline void round(W (&v)[16], const W (&m)[16]) {
  constexpr const uint8_t* s = kSigma[R % 10];
  mix(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
  mix(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
  mix(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
  mix(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
  mix(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
  mix(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
  mix(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
  mix(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}

template <typename W, int... R>
[[gnu::always_inline]] inline void rounds(W (&v)[16], const W (&m)[16],
                                          std::integer_sequence<int, R...>) {
  (round<R>(v, m), ...);
}

// BLAKE2b's twelve rounds on the work vector `v` with the message block `m`.
template <typename W>
[[gnu::always_inline]] inline void twelve_rounds(W (&v)[16], const W (&m)[16]) {
  rounds(v, m, std::make_integer_sequence<int, 12>{});
}

}  // namespace tf::blake2b
