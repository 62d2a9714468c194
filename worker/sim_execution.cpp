#include "worker/sim_execution.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <iterator>
#include <system_error>

#include "formats/protocol/result_hash.h"
#include "formats/sim/initial_state.h"
#include "formats/sim/sim_unit.h"
#include "worker/thread_priority.h"

namespace tf {

namespace {

size_t state_bytes(const sim::TileState& state) {
  return state.fields.size() * sizeof(float) + state.cell_types.size() +
         state.obstacle_ids.size();
}

// The bytes of the state after a chunk computed ahead.
size_t state_bytes(const ChunkAhead& ahead) { return ahead.next ? state_bytes(*ahead.next) : 0; }

}  // namespace

std::shared_ptr<const sim::TileState> SimStateCache::find(const Hash256& hash) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Held& held : states_) {
    if (held.name == hash) return held.state;
  }
  return nullptr;
}

Result<std::shared_ptr<const sim::TileState>> SimStateCache::put_obtained(
    const Hash256& hash, const std::function<Result<sim::TileState>()>& obtain) {
  // Obtained outside the lock: other devices go on meanwhile. Two threads that miss at once
  // both decode or make it; a fetch itself is shared by the worker.
  Result<sim::TileState> state = obtain();
  if (!state) return Error{state.message()};
  auto shared = std::make_shared<const sim::TileState>(std::move(state.value()));
  put(hash, shared);
  return shared;
}

Result<std::shared_ptr<const sim::TileState>> SimStateCache::get(
    const Hash256& hash, const AssetCache::FetchFn& fetch) {
  if (std::shared_ptr<const sim::TileState> held = find(hash)) return held;
  if (std::shared_ptr<const sim::TileState> named = name_unnamed(hash)) return named;
  return put_obtained(hash, [&]() -> Result<sim::TileState> {
    Result<std::vector<uint8_t>> bytes = fetch(hash);
    if (!bytes) return Error{bytes.message()};
    if (blake2b_256(bytes.value()) != hash) {
      return Error{"the dispatcher sent state " + hash.to_hex() + " with other bytes"};
    }
    Result<sim::TileState> state = sim::decode_state(bytes.value());
    if (!state) return Error{"state " + hash.to_hex() + ": " + state.message()};
    return state;
  });
}

Result<std::shared_ptr<const sim::TileState>> SimStateCache::get_for(
    const proto::SimUnitSpec& spec, const AssetCache::FetchFn& fetch) {
  if (!spec.batch) return get(spec.state, fetch);
  const Hash256& batch = *spec.batch;
  if (sim::initial_state_name(batch, spec.run) != spec.state) {
    return Error{"state " + spec.state.to_hex() + " is not the initial state of run " +
                 std::to_string(spec.run) + " of batch " + batch.to_hex()};
  }
  if (std::shared_ptr<const sim::TileState> held = find(spec.state)) return held;
  Result<BatchRuns> runs = batch_runs(batch, fetch);
  if (!runs) return Error{"batch " + batch.to_hex() + ": " + runs.message()};
  if (spec.run >= runs.value()->size()) {
    return Error{"batch " + batch.to_hex() + " has " + std::to_string(runs.value()->size()) +
                 " runs, not run " + std::to_string(spec.run)};
  }
  const sim::RunSpec& run = (*runs.value())[spec.run];
  return put_obtained(spec.state, [&] { return sim::make_initial_state(run); });
}

Result<SimStateCache::BatchRuns> SimStateCache::batch_runs(const Hash256& batch,
                                                          const AssetCache::FetchFn& fetch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, runs] : batches_) {
      if (name == batch) return runs;
    }
  }
  // Fetched and expanded outside the lock, as states are obtained (put_obtained).
  Result<std::vector<uint8_t>> text = fetch(batch);
  if (!text) return Error{text.message()};
  if (blake2b_256(text.value()) != batch) return Error{"the dispatcher sent other bytes"};
  Result<std::vector<sim::RunSpec>> runs = sim::runs_to_make(
      std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  if (!runs) return Error{runs.message()};
  auto shared = std::make_shared<const std::vector<sim::RunSpec>>(std::move(runs.value()));
  std::lock_guard<std::mutex> lock(mutex_);
  batches_.emplace_back(batch, shared);
  if (batches_.size() > kKeepBatches) batches_.pop_front();
  return shared;
}

std::deque<SimStateCache::Held>::iterator SimStateCache::drop(std::deque<Held>::iterator it) {
  bytes_ -= state_bytes(*it->state);
  return states_.erase(it);
}

void SimStateCache::name_later(std::shared_ptr<const sim::TileState> state) {
  std::lock_guard<std::mutex> lock(mutex_);
  unnamed_.push_back(std::move(state));
  if (unnamed_.size() > kKeep) unnamed_.erase(unnamed_.begin());
}

std::shared_ptr<const sim::TileState> SimStateCache::name_unnamed(const Hash256& wanted) {
  // Newest first: the dispatcher grants from the state of a run's latest stitched chunk.
  for (;;) {
    std::shared_ptr<const sim::TileState> state;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (!state && !unnamed_.empty()) {
        state = unnamed_.back().lock();
        unnamed_.pop_back();
        const bool held = state && std::any_of(states_.begin(), states_.end(),
                                               [&](const Held& h) { return h.state == state; });
        if (!held) state.reset();
      }
    }
    if (!state) return nullptr;
    // Encoded and hashed outside the lock: other devices go on meanwhile.
    Result<std::vector<uint8_t>> bytes = sim::encode_state(*state);
    if (!bytes) continue;
    const Hash256 name = blake2b_256(bytes.value());
    put(name, state);
    if (name == wanted) return state;
  }
}

void SimStateCache::drop_heads(const RunKey& run) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = states_.begin(); it != states_.end();) {
    it = it->head_of == run ? drop(it) : std::next(it);
  }
}

void SimStateCache::put(const Hash256& hash, std::shared_ptr<const sim::TileState> state,
                        std::optional<RunKey> head_of) {
  std::lock_guard<std::mutex> lock(mutex_);
  // A name held already (a run submitted again, a sweep's identical runs) takes the new
  // object, newest: chunks computed ahead know their start by its object (take_ahead), and
  // the next unit of this run starts from the one just stepped.
  auto same = std::find_if(states_.begin(), states_.end(),
                           [&](const Held& held) { return held.name == hash; });
  if (same != states_.end()) drop(same);
  bytes_ += state_bytes(*state);
  states_.push_back({hash, std::move(state), head_of});
  if (head_of) {  // the run's heads before its last kHeadsPerRun, oldest first
    auto is_head = [&](const Held& held) { return held.head_of == head_of; };
    for (auto n = std::count_if(states_.begin(), states_.end(), is_head);
         n > static_cast<std::ptrdiff_t>(kHeadsPerRun); --n) {
      drop(std::find_if(states_.begin(), states_.end(), is_head));
    }
  }
  while (over_bounds(states_.size(), bytes_, kKeep)) drop(states_.begin());
}

void SimStateCache::put_ahead(ChunkAhead ahead) {
  std::vector<ChunkAhead> dropped;  // destroyed outside the lock: each waits for its hash
  std::lock_guard<std::mutex> lock(mutex_);
  ahead_bytes_ += state_bytes(ahead);
  ahead_.push_back(std::move(ahead));
  while (over_bounds(ahead_.size(), ahead_bytes_, kKeepAhead)) {
    ahead_bytes_ -= state_bytes(ahead_.front());
    dropped.push_back(std::move(ahead_.front()));
    ahead_.pop_front();
  }
}

std::shared_ptr<const sim::TileState> SimStateCache::find_ahead(const sim::TileState* start,
                                                                int steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto held = std::find_if(ahead_.begin(), ahead_.end(), [&](const ChunkAhead& ahead) {
    return ahead.start.get() == start && ahead.steps == steps;
  });
  return held != ahead_.end() ? held->next : nullptr;
}

std::optional<ChunkAhead> SimStateCache::take_ahead(const sim::TileState* start, int steps) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = ahead_.begin(); it != ahead_.end(); ++it) {
    if (it->start.get() != start || it->steps != steps) continue;
    ChunkAhead found = std::move(*it);
    ahead_.erase(it);
    ahead_bytes_ -= state_bytes(found);
    return found;
  }
  return std::nullopt;
}

namespace {

sim::Box box_of(const proto::SimUnitSpec& spec) {
  return {static_cast<int>(spec.x0), static_cast<int>(spec.y0), static_cast<int>(spec.z0),
          {static_cast<int>(spec.x1 - spec.x0), static_cast<int>(spec.y1 - spec.y0),
           static_cast<int>(spec.z1 - spec.z0)}};
}

// Cuts the unit's input from `domain` (the run's state at step `first`), advances it `steps`
// steps, stopping at each sample step of the run to sample the cells the unit owns; the hashes
// are left to hash_unit.
Result<AdvancedUnit> step_unit(UnitExecutor& executor, const sim::TileState& domain,
                               const sim::Box& box, uint64_t first, int steps) {
  Result<sim::TileState> input = sim::unit_input(domain, box, steps);
  if (!input) return Error{input.message()};
  sim::TileState& state = input.value();
  const int ghost = state.ghost;
  const sim::Box owned{ghost, ghost, sim::dimension_count(state.model) == 3 ? ghost : 0,
                       box.size};
  const sim::Stepper stepper = [&](sim::TileState& s, int n) { return executor.simulate(s, n); };
  AdvancedUnit out;
  uint64_t at = first;
  const uint64_t count = static_cast<uint64_t>(steps);
  for (uint64_t sample : sim::sample_steps(state.observation, first, count)) {
    if (Status s = sim::advance_run(state, at, static_cast<int>(sample - at), stepper); !s) {
      return Error{s.message()};
    }
    at = sample;
    sim::append_sample(out.observations, sim::sample_state(state, owned));
  }
  if (at < first + static_cast<uint64_t>(steps)) {
    const int rest = static_cast<int>(first + static_cast<uint64_t>(steps) - at);
    if (Status s = sim::advance_run(state, at, rest, stepper); !s) return Error{s.message()};
  }
  out.updates = sim::unit_cell_updates(domain.model, domain.size, box, steps);
  if (sim::covers_domain(domain.size, box)) {
    // The advanced input is the run's next state, and its fields are the unit's output.
    out.next = std::make_shared<const sim::TileState>(std::move(state));
  } else {
    out.output = sim::unit_output(state);
  }
  return out;
}

// Hashes a stepped unit's output (by `scheme`) and observations.
AdvancedUnit hash_unit(AdvancedUnit unit, proto::ResultHashScheme scheme) {
  unit.scheme = scheme;
  unit.fields_hash =
      proto::result_hash(unit.next ? unit.next->fields : unit.output, unit.updates, scheme);
  unit.hash = proto::observed_result_hash(unit.fields_hash, unit.observations);
  return unit;
}

// How many of a run's chunks a device whose hashes run beside its stepping computes ahead while
// it has nothing else to do. With one, a 2 ms chunk on such a device cost 3-3.5 ms through the
// farm: the chunk after the one granted could start only when that one's grant came, and its
// hash (2 ms on a host core) then held its result, so the device waited for a round trip to the
// dispatcher every other chunk. With two, the device steps while the last chunk's hash and
// round trip go on.
constexpr int kChunksAheadBesideStepping = 2;

// Whether a unit's hash may run beside the device's next stepping: only where the stepping
// leaves the host's cores idle (a GPU). The CPU stepper's threads take every core and wait for
// each other after every step, so a hash beside them, even at a low priority, stalls them all
// whenever it takes a core from one: a 256^2 chunk stepped 20-25 % slower (26-28 ms instead
// of 22-23) with its predecessor's 2 ms hash beside it, which cost more than the hash itself.
bool hashes_beside_stepping(const UnitExecutor& executor) {
  return !executor.device().on_host_cpu;
}

// Runs `work` on a thread of its own, started now, at a low priority
// (lower_this_thread_priority), so that it takes host cores only in the gaps of whatever
// else runs there. Where no thread can be started, `work` runs deferred, on the thread that
// waits for the future.
template <typename Work>
auto beside_stepping(Work work) -> std::future<decltype(work())> {
  auto held = std::make_shared<Work>(std::move(work));
  try {
    return std::async(std::launch::async, [held] {
      lower_this_thread_priority();
      return (*held)();
    });
  } catch (const std::system_error&) {
    return std::async(std::launch::deferred, [held] { return (*held)(); });
  }
}

// The unit hashed beside the stepping that follows (hashes_beside_stepping), or hashed now.
std::future<AdvancedUnit> hash_after_stepping(const UnitExecutor& executor, AdvancedUnit unit,
                                              proto::ResultHashScheme scheme) {
  if (!hashes_beside_stepping(executor)) {
    std::promise<AdvancedUnit> hashed;
    hashed.set_value(hash_unit(std::move(unit), scheme));
    return hashed.get_future();
  }
  return beside_stepping(
      [unit = std::move(unit), scheme]() mutable { return hash_unit(std::move(unit), scheme); });
}

// Steps the whole-domain chunk of `steps` steps from `start` (the run at step `first`) and
// keeps it ahead, its hash (by `scheme`) computed beside the stepping that follows
// (hash_after_stepping). False when there is nothing to compute (see compute_ahead) or the
// stepping failed.
bool step_ahead(UnitExecutor& executor, SimStateCache& states,
                std::shared_ptr<const sim::TileState> start, const sim::Box& box, uint64_t first,
                uint32_t steps, proto::ResultHashScheme scheme) {
  if (steps == 0 || steps > INT_MAX || !start || !sim::covers_domain(start->size, box)) {
    return false;
  }
  const int k = static_cast<int>(steps);
  if (states.find_ahead(start.get(), k)) return false;
  Result<AdvancedUnit> stepped = step_unit(executor, *start, box, first, k);
  if (!stepped) return false;
  std::shared_ptr<const sim::TileState> next = stepped->next;
  states.put_ahead({std::move(start), k, std::move(next),
                    hash_after_stepping(executor, std::move(stepped.value()), scheme)});
  return true;
}

// The state `steps` steps after the whole-domain `domain` (the run at step `first`), advanced
// in pieces of at most `piece` steps as units would be (the result of a unit depends on the
// unit alone, so the pieces need not be the chunks that the run took; a whole-domain unit's
// input is the domain).
Result<std::shared_ptr<const sim::TileState>> replay(UnitExecutor& executor,
                                                     const sim::TileState& domain,
                                                     const sim::Box& box, uint64_t first,
                                                     uint32_t steps, int piece) {
  if (!sim::covers_domain(domain.size, box)) {
    return Error{"a replay needs a unit that covers the whole domain"};
  }
  auto state = std::make_shared<sim::TileState>(domain);
  const sim::Stepper stepper = [&](sim::TileState& s, int n) { return executor.simulate(s, n); };
  for (uint32_t done = 0; done < steps;) {
    const int k = static_cast<int>(std::min<uint32_t>(steps - done, static_cast<uint32_t>(piece)));
    if (Status s = sim::advance_run(*state, first + done, k, stepper); !s) {
      return Error{s.message()};
    }
    done += static_cast<uint32_t>(k);
  }
  return std::shared_ptr<const sim::TileState>(std::move(state));
}

// The UnitResult of a hashed unit of `spec` (a run of `model`); keeps the run's next state
// (see the header): under the result hash that names it as the next unit's head and, when its
// bytes go to the dispatcher to be stitched, to be named later by the state blob's hash; after
// the run's last chunk, from which no unit starts, drops the run's heads instead (keeping the
// output only where its bytes may be asked for).
proto::Body finish_result(SimStateCache& states, const proto::SimUnitSpec& spec, sim::Model model,
                          AdvancedUnit advanced) {
  proto::UnitResult result;
  result.lease_id = spec.lease_id;
  result.unit_id = spec.unit_id;
  result.kernel_version = std::string(sim::kernel_version(model));
  result.simulation = true;
  result.width = static_cast<uint32_t>(box_of(spec).size.cell_count());
  result.height = static_cast<uint32_t>(sim::component_count(model));
  result.rays = advanced.updates;
  result.result_hash = advanced.hash;
  if (!advanced.observations.empty()) {
    result.observations = std::move(advanced.observations);
    result.fields_hash = advanced.fields_hash;
  }
  if (!advanced.next) {
    result.rgb = std::move(advanced.output);
  } else if (spec.upload_bytes) {
    result.rgb = advanced.next->fields;
  }
  const SimStateCache::RunKey run{spec.job_id, spec.run};
  // A dispatcher that says the steps after the next chunk says 0 next steps for a whole-domain
  // unit at its run's last chunk alone (one of an earlier release may not).
  const bool runs_last_chunk = advanced.next && spec.after_next_steps && spec.next_steps == 0;
  if (runs_last_chunk) states.drop_heads(run);
  // The last chunk's output stays only with a replica that did not upload it: its bytes may
  // be asked for (kept_sim_output).
  if (std::shared_ptr<const sim::TileState> next = advanced.next;
      next && (!runs_last_chunk || !spec.upload_bytes)) {
    states.put(result.result_hash, next, run);
    if (spec.upload_bytes && spec.next_steps > 0) states.name_later(std::move(next));
  }
  return result;
}

}  // namespace

SimOutcome start_sim_unit(UnitExecutor& executor, SimStateCache& states,
                          const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec,
                          std::function<void(proto::Body)> deliver) {
  auto failure = [&](const std::string& message) -> proto::Body {
    return proto::UnitFailure{spec.lease_id, spec.unit_id, message};
  };
  if (spec.x1 <= spec.x0 || spec.y1 <= spec.y0 || spec.z1 <= spec.z0 || spec.x1 > INT_MAX ||
      spec.y1 > INT_MAX || spec.z1 > INT_MAX || spec.steps < 1 || spec.steps > INT_MAX) {
    return failure("simulation unit with an empty box or no steps");
  }
  const sim::Box box = box_of(spec);
  const int steps = static_cast<int>(spec.steps);
  // The run's state at the unit's first step: held since this worker ran the chunk before, or
  // the dispatcher's copy advanced over the chunks since.
  Result<std::shared_ptr<const sim::TileState>> domain =
      spec.head ? states.find(*spec.head) : nullptr;
  if (domain.value() == nullptr) {
    domain = states.get_for(spec, fetch);
    if (domain && spec.replay_steps > 0) {
      domain = replay(executor, *domain.value(), box, spec.step, spec.replay_steps, steps);
    }
  }
  if (!domain) return failure(domain.message());
  const sim::Model model = domain.value()->model;
  std::optional<ChunkAhead> ahead = sim::covers_domain(domain.value()->size, box)
                                        ? states.take_ahead(domain.value().get(), steps)
                                        : std::nullopt;
  const uint64_t first = spec.step + spec.replay_steps;
  // The run's next chunk steps while this one's hash finishes, if it has not finished: then
  // the result would wait for the hash anyway (see the header).
  if (ahead && ahead->advanced.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    (void)step_ahead(executor, states, ahead->next, box, first + spec.steps, spec.next_steps,
                     spec.result_hash);
  }
  if (ahead) {
    AdvancedUnit advanced = ahead->advanced.get();
    // Computed ahead for a grant of another scheme (a job's scheme never changes, so only a
    // dispatcher that changed under the worker could say otherwise): hashed again as granted.
    if (advanced.scheme != spec.result_hash) {
      advanced = hash_unit(std::move(advanced), spec.result_hash);
    }
    return finish_result(states, spec, model, std::move(advanced));
  }
  Result<AdvancedUnit> stepped = step_unit(executor, *domain.value(), box, first, steps);
  if (!stepped) return failure(stepped.message());
  if (!deliver || !hashes_beside_stepping(executor)) {
    return finish_result(states, spec, model,
                         hash_unit(std::move(stepped.value()), spec.result_hash));
  }
  return beside_stepping(
      [&states, spec, model, deliver = std::move(deliver),
       unit = std::move(stepped.value())]() mutable {
        deliver(
            finish_result(states, spec, model, hash_unit(std::move(unit), spec.result_hash)));
      });
}

proto::Body execute_sim_unit(UnitExecutor& executor, SimStateCache& states,
                             const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec) {
  return std::get<proto::Body>(start_sim_unit(executor, states, fetch, spec, {}));
}

std::function<std::vector<float>()> kept_sim_output(SimStateCache& states, const Hash256& hash,
                                                   size_t* bytes) {
  std::shared_ptr<const sim::TileState> state = states.find(hash);
  *bytes = state ? state->fields.size() * sizeof(float) : 0;
  if (!state) return {};
  return [state] { return state->fields; };
}

bool compute_ahead(UnitExecutor& executor, SimStateCache& states, const proto::SimUnitSpec& done,
                   const Hash256& done_hash, const std::function<bool()>& idle) {
  const sim::Box box = box_of(done);
  // The chunks' lengths as the dispatcher said them; a dispatcher of an earlier release did not
  // say the second's, which is then guessed as long as the first (true but at snapshots and the
  // run's end, where a wrong guess costs idle device time only).
  const uint32_t lengths[kChunksAheadBesideStepping] = {
      done.next_steps, done.after_next_steps.value_or(done.next_steps)};
  const int depth = hashes_beside_stepping(executor) ? kChunksAheadBesideStepping : 1;
  std::shared_ptr<const sim::TileState> start = states.find(done_hash);
  uint64_t first = done.step + done.replay_steps + done.steps;
  bool stepped = false;
  for (int chunk = 0; chunk < depth && start; ++chunk) {
    const uint32_t steps = lengths[chunk];
    if (steps == 0 || steps > INT_MAX) break;
    if (chunk > 0 && !(idle && idle())) break;
    stepped = step_ahead(executor, states, start, box, first, steps, done.result_hash) || stepped;
    start = states.find_ahead(start.get(), static_cast<int>(steps));
    first += steps;
  }
  return stepped;
}

}  // namespace tf
