#include "worker/sim_execution.h"

#include <algorithm>
#include <climits>

#include "formats/protocol/result_hash.h"
#include "formats/sim/sim_unit.h"

namespace tf {

Result<std::shared_ptr<const sim::TileState>> SimStateCache::get(
    const Hash256& hash, const AssetCache::FetchFn& fetch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [held, state] : states_) {
      if (held == hash) return state;
    }
  }
  // Fetched and decoded outside the lock: other devices go on meanwhile. Two threads that
  // miss at once both decode; the fetch itself is shared by the worker.
  Result<std::vector<uint8_t>> bytes = fetch(hash);
  if (!bytes) return Error{bytes.message()};
  if (blake2b_256(bytes.value()) != hash) {
    return Error{"the dispatcher sent state " + hash.to_hex() + " with other bytes"};
  }
  Result<sim::TileState> state = sim::decode_state(bytes.value());
  if (!state) return Error{"state " + hash.to_hex() + ": " + state.message()};
  auto shared = std::make_shared<const sim::TileState>(std::move(state.value()));
  put(hash, shared);
  return shared;
}

void SimStateCache::put(const Hash256& hash, std::shared_ptr<const sim::TileState> state) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [held, kept] : states_) {
    if (held == hash) return;
  }
  states_.emplace_back(hash, std::move(state));
  if (states_.size() > kKeep) states_.pop_front();
}

namespace {

// Holds the state the dispatcher will stitch from a whole-domain unit's output (see the header).
void keep_next_state(SimStateCache& states, const sim::TileState& domain, const sim::Box& box,
                     const std::vector<float>& output) {
  if (!sim::covers_domain(domain.size, box)) return;
  auto next = std::make_shared<sim::TileState>(domain);
  if (!sim::insert_unit_output(*next, box, output)) return;
  Result<std::vector<uint8_t>> bytes = sim::encode_state(*next);
  if (!bytes) return;
  states.put(blake2b_256(bytes.value()), std::move(next));
}

}  // namespace

proto::Body execute_sim_unit(UnitExecutor& executor, SimStateCache& states,
                             const AssetCache::FetchFn& fetch, const proto::SimUnitSpec& spec) {
  auto failure = [&](const std::string& message) -> proto::Body {
    return proto::UnitFailure{spec.lease_id, spec.unit_id, message};
  };
  if (spec.x1 <= spec.x0 || spec.y1 <= spec.y0 || spec.z1 <= spec.z0 || spec.x1 > INT_MAX ||
      spec.y1 > INT_MAX || spec.z1 > INT_MAX || spec.steps < 1 || spec.steps > INT_MAX) {
    return failure("simulation unit with an empty box or no steps");
  }
  Result<std::shared_ptr<const sim::TileState>> domain = states.get(spec.state, fetch);
  if (!domain) return failure(domain.message());
  const sim::Box box{static_cast<int>(spec.x0), static_cast<int>(spec.y0), static_cast<int>(spec.z0),
                     {static_cast<int>(spec.x1 - spec.x0), static_cast<int>(spec.y1 - spec.y0),
                      static_cast<int>(spec.z1 - spec.z0)}};
  const int steps = static_cast<int>(spec.steps);
  Result<sim::TileState> input = sim::unit_input(*domain.value(), box, steps);
  if (!input) return failure(input.message());
  if (Status s = executor.simulate(input.value(), steps); !s) return failure(s.message());
  proto::UnitResult result;
  result.lease_id = spec.lease_id;
  result.unit_id = spec.unit_id;
  result.kernel_version = std::string(sim::kernel_version(input->model));
  result.simulation = true;
  result.width = static_cast<uint32_t>(box.size.cell_count());
  result.height = static_cast<uint32_t>(sim::component_count(input->model));
  result.rays = sim::unit_cell_updates(input->model, domain.value()->size, box, steps);
  result.rgb = sim::unit_output(input.value());
  result.result_hash = proto::result_hash(result.rgb, result.rays);
  keep_next_state(states, *domain.value(), box, result.rgb);
  return result;
}

}  // namespace tf
