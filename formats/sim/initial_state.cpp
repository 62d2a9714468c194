#include "formats/sim/initial_state.h"

namespace tf::sim {

Hash256 initial_state_name(const Hash256& batch, uint32_t run) {
  // Tagged, so that these names are no other derivation's; no blob's bytes hash to one
  // unless someone found a BLAKE2b preimage.
  static constexpr char kTag[] = "tilefarm made initial state";
  std::vector<uint8_t> bytes(kTag, kTag + sizeof kTag);  // with its terminator
  for (int shift = 0; shift < 32; shift += 8) {
    bytes.push_back(static_cast<uint8_t>(kInitialStateRecipe >> shift));
  }
  bytes.insert(bytes.end(), batch.bytes.begin(), batch.bytes.end());
  for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<uint8_t>(run >> shift));
  return blake2b_256(bytes);
}

bool makes_initial_states(const BatchSpec& batch) { return mask_images(batch).empty(); }

Result<std::vector<RunSpec>> runs_to_make(std::string_view batch_text) {
  Result<BatchSpec> batch = parse_batch(batch_text, "batch");
  if (!batch) return Error{batch.message()};
  if (!makes_initial_states(batch.value())) {
    return Error{"the batch has mask obstacles: its initial states are stored, not made"};
  }
  return expand_runs(batch.value());
}

}  // namespace tf::sim
