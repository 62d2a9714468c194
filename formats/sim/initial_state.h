// A run's initial state made where it is needed, from its batch's text (DESIGN.md, "simulation
// unit"), instead of made, encoded, hashed and stored by the dispatcher at submission and
// fetched by every worker that starts the run: for a 256^2 run that was 2.1 ms of the
// dispatcher's loop to make and encode it, 1.5 ms to store it and a 2.25 MiB fetch per worker
// (a 1,000-run sweep stalled the loop for seconds and wrote gigabytes). The batch's TOML text
// is a small blob; a worker makes run r's state from it with the code the dispatcher's plan
// uses (parse_batch, expand_runs, make_initial_state), so the bytes are the same.
//
// Such a state is named without its bytes: initial_state_name(batch blob, run), a hash of
// the recipe version, the batch blob's name and the run index under a tag of its own, so that
// it is no blob's name (bytes that hash to it would be a BLAKE2b preimage). The name binds the
// recipe: a release that makes initial states differently changes kInitialStateRecipe, and a
// peer whose recipe differs is sent the stored state instead (the dispatcher makes and stores
// it for such a worker).
// Batches with mask obstacles keep stored initial states: their images are files of the
// submission, not of the batch text.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/hash/hash.h"
#include "formats/sim/batch_spec.h"
#include "kernels/status.h"

namespace tf::sim {

// The version of how a batch's text becomes its runs' initial states.
inline constexpr uint32_t kInitialStateRecipe = 1;

// The name of run `run`'s initial state made from the batch whose text is the blob `batch`.
Hash256 initial_state_name(const Hash256& batch, uint32_t run);

// Whether the runs of `batch` start from made initial states: it has no mask obstacles.
bool makes_initial_states(const BatchSpec& batch);

// The runs of the batch whose text is `batch_text` as the dispatcher's plan expands them
// (parse_batch, expand_runs): make_initial_state of run r is run r's initial state. Error when
// the text does not parse or the batch has mask obstacles.
Result<std::vector<RunSpec>> runs_to_make(std::string_view batch_text);

}  // namespace tf::sim
