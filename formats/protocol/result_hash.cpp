#include "formats/protocol/result_hash.h"

#include <bit>
#include <cstring>
#include <string>

#include "formats/hash/tree_hash.h"

namespace tf::proto {

static_assert(std::endian::native == std::endian::little,
              "canonical result bytes are little-endian; add byte swapping for this target");

namespace {

// The concatenation of `parts`, hashed by `scheme`.
Hash256 hash_parts(std::span<const std::span<const uint8_t>> parts, ResultHashScheme scheme) {
  if (scheme == ResultHashScheme::kTree) return blake2b_tree_256(parts);
  Blake2bHasher hasher;
  for (std::span<const uint8_t> part : parts) hasher.update(part);
  return hasher.finish();
}

}  // namespace

Hash256 result_hash(std::span<const float> values, uint64_t rays, ResultHashScheme scheme) {
  uint8_t ray_bytes[8];
  std::memcpy(ray_bytes, &rays, sizeof rays);
  const std::span<const uint8_t> parts[] = {
      {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(float)},
      {ray_bytes, sizeof ray_bytes}};
  return hash_parts(parts, scheme);
}

Hash256 canonical_bytes_hash(std::span<const uint8_t> canonical, ResultHashScheme scheme) {
  return hash_parts(std::span<const std::span<const uint8_t>>(&canonical, 1), scheme);
}

Hash256 observed_result_hash(const Hash256& fields, std::span<const uint8_t> observations) {
  if (observations.empty()) return fields;
  static constexpr char kDomain[] = "tilefarm-observed-result-v1";
  Blake2bHasher hasher;
  hasher.update(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kDomain), sizeof kDomain - 1));
  hasher.update(std::span<const uint8_t>(fields.bytes.data(), fields.bytes.size()));
  hasher.update(observations);
  return hasher.finish();
}

std::vector<uint8_t> canonical_result_bytes(const std::vector<float>& values, uint64_t count) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float) + sizeof count);
  std::memcpy(bytes.data(), values.data(), values.size() * sizeof(float));
  std::memcpy(bytes.data() + values.size() * sizeof(float), &count, sizeof count);
  return bytes;
}

Result<std::vector<float>> values_from_canonical(const std::vector<uint8_t>& bytes, size_t floats) {
  if (bytes.size() != floats * sizeof(float) + sizeof(uint64_t)) {
    return Error{"stored result has " + std::to_string(bytes.size()) + " bytes, expected " +
                 std::to_string(floats * sizeof(float) + sizeof(uint64_t))};
  }
  std::vector<float> values(floats);
  std::memcpy(values.data(), bytes.data(), floats * sizeof(float));
  return values;
}

}  // namespace tf::proto
