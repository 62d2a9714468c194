// BLAKE2b (RFC 7693) with a 32-byte digest and no key: Blake2bHasher's implementation.
//
// Portable 64-bit code with the twelve rounds unrolled (blake2b_rounds.h); see hash.h for why
// it is not libsodium's. The message words are read little-endian, as the RFC requires.
#include <algorithm>
#include <bit>
#include <cstring>

#include "formats/hash/blake2b_rounds.h"
#include "formats/hash/hash.h"

namespace tf {

static_assert(std::endian::native == std::endian::little,
              "BLAKE2b reads its message words little-endian; add byte swapping for this target");

Blake2bHasher::Blake2bHasher(const Blake2bTreeNode& node)
    : chain_(blake2b::initial_chain(node)), last_node_(node.last_node) {}

void Blake2bHasher::compress(const uint8_t* block, uint64_t block_bytes, bool last) {
  counter_low_ += block_bytes;
  if (counter_low_ < block_bytes) ++counter_high_;
  uint64_t m[16];
  std::memcpy(m, block, sizeof m);
  uint64_t v[16];
  for (int i = 0; i < 8; ++i) {
    v[i] = chain_[i];
    v[i + 8] = blake2b::kIv[i];
  }
  v[12] ^= counter_low_;
  v[13] ^= counter_high_;
  if (last) {
    v[14] = ~v[14];
    if (last_node_) v[15] = ~v[15];
  }
  blake2b::twelve_rounds(v, m);
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
