// BLAKE2b (RFC 7693) with a 32-byte digest and no key: Blake2bHasher's implementation.
//
// Portable 64-bit code with the twelve rounds unrolled; see hash.h for why it is not
// libsodium's. The message words are read little-endian, as the RFC requires.
#include <algorithm>
#include <bit>
#include <cstring>
#include <utility>

#include "formats/hash/hash.h"

namespace tf {
namespace {

static_assert(std::endian::native == std::endian::little,
              "BLAKE2b reads its message words little-endian; add byte swapping for this target");

constexpr std::array<uint64_t, 8> kIv = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

// The message schedule of rounds 0-9; rounds 10 and 11 use rows 0 and 1 again.
constexpr uint8_t kSigma[10][16] = {
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

// The mixing function G on words a, b, c, d of the work vector with message words x, y.
[[gnu::always_inline]] inline void mix(uint64_t& a, uint64_t& b, uint64_t& c, uint64_t& d, uint64_t x, uint64_t y) {
  a = a + b + x;
  d = std::rotr(d ^ a, 32);
  c = c + d;
  b = std::rotr(b ^ c, 24);
  a = a + b + y;
  d = std::rotr(d ^ a, 16);
  c = c + d;
  b = std::rotr(b ^ c, 63);
}

// One round: G on the four columns, then on the four diagonals.
template <int R>
[[gnu::always_inline]] inline void round(uint64_t (&v)[16], const uint64_t (&m)[16]) {
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

template <int... R>
inline void rounds(uint64_t (&v)[16], const uint64_t (&m)[16],
                   std::integer_sequence<int, R...>) {
  (round<R>(v, m), ...);
}

}  // namespace

Blake2bHasher::Blake2bHasher(const Blake2bTreeNode& node)
    : chain_(kIv), last_node_(node.last_node) {
  // The parameter block's first three words: digest length 32, key length 0, fanout, depth,
  // leaf length; node offset; node depth, inner length. Salt and personalisation are zero.
  chain_[0] ^= sizeof(Hash256::bytes) | uint64_t{node.fanout} << 16 |
               uint64_t{node.depth} << 24 | uint64_t{node.leaf_length} << 32;
  chain_[1] ^= node.node_offset;
  chain_[2] ^= uint64_t{node.node_depth} | uint64_t{node.inner_length} << 8;
}

void Blake2bHasher::compress(const uint8_t* block, uint64_t block_bytes, bool last) {
  counter_low_ += block_bytes;
  if (counter_low_ < block_bytes) ++counter_high_;
  uint64_t m[16];
  std::memcpy(m, block, sizeof m);
  uint64_t v[16];
  for (int i = 0; i < 8; ++i) {
    v[i] = chain_[i];
    v[i + 8] = kIv[i];
  }
  v[12] ^= counter_low_;
  v[13] ^= counter_high_;
  if (last) {
    v[14] = ~v[14];
    if (last_node_) v[15] = ~v[15];
  }
  rounds(v, m, std::make_integer_sequence<int, 12>{});
  for (int i = 0; i < 8; ++i) chain_[i] ^= v[i] ^ v[i + 8];
}

void Blake2bHasher::update(std::span<const uint8_t> data) {
  if (finished_ || data.empty()) return;
  const uint8_t* in = data.data();
  size_t left = data.size();
  // Top up a partly filled block; it is compressed only once more input shows it is not last.
  if (pending_bytes_ > 0) {
    const size_t take = std::min(left, kBlockBytes - pending_bytes_);
    std::memcpy(pending_.data() + pending_bytes_, in, take);
    pending_bytes_ += take;
    in += take;
    left -= take;
    if (left == 0) return;
    compress(pending_.data(), kBlockBytes, false);
    pending_bytes_ = 0;
  }
  // Whole blocks straight from the input, keeping the last (whole or not) for later.
  while (left > kBlockBytes) {
    compress(in, kBlockBytes, false);
    in += kBlockBytes;
    left -= kBlockBytes;
  }
  std::memcpy(pending_.data(), in, left);
  pending_bytes_ = left;
}

void Blake2bHasher::update(std::string_view text) {
  update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Hash256 Blake2bHasher::finish() {
  if (!finished_) {
    std::memset(pending_.data() + pending_bytes_, 0, kBlockBytes - pending_bytes_);
    compress(pending_.data(), pending_bytes_, true);
    std::memcpy(digest_.bytes.data(), chain_.data(), digest_.bytes.size());
    finished_ = true;
  }
  return digest_;
}

}  // namespace tf
