// The canonical bytes of a unit's result and their hash: its floats (render: rgb sums;
// simulation: field values) as little-endian float32, then its count (rays; cell updates) as
// u64 little-endian. Two results of one unit are equal exactly
// when these hashes are (DESIGN.md, verification).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf::proto {

Hash256 result_hash(std::span<const float> values, uint64_t rays);

// The result hash of a simulation unit that records observations: BLAKE2b-256 of the domain
// "tilefarm-observed-result-v1", the hash of its fields (result_hash) and the observation
// bytes. `fields` itself when there are none, so units without observables hash as before.
Hash256 observed_result_hash(const Hash256& fields, std::span<const uint8_t> observations);

// The canonical bytes themselves; result_hash(v, n) == blake2b_256(canonical_result_bytes(v, n)).
std::vector<uint8_t> canonical_result_bytes(const std::vector<float>& values, uint64_t count);
// The floats of canonical bytes holding exactly `floats` of them; error on any other length.
Result<std::vector<float>> values_from_canonical(const std::vector<uint8_t>& bytes, size_t floats);

}  // namespace tf::proto
