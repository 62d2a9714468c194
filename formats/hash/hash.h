// BLAKE2b-256 content hashes (RFC 7693): the names of scene bundles, assets and results.
//
// BLAKE2b is computed here (blake2b.cpp), not by libsodium: a result's hash is on the path of
// every simulation chunk (a 2.4 MB state per chunk), and libsodium picks its AVX2 BLAKE2b at
// sodium_init(), which measured 610 MB/s against 1,150 MB/s for this portable one on the same
// core (benchmarks/README.md "Hashing"). The digests are libsodium's crypto_generichash with a
// 32-byte output and no key, bit for bit (tests/formats/hash_test.cpp compares them).
//
// Thread safety: free functions are thread-safe; one Blake2bHasher is used by one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "kernels/status.h"

namespace tf {

// A 256-bit digest. Ordered and comparable so it can key maps.
struct Hash256 {
  std::array<uint8_t, 32> bytes{};

  // 64 lowercase hex characters.
  std::string to_hex() const;
  // Accepts exactly 64 hex characters (either case); anything else is an error.
  static Result<Hash256> from_hex(std::string_view hex);

  auto operator<=>(const Hash256&) const = default;
};

// BLAKE2b with a 32-byte digest and no key over `data`.
Hash256 blake2b_256(std::span<const uint8_t> data);
// Convenience for text (hashes the bytes of `text`, no terminator).
Hash256 blake2b_256(std::string_view text);

// The fields of BLAKE2b's parameter block that place a node in a hash tree (the BLAKE2
// specification, sections 2.5 and 2.10); the defaults are sequential hashing. A node hashed as
// the last of its level (`last_node`) sets the second finalization flag.
struct Blake2bTreeNode {
  uint8_t fanout = 1, depth = 1;
  uint32_t leaf_length = 0;
  uint64_t node_offset = 0;
  uint8_t node_depth = 0, inner_length = 0;
  bool last_node = false;
};

// Streaming BLAKE2b-256: update() any number of times, then finish() once.
// finish() on an already finished hasher returns the same digest again; update() after
// finish() is ignored.
class Blake2bHasher {
 public:
  Blake2bHasher() : Blake2bHasher(Blake2bTreeNode{}) {}
  // A node of a hash tree (tree_hash.h), with a 32-byte digest and no key.
  explicit Blake2bHasher(const Blake2bTreeNode& node);
  void update(std::span<const uint8_t> data);
  void update(std::string_view text);
  Hash256 finish();

  static constexpr size_t kBlockBytes = 128;

 private:
  std::array<uint64_t, 8> chain_;
  // Input not yet compressed: up to one whole block, because the last block is compressed
  // with the final flag and is only known to be last at finish().
  std::array<uint8_t, kBlockBytes> pending_{};
  size_t pending_bytes_ = 0;
  uint64_t counter_low_ = 0;  // bytes compressed so far, as BLAKE2b's 128-bit counter
  uint64_t counter_high_ = 0;
  bool finished_ = false;
  bool last_node_ = false;
  Hash256 digest_{};

  void compress(const uint8_t* block, uint64_t block_bytes, bool last);
};

// Hashes a file's bytes in chunks. Errors name the path and the OS reason.
Result<Hash256> hash_file(const std::filesystem::path& path);

}  // namespace tf
