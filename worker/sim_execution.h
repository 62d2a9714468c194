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
// formats/sim/sim_unit.h) and holds it under its hash, so that the next chunk's unit, named by
// that hash, starts without fetching megabytes back from the dispatcher. Were the dispatcher
// to accept other bytes, the hash differs and the worker fetches as before.
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
  // kKeep states: the units of one chunk (and of a few runs) share them.
  Result<std::shared_ptr<const sim::TileState>> get(const Hash256& hash,
                                                   const AssetCache::FetchFn& fetch);
  // Holds `state`, known to have the canonical bytes named `hash`, as if fetched.
  void put(const Hash256& hash, std::shared_ptr<const sim::TileState> state);

 private:
  static constexpr size_t kKeep = 4;
  std::mutex mutex_;
  std::deque<std::pair<Hash256, std::shared_ptr<const sim::TileState>>> states_;  // newest last
};

// Runs one simulation unit; returns its UnitResult (simulation = true) or a UnitFailure.
proto::Body execute_sim_unit(UnitExecutor& executor, SimStateCache& states,
                             const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec);

}  // namespace tf
