// How a worker runs a simulation unit (formats/sim/sim_unit.h): fetch the chunk's state blob
// (once per worker, cached while its units are in flight), cut the unit's input from it,
// advance it on the device and return the box's fields with their hash.
//
// The dispatcher is trusted no more than it must be: a state blob whose bytes do not hash to
// its name, that does not decode, or a box outside the state fails the unit with a message.
//
// A run's state stays with the worker that advances it: after a unit that covers the whole
// domain (one tile per chunk, the default plan), the worker builds the next chunk's state
// exactly as the dispatcher stitches it (the input state with the unit's output inserted,
// formats/sim/sim_unit.h) and holds it under the unit's result hash, the name the next unit
// gives it in SimUnitSpec::head when the dispatcher kept no copy of that chunk (it verified
// the chunk by hash alone); and, when the unit uploaded its bytes, under the hash of the state
// blob that the dispatcher stitches from them. A worker that does not hold the head (it did
// not run the chunk before, or dropped it) starts from the dispatcher's copy and advances it
// SimUnitSpec::replay_steps steps first: the same bytes, at the cost of the replay.
//
// Thread safety: SimStateCache is shared by the device threads (internally locked);
// execute_sim_unit runs on one device thread with that thread's executor.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "formats/protocol/messages.h"
#include "kernels/sim/sim_host.h"
#include "worker/asset_cache.h"
#include "worker/executor.h"

namespace tf {

class SimStateCache {
 public:
  // The decoded state named `hash`, fetched with `fetch` when not held. Keeps the last
  // kKeep states: the units of one chunk (and of a few runs) share them; a whole-domain run
  // leaves one per chunk (two where the dispatcher stitches it).
  Result<std::shared_ptr<const sim::TileState>> get(const Hash256& hash,
                                                   const AssetCache::FetchFn& fetch);
  // The state held under `hash`; nullptr when none is.
  std::shared_ptr<const sim::TileState> find(const Hash256& hash);
  // Holds `state` under `hash` (its canonical bytes' hash, or the result hash of the unit
  // whose output it is).
  void put(const Hash256& hash, std::shared_ptr<const sim::TileState> state);

 private:
  static constexpr size_t kKeep = 8;
  std::mutex mutex_;
  std::deque<std::pair<Hash256, std::shared_ptr<const sim::TileState>>> states_;  // newest last
};

// Runs one simulation unit; returns its UnitResult (simulation = true) or a UnitFailure.
proto::Body execute_sim_unit(UnitExecutor& executor, SimStateCache& states,
                             const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec);

}  // namespace tf
