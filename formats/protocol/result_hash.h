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

// How a unit's canonical bytes are hashed. Every unit of a job is hashed by the job's scheme
// (the dispatcher's JobRow), so that its replicas agree; a worker is granted units of a
// scheme only when its hello says it computes it.
enum class ResultHashScheme : uint8_t {
  // BLAKE2b-256 of the bytes: render units, and simulation jobs of earlier releases.
  kSequential = 0,
  // The BLAKE2b tree of the bytes (formats/hash/tree_hash.h), hashed on every core: simulation
  // jobs, whose results of megabytes are hashed on the path of every chunk.
  kTree = 1,
};

Hash256 result_hash(std::span<const float> values, uint64_t rays,
                    ResultHashScheme scheme = ResultHashScheme::kSequential);
// The hash of canonical bytes (canonical_result_bytes); result_hash(v, n, s) ==
// canonical_bytes_hash(canonical_result_bytes(v, n), s).
Hash256 canonical_bytes_hash(std::span<const uint8_t> canonical, ResultHashScheme scheme);

// The result hash of a simulation unit that records observations: BLAKE2b-256 of the domain
// "tilefarm-observed-result-v1", the hash of its fields (result_hash) and the observation
// bytes. `fields` itself when there are none, so units without observables hash as before.
Hash256 observed_result_hash(const Hash256& fields, std::span<const uint8_t> observations);

// The canonical bytes themselves; result_hash(v, n) == blake2b_256(canonical_result_bytes(v, n)).
std::vector<uint8_t> canonical_result_bytes(const std::vector<float>& values, uint64_t count);
// The floats of canonical bytes holding exactly `floats` of them; error on any other length.
Result<std::vector<float>> values_from_canonical(const std::vector<uint8_t>& bytes, size_t floats);

}  // namespace tf::proto
