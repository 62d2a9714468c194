#include "formats/hash/hash.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace tf {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hash256::to_hex() const {
  static const char digits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  return out;
}

Result<Hash256> Hash256::from_hex(std::string_view hex) {
  if (hex.size() != 64) {
    return Error{"hash must be 64 hex characters, got " + std::to_string(hex.size())};
  }
  Hash256 h;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Error{"hash contains a non-hex character near position " + std::to_string(2 * i)};
    }
    h.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return h;
}

Hash256 blake2b_256(std::span<const uint8_t> data) {
  Blake2bHasher h;
  h.update(data);
  return h.finish();
}

Hash256 blake2b_256(std::string_view text) {
  Blake2bHasher h;
  h.update(text);
  return h.finish();
}

Result<Hash256> hash_file(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    return Error{"cannot open '" + path.string() + "' for hashing: " + std::strerror(errno)};
  }
  Blake2bHasher h;
  std::vector<uint8_t> chunk(1 << 16);
  for (;;) {
    const size_t n = std::fread(chunk.data(), 1, chunk.size(), f.get());
    h.update(std::span<const uint8_t>(chunk.data(), n));
    if (n < chunk.size()) break;
  }
  if (std::ferror(f.get())) {
    return Error{"read error while hashing '" + path.string() + "'"};
  }
  return h.finish();
}

}  // namespace tf
