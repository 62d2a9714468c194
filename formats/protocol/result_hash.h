// The canonical bytes of a render unit's result and their hash: rgb floats as little-endian
// float32, then the ray count as u64 little-endian. Two results of one unit are equal exactly
// when these hashes are (DESIGN.md, verification).
#pragma once

#include <cstdint>
#include <vector>

#include "formats/hash/hash.h"

namespace tf::proto {

Hash256 result_hash(const std::vector<float>& rgb, uint64_t rays);

}  // namespace tf::proto
