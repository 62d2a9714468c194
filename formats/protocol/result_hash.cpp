#include "formats/protocol/result_hash.h"

#include <bit>
#include <cstring>

namespace tf::proto {

static_assert(std::endian::native == std::endian::little,
              "canonical result bytes are little-endian; add byte swapping for this target");

Hash256 result_hash(const std::vector<float>& rgb, uint64_t rays) {
  Blake2bHasher hasher;
  hasher.update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(rgb.data()),
                                         rgb.size() * sizeof(float)));
  uint8_t ray_bytes[8];
  std::memcpy(ray_bytes, &rays, sizeof rays);
  hasher.update(std::span<const uint8_t>(ray_bytes, sizeof ray_bytes));
  return hasher.finish();
}

}  // namespace tf::proto
