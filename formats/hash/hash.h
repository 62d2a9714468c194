// BLAKE2b-256 content hashes (libsodium): the names of scene bundles, assets and results.
//
// Thread safety: free functions are thread-safe; one Blake2bHasher is used by one thread.
#pragma once

#include <sodium/crypto_generichash.h>

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

// Streaming BLAKE2b-256: update() any number of times, then finish() once.
// finish() on an already finished hasher returns the same digest again.
class Blake2bHasher {
 public:
  Blake2bHasher();
  void update(std::span<const uint8_t> data);
  void update(std::string_view text);
  Hash256 finish();

 private:
  crypto_generichash_state state_;
  bool finished_ = false;
  Hash256 digest_{};
};

// Hashes a file's bytes in chunks. Errors name the path and the OS reason.
Result<Hash256> hash_file(const std::filesystem::path& path);

}  // namespace tf
