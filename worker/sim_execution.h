// How a worker runs a simulation unit (formats/sim/sim_unit.h): fetch the chunk's state blob,
// or make a run's initial state from its batch's text (formats/sim/initial_state.h), once per
// worker (cached while its units are in flight), cut the unit's input from it, advance it on
// the device and return the box's fields with their hash.
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
// blob that the dispatcher stitches from them, computed only once a unit asks for a state the
// worker does not hold (SimStateCache::name_later). A worker that does not hold the head (it did
// not run the chunk before, or dropped it) starts from the dispatcher's copy and advances it
// SimUnitSpec::replay_steps steps first: the same bytes, at the cost of the replay.
//
// Thread safety: SimStateCache is shared by the device threads (internally locked);
// execute_sim_unit runs on one device thread with that thread's executor.
#pragma once

#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "formats/protocol/messages.h"
#include "formats/sim/batch_spec.h"
#include "kernels/sim/sim_host.h"
#include "worker/asset_cache.h"
#include "worker/executor.h"

namespace tf {

// A simulation unit's box advanced `steps` steps: its cell updates, observations and result
// hash, and its output fields (sim::unit_output) or, for a whole-domain unit, the run's next
// state, whose fields are that output in the same order (the advanced input; not copied out
// until needed).
struct AdvancedUnit {
  std::vector<float> output;  // units of a tile among several
  uint64_t updates = 0;
  std::vector<uint8_t> observations;  // formats/sim/sim_unit.h; empty when none are recorded
  Hash256 fields_hash;                // of the output alone, by `scheme`
  Hash256 hash;                       // proto::observed_result_hash(fields_hash, observations)
  proto::ResultHashScheme scheme = proto::ResultHashScheme::kSequential;
  std::shared_ptr<const sim::TileState> next;  // whole-domain units
};

// A run's next chunk computed ahead (compute_ahead, or execute_sim_unit while the hash of the
// chunk before it finishes): the unit that starts from the state object `start` and advances
// the whole domain `steps` steps to `next`. Its hash (`advanced` resolves to the unit with its
// hashes) is computed on another thread from the moment the stepping ends, at a low priority,
// so that the device steps the following chunk meanwhile, where the device leaves the host's
// cores idle (a GPU); on a device that steps on the host's cores (the CPU backend, an OpenCL
// CPU device) it is computed at once, since a hash beside those stepping threads stalls them
// all (sim_execution.cpp, hashes_beside_stepping); `next` is immutable, and
// stepping always works on a copy (sim::unit_input), so the hashed bytes are never the ones
// being stepped.
struct ChunkAhead {
  std::shared_ptr<const sim::TileState> start;
  int steps = 0;
  std::shared_ptr<const sim::TileState> next;
  std::future<AdvancedUnit> advanced;
};

class SimStateCache {
 public:
  // Holds at most kKeep states and, beyond the newest, at most `max_bytes` of them (fields and
  // cell types; a state held under two names counts twice): a large 3-D domain is gigabytes.
  explicit SimStateCache(size_t max_bytes = size_t{2} << 30) : max_bytes_(max_bytes) {}

  // The decoded state named `hash`, fetched with `fetch` when not held (after naming the states
  // held for name_later). Keeps the last
  // states (see above): the units of one chunk (and of a few runs) share them; a whole-domain
  // run puts one per chunk but keeps only its last two heads (put), so a sweep of runs
  // interleaved on one worker needs two per run (kKeep: with 8, a sweep of 8 runs lost its
  // heads and replayed chunks, a quarter of the speed; the byte bound caps large domains).
  Result<std::shared_ptr<const sim::TileState>> get(const Hash256& hash,
                                                   const AssetCache::FetchFn& fetch);
  // The state a unit starts from (SimUnitSpec::state): get() for a blob, or, for a made
  // initial state (SimUnitSpec::batch), the one held under its name or made from the batch's
  // runs (formats/sim/initial_state.h): no state crosses the network. Error when the name is
  // not the batch's run's (initial_state_name), or the batch has no such run or does not make
  // its states.
  Result<std::shared_ptr<const sim::TileState>> get_for(const proto::SimUnitSpec& spec,
                                                       const AssetCache::FetchFn& fetch);
  // The state held under `hash`; nullptr when none is.
  std::shared_ptr<const sim::TileState> find(const Hash256& hash);
  // A run of a batch: (job id, run index).
  using RunKey = std::pair<uint64_t, uint32_t>;
  // Holds `state` under `hash` (its canonical bytes' hash, or the result hash of the unit
  // whose output it is), as the newest; a name held already takes the new object, which is
  // the one a chunk computed ahead from it starts from (take_ahead matches objects). A state
  // put as a head of run `head_of` (a whole-domain unit's output under its result hash)
  // drops that run's heads before the last kHeadsPerRun: the next unit starts from the newest,
  // a unit granted again (its result lost) from the one before, and none from older ones (a
  // rollback starts from the dispatcher's copy). Without the bound one run filled the cache
  // with its past, each state fresh memory that the process faulted in page by page: 7-11 ms
  // between a fresh process's first 16 chunks of 2.4 MB instead of 2-3 (benchmarks/README.md).
  void put(const Hash256& hash, std::shared_ptr<const sim::TileState> state,
           std::optional<RunKey> head_of = std::nullopt);
  // Holds `state` (a run's next state, whose bytes the dispatcher stitches) to be named by its
  // canonical bytes' hash only when get() misses while it is still held as a head: the name
  // costs an encoding and a sequential hash of the whole state (2-3 ms for 2.25 MiB), which
  // a unit needs only when the dispatcher grants from the stitched state (not from the head).
  void name_later(std::shared_ptr<const sim::TileState> state);
  // Drops every head of `run`, whose last chunk is done: no unit starts from them (a unit
  // granted again replays from the dispatcher's copy). Held on, a sweep's finished runs kept
  // two states each until sixteen newer ones pushed them out, and the next runs' states were
  // fresh memory that the process faulted in page by page.
  void drop_heads(const RunKey& run);
  // Keeps a chunk computed ahead until a unit takes it: the last kKeepAhead and, beyond the
  // newest, at most `max_bytes` of their states. Runs interleaved on one worker each keep up to
  // two ahead (compute_ahead): with room for two in all, one run's chunks pushed out the
  // other's, whose units then stepped them again (two runs of 24 steps stepped 101-110).
  void put_ahead(ChunkAhead ahead);
  // The chunk computed ahead from `start` over `steps` steps, removed; nullopt when none.
  std::optional<ChunkAhead> take_ahead(const sim::TileState* start, int steps);
  // The state after such a chunk, if one is held (not removed); nullptr when none is.
  std::shared_ptr<const sim::TileState> find_ahead(const sim::TileState* start, int steps);

 private:
  struct Held {
    Hash256 name;
    std::shared_ptr<const sim::TileState> state;
    std::optional<RunKey> head_of;
  };
  static constexpr size_t kKeep = 16;
  static constexpr size_t kHeadsPerRun = 2;
  static constexpr size_t kKeepAhead = kKeep;
  // Drops the entry at `it` (under the lock); the entry after it.
  std::deque<Held>::iterator drop(std::deque<Held>::iterator it);
  // Whether `count` entries of `bytes` in all exceed a list's bounds: more than `keep` of them,
  // or, beyond the newest, more than max_bytes_.
  bool over_bounds(size_t count, size_t bytes, size_t keep) const {
    return count > keep || (count > 1 && bytes > max_bytes_);
  }
  const size_t max_bytes_;
  size_t bytes_ = 0;  // of states_
  std::mutex mutex_;
  std::deque<Held> states_;  // newest last
  // The runs of the batch whose text is the blob `batch` (sim::runs_to_make), held for the
  // last kKeepBatches batches, else fetched with `fetch` and expanded: a sweep's runs start
  // one after another from one batch, fetched and expanded once (each run's own expansion of
  // a 1,000-run sweep would cost the sweep a million run specs).
  using BatchRuns = std::shared_ptr<const std::vector<sim::RunSpec>>;
  Result<BatchRuns> batch_runs(const Hash256& batch, const AssetCache::FetchFn& fetch);
  static constexpr size_t kKeepBatches = 4;
  std::deque<std::pair<Hash256, BatchRuns>> batches_;  // newest last
  // The state `obtain` gives (called outside the lock), put under `hash`: for a name that
  // find() missed.
  Result<std::shared_ptr<const sim::TileState>> put_obtained(
      const Hash256& hash, const std::function<Result<sim::TileState>()>& obtain);
  std::vector<std::weak_ptr<const sim::TileState>> unnamed_;  // name_later's, oldest first
  // Names the states of unnamed_ still held (put under their names), newest first, until one
  // is named `wanted`, which it returns (nullptr when none is; the older ones stay unnamed).
  std::shared_ptr<const sim::TileState> name_unnamed(const Hash256& wanted);
  std::deque<ChunkAhead> ahead_;  // newest last
  size_t ahead_bytes_ = 0;        // of the states after ahead_'s chunks
};

// Runs one simulation unit; returns its UnitResult (simulation = true) or a UnitFailure. A
// whole-domain unit that was computed ahead from the same state takes that result. If that
// result's hash (on its own thread) has not finished yet, the device computes the run's next
// chunk ahead (SimUnitSpec::next_steps) meanwhile instead of waiting: the hash bounds a chunk
// when the round trip to the dispatcher is shorter than it, and a chunk then costs about the
// round trip plus the longer of stepping and the hash's rest, not stepping plus hashing. When
// the hash has finished (the round trip was longer), the result goes at once and the next
// chunk is left to compute_ahead, which steps it while the result travels. A unit that found
// nothing ahead (the first of its run on this worker, or one that came while the device had
// other work) never waits for a chunk after it. The result
// of a whole-domain unit that uploads no bytes carries none (rgb empty): they are the fields of
// the run's next state, which the cache holds under the result hash (see kept_sim_output).
proto::Body execute_sim_unit(UnitExecutor& executor, SimStateCache& states,
                             const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec);

// execute_sim_unit for a device with more units queued: a unit that found nothing ahead is only
// stepped here; its hash, and the result built from it, finish on a thread of their own at a
// low priority (on a device off the host's cores, as for ChunkAhead; elsewhere this is
// execute_sim_unit), which hands the outcome to `deliver`, while the device steps its next unit
// (of another run: a sweep's chunks cost the longer of stepping and hashing, not their sum,
// and the hashes of several units use several cores). Then the returned outcome is that
// thread's future, which must be waited for before anything `deliver` uses goes away (where no
// thread could be started the work is deferred to that wait); else it is the UnitResult or
// UnitFailure itself, as execute_sim_unit returns it.
using SimOutcome = std::variant<proto::Body, std::future<void>>;
SimOutcome start_sim_unit(UnitExecutor& executor, SimStateCache& states,
                          const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec,
                          std::function<void(proto::Body)> deliver);

// The output of the whole-domain unit whose result hash is `hash`, rebuilt from the run's
// next state that `states` holds: a closure for KeptResults that holds the state, or empty when
// the state is not held.
std::function<std::vector<float>()> kept_sim_output(SimStateCache& states, const Hash256& hash,
                                                   size_t* bytes);

// The run ahead: after the whole-domain unit `done` (whose result hash is `done_hash`), on a
// device with nothing else to do, computes the run's next chunk (SimUnitSpec::next_steps) from
// the state `done` left, so that the chunk's unit, when the dispatcher grants it, finds its
// result ready: the round trip to the dispatcher overlaps the device's work. Same bytes as
// computing it then (a unit's result depends on the unit alone). On a device off the host's
// cores (a GPU, whose hashes run beside its stepping) it then computes the chunk after that
// too (SimUnitSpec::after_next_steps; none when that is 0: the run ends, so no device time and
// no host core go to a chunk past it) while `idle()` says it still has nothing else to do. A
// dispatcher of an earlier release does not say that chunk's length, which is then guessed as
// long as the next one's (a run's chunks are, but at its snapshots and its end, where a wrong
// guess costs device time: the unit finds nothing ahead and steps). False when nothing was
// stepped (no next chunk, a tile among several, the state no longer held, the chunks already
// computed ahead) or the stepping failed. Returns when the stepping ends; the hashes go on.
bool compute_ahead(UnitExecutor& executor, SimStateCache& states, const proto::SimUnitSpec& done,
                   const Hash256& done_hash, const std::function<bool()>& idle = {});

}  // namespace tf
