// A run's state stays with the worker that advances it (worker/sim_execution.h): after a
// whole-domain unit the worker holds the next chunk's state under the very hash the
// dispatcher's stitching gives it (computed here the dispatcher's way, from the unit's result),
// so the next unit starts without a fetch; a unit of one tile among several leaves nothing.
#include "worker/sim_execution.h"

#include <gtest/gtest.h>
#include <sodium/crypto_generichash.h>

#include <future>

#include "formats/hash/tree_hash.h"
#include "formats/protocol/result_hash.h"
#include "formats/sim/batch_spec.h"
#include "formats/sim/initial_state.h"
#include "formats/sim/sim_unit.h"
#include "tests/support/counting_executor.h"
#include "worker/backend_executor.h"

namespace tf {
namespace {

using testing::CountingExecutor;

const char kBatch[] =
    "[simulation]\nname = \"t\"\nmodel = \"d2q9\"\ngrid = [24, 16]\nsteps = 10\n"
    "[parameters]\ntau = 0.8\nforce_x = 0.00001\n[boundaries]\nleft = \"periodic\"\n"
    "right = \"periodic\"\nbottom = \"wall\"\ntop = \"wall\"\n";

struct Fixture {
  sim::TileState initial;
  std::vector<uint8_t> initial_bytes;
  Hash256 initial_hash;
  std::unique_ptr<UnitExecutor> cpu;
  int fetches = 0;
  // The batch's text as a blob (a made initial state's, SimUnitSpec::batch), and what it serves.
  std::vector<uint8_t> batch_bytes{std::begin(kBatch), std::end(kBatch) - 1};
  std::vector<uint8_t> served_batch = batch_bytes;
  AssetCache::FetchFn fetch = [this](const Hash256& h) -> Result<std::vector<uint8_t>> {
    ++fetches;
    if (h == blake2b_256(batch_bytes)) return served_batch;
    if (h != initial_hash) return Error{"no such blob"};
    return initial_bytes;
  };
  Fixture() {
    const sim::RunSpec run = sim::expand_runs(sim::parse_batch(kBatch, "t.toml").value())[0];
    initial = sim::make_initial_state(run).value();
    initial_bytes = sim::encode_state(initial).value();
    initial_hash = blake2b_256(initial_bytes);
    cpu = std::move(make_backend_executor("cpu", 0).value());
  }
  proto::SimUnitSpec unit(uint32_t x0, uint32_t x1) const {
    proto::SimUnitSpec spec;
    spec.lease_id = spec.unit_id = 1;
    spec.state = initial_hash;
    spec.steps = 5;
    spec.x0 = x0;
    spec.x1 = x1;
    spec.y1 = 16;
    spec.z1 = 1;
    return spec;
  }
  // A whole-domain unit of 5 steps whose run goes on after it for 5 more.
  proto::SimUnitSpec unit_with_next() const {
    proto::SimUnitSpec spec = unit(0, 24);
    spec.next_steps = 5;
    return spec;
  }
  // Runs `spec` on the CPU; the test fails when it yields no result.
  proto::UnitResult run(SimStateCache& states, const proto::SimUnitSpec& spec) {
    proto::Body out = execute_sim_unit(*cpu, states, fetch, spec);
    const auto* result = std::get_if<proto::UnitResult>(&out);
    EXPECT_NE(result, nullptr);
    return result ? *result : proto::UnitResult{};
  }
  // The next state as the dispatcher stitches it from `result`, and its hash.
  Hash256 stitched(const proto::SimUnitSpec& spec, const proto::UnitResult& result) const {
    sim::TileState next = initial;
    const sim::Box box{static_cast<int>(spec.x0), 0, 0, {static_cast<int>(spec.x1 - spec.x0), 16, 1}};
    EXPECT_TRUE(sim::insert_unit_output(next, box, result.rgb).is_ok());
    return blake2b_256(sim::encode_state(next).value());
  }
};

TEST(SimExecution, AWholeDomainUnitLeavesTheNextChunksStateOnTheWorker) {
  Fixture f;
  SimStateCache states;
  proto::SimUnitSpec spec = f.unit_with_next();
  const proto::UnitResult result = f.run(states, spec);
  EXPECT_EQ(f.fetches, 1);
  const Hash256 next = f.stitched(spec, result);
  auto held = states.get(next, f.fetch);
  ASSERT_TRUE(held.is_ok()) << held.message();
  EXPECT_EQ(f.fetches, 1) << "the next state was held, not fetched";
  EXPECT_EQ(blake2b_256(sim::encode_state(*held.value()).value()), next);
  // After the run's last chunk no unit starts from the stitched state: it is not named so.
  SimStateCache after_last;
  spec.next_steps = 0;
  EXPECT_FALSE(after_last.get(f.stitched(spec, f.run(after_last, spec)), f.fetch).is_ok());
  EXPECT_EQ(f.fetches, 3);
}

// The stitched state's name (an encoding and a hash of the whole state) is computed when a
// unit asks for a state the worker does not hold, not on the result's path: until then only
// the head's name finds it.
TEST(SimExecution, TheStitchedStateIsNamedOnlyWhenAUnitAsksForAStateNotHeld) {
  Fixture f;
  SimStateCache states;
  const proto::SimUnitSpec spec = f.unit_with_next();
  const proto::UnitResult result = f.run(states, spec);
  const Hash256 next = f.stitched(spec, result);
  EXPECT_EQ(states.find(next), nullptr) << "named on the result's path";
  ASSERT_NE(states.find(result.result_hash), nullptr);
  auto held = states.get(next, f.fetch);
  ASSERT_TRUE(held.is_ok()) << held.message();
  EXPECT_EQ(held.value(), states.find(result.result_hash)) << "the head, named";
  EXPECT_EQ(f.fetches, 1);
}

// A unit from a made initial state (SimUnitSpec::batch) makes the state from the batch's
// text, the one blob it fetches (once for all its runs), and computes what the unit from the
// stored state computes; a name that is not the batch's run's, a run the batch does not have,
// or a text that is not the batch's bytes fails the unit.
TEST(SimExecution, AUnitFromAMadeInitialStateMakesItFromTheBatchsText) {
  Fixture f;
  SimStateCache stored, made;
  const proto::UnitResult from_blob = f.run(stored, f.unit(0, 24));
  proto::SimUnitSpec spec = f.unit(0, 24);
  spec.batch = blake2b_256(f.batch_bytes);
  spec.state = sim::initial_state_name(*spec.batch, 0);
  f.fetches = 0;
  const proto::UnitResult from_text = f.run(made, spec);
  EXPECT_EQ(from_text.result_hash, from_blob.result_hash);
  EXPECT_EQ(from_text.rgb, from_blob.rgb);
  EXPECT_EQ(f.fetches, 1);
  ASSERT_NE(made.find(spec.state), nullptr) << "held under its name";
  proto::SimUnitSpec next_run = spec;
  next_run.run = 1;  // the batch has one run: a second fails, its batch not fetched again
  next_run.state = sim::initial_state_name(*spec.batch, 1);
  const proto::Body no_run = execute_sim_unit(*f.cpu, made, f.fetch, next_run);
  ASSERT_TRUE(std::holds_alternative<proto::UnitFailure>(no_run));
  EXPECT_NE(std::get<proto::UnitFailure>(no_run).message.find("has 1 runs, not run 1"),
            std::string::npos);
  EXPECT_EQ(f.fetches, 1);
  auto failure_of = [&](const proto::SimUnitSpec& bad) {
    SimStateCache fresh;
    const proto::Body out = execute_sim_unit(*f.cpu, fresh, f.fetch, bad);
    const auto* failed = std::get_if<proto::UnitFailure>(&out);
    return failed ? failed->message : std::string("no failure");
  };
  proto::SimUnitSpec other_run = spec;
  other_run.run = 1;
  EXPECT_NE(failure_of(other_run).find("is not the initial state of run 1"), std::string::npos)
      << failure_of(other_run);
  EXPECT_NE(failure_of(spec).find("no failure"), std::string::npos);
  f.served_batch.push_back('\n');
  EXPECT_NE(failure_of(spec).find("sent other bytes"), std::string::npos) << failure_of(spec);
}

TEST(SimExecution, AUnitOfOneTileAmongSeveralLeavesNoState) {
  Fixture f;
  SimStateCache states;
  const proto::SimUnitSpec spec = f.unit(0, 12);
  EXPECT_FALSE(states.get(f.stitched(spec, f.run(states, spec)), f.fetch).is_ok())
      << "a partial state is not the next chunk's";
  EXPECT_EQ(f.fetches, 2);
}

// A unit that starts past the dispatcher's stored state starts from the head the worker holds
// (the previous unit's output, named by its result hash) or, on a worker that does not hold
// it, from the stored state replayed in pieces of the unit's steps. Either way its output is
// the state advanced in one piece by the CPU stepper.
TEST(SimExecution, AUnitPastTheStoredStateStartsAtItsHeldHeadOrReplaysToIt) {
  Fixture f;
  SimStateCache states;
  const proto::UnitResult first = f.run(states, f.unit(0, 24));  // steps [0, 5)
  proto::SimUnitSpec next = f.unit(0, 24);                       // steps [5, 10)
  next.lease_id = next.unit_id = 2;
  next.head = first.result_hash;
  next.replay_steps = 5;
  const int fetched = f.fetches;
  const proto::UnitResult held = f.run(states, next);
  EXPECT_EQ(f.fetches, fetched) << "the head was held, not fetched";
  SimStateCache other_worker;
  const proto::UnitResult replayed = f.run(other_worker, next);
  EXPECT_EQ(f.fetches, fetched + 1) << "the stored state was fetched to replay from";
  EXPECT_EQ(replayed.result_hash, held.result_hash);
  proto::SimUnitSpec uneven = next;  // steps [7, 10), replayed in pieces of 3, 3 and 1
  uneven.head = Hash256{};
  uneven.replay_steps = 7;
  uneven.steps = 3;
  const proto::UnitResult pieces = f.run(other_worker, uneven);
  sim::TileState truth = f.initial;
  ASSERT_TRUE(sim::run_steps_cpu(truth, 10, 1));
  EXPECT_EQ(held.rgb, sim::unit_output(truth));
  EXPECT_EQ(pieces.rgb, sim::unit_output(truth));
}

// A device off the host's cores with more units queued hands a unit's hash to another thread:
// the outcome comes through `deliver`, not as the return value, and is the result the unit
// gives when run at once (same hash and, for a tile among several, same output), with the
// run's next state held under that hash as after execute_sim_unit. The state is the CPU
// stepper's, advanced directly.
TEST(SimExecution, AUnitWhoseHashFinishesBesideTheNextDeliversTheSameResult) {
  Fixture f;
  CountingExecutor off_host(*f.cpu, /*on_host_cpu=*/false);
  for (uint32_t x1 : {24u, 12u}) {
    const proto::SimUnitSpec spec = f.unit(0, x1);
    SimStateCache now_cache;
    const proto::UnitResult now = f.run(now_cache, spec);
    SimStateCache later_cache;
    std::promise<proto::Body> delivered;
    SimOutcome started = start_sim_unit(off_host, later_cache, f.fetch, spec,
                                        [&](proto::Body body) { delivered.set_value(body); });
    auto* finishing = std::get_if<std::future<void>>(&started);
    ASSERT_NE(finishing, nullptr) << "the result came at once";
    finishing->get();
    const proto::Body body = delivered.get_future().get();
    const auto* later = std::get_if<proto::UnitResult>(&body);
    ASSERT_NE(later, nullptr);
    EXPECT_EQ(later->result_hash, now.result_hash) << x1;
    EXPECT_EQ(later->rgb, now.rgb) << x1;
    EXPECT_EQ(later->rays, now.rays) << x1;
    EXPECT_EQ(later->width, static_cast<uint32_t>(x1 * 16)) << x1;
    if (x1 == 24) {
      sim::TileState truth = f.initial;
      ASSERT_TRUE(sim::run_steps_cpu(truth, 5, 1));
      std::shared_ptr<const sim::TileState> held = later_cache.find(later->result_hash);
      ASSERT_NE(held, nullptr) << "the next state is held under the result hash";
      EXPECT_EQ(held->fields, truth.fields);
      EXPECT_EQ(later->result_hash, proto::result_hash(truth.fields, uint64_t{24 * 16 * 5}));
    }
  }
}

// A device on the host's cores hashes at once, even with more units queued: a hash beside its
// stepping threads would stall them. The result is the return value; `deliver` is not called.
TEST(SimExecution, ADeviceOnTheHostsCoresHashesItsUnitAtOnce) {
  Fixture f;
  ASSERT_TRUE(f.cpu->device().on_host_cpu);
  const proto::SimUnitSpec spec = f.unit(0, 24);
  SimStateCache now_cache;
  const proto::UnitResult now = f.run(now_cache, spec);
  SimStateCache cache;
  bool delivered = false;
  SimOutcome started =
      start_sim_unit(*f.cpu, cache, f.fetch, spec, [&](proto::Body) { delivered = true; });
  const auto* body = std::get_if<proto::Body>(&started);
  ASSERT_NE(body, nullptr) << "the hash was left to another thread";
  const auto* result = std::get_if<proto::UnitResult>(body);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->result_hash, now.result_hash);
  EXPECT_FALSE(delivered);
}

TEST(SimExecution, AReplayOfATileAmongSeveralFails) {
  Fixture f;
  SimStateCache states;
  proto::SimUnitSpec spec = f.unit(0, 12);
  spec.replay_steps = 5;
  const proto::Body out = execute_sim_unit(*f.cpu, states, f.fetch, spec);
  const auto* failure = std::get_if<proto::UnitFailure>(&out);
  ASSERT_NE(failure, nullptr);
  EXPECT_NE(failure->message.find("whole domain"), std::string::npos) << failure->message;
}

// The run ahead: the next chunk computed while the device is idle is the result its unit takes
// when it is granted (no stepping then), and it is the state advanced in one piece.
TEST(SimExecution, AChunkComputedAheadIsTheResultOfItsUnit) {
  Fixture f;
  CountingExecutor counting(*f.cpu);
  SimStateCache states;
  proto::SimUnitSpec first = f.unit(0, 24);  // steps [0, 5), the next chunk 5 steps
  first.next_steps = 5;
  proto::Body out = execute_sim_unit(counting, states, f.fetch, first);
  ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out));
  const Hash256 first_hash = std::get<proto::UnitResult>(out).result_hash;
  ASSERT_TRUE(compute_ahead(counting, states, first, first_hash));
  EXPECT_EQ(counting.calls(), 2);
  proto::SimUnitSpec next = f.unit(0, 24);  // steps [5, 10)
  next.lease_id = next.unit_id = 2;
  next.head = first_hash;
  next.replay_steps = 5;
  out = execute_sim_unit(counting, states, f.fetch, next);
  ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out));
  const proto::UnitResult ahead = std::get<proto::UnitResult>(out);
  EXPECT_EQ(counting.calls(), 2) << "the unit took the chunk computed ahead";
  sim::TileState truth = f.initial;
  ASSERT_TRUE(sim::run_steps_cpu(truth, 10, 1));
  EXPECT_EQ(ahead.rgb, sim::unit_output(truth));
  EXPECT_EQ(ahead.lease_id, 2u);
  // Taken once: the same unit again steps.
  out = execute_sim_unit(counting, states, f.fetch, next);
  ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out));
  EXPECT_EQ(std::get<proto::UnitResult>(out).result_hash, ahead.result_hash);
  EXPECT_EQ(counting.calls(), 3);
}

// A unit is hashed by the scheme its grant says (its job's), and so is the chunk computed ahead
// of it; one computed ahead by another scheme than its unit's grant says is hashed again.
TEST(SimExecution, AUnitIsHashedByTheSchemeItsGrantSays) {
  Fixture f;
  const auto tree_of = [](const proto::UnitResult& r) {
    return blake2b_tree_256(proto::canonical_result_bytes(r.rgb, r.rays));
  };
  for (proto::ResultHashScheme ahead_by :
       {proto::ResultHashScheme::kTree, proto::ResultHashScheme::kSequential}) {
    CountingExecutor counting(*f.cpu, /*on_host_cpu=*/false);
    SimStateCache states;
    proto::SimUnitSpec first = f.unit(0, 24);
    first.next_steps = 5;
    first.result_hash = proto::ResultHashScheme::kTree;
    const proto::UnitResult first_result = f.run(states, first);
    EXPECT_EQ(first_result.result_hash, tree_of(first_result));
    first.result_hash = ahead_by;
    ASSERT_TRUE(compute_ahead(counting, states, first, first_result.result_hash));
    proto::SimUnitSpec next = f.unit(0, 24);
    next.lease_id = next.unit_id = 2;
    next.head = first_result.result_hash;
    next.replay_steps = 5;
    next.result_hash = proto::ResultHashScheme::kTree;
    proto::Body out = execute_sim_unit(counting, states, f.fetch, next);
    ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out));
    EXPECT_EQ(counting.calls(), 1) << "the unit took the chunk computed ahead";
    const proto::UnitResult& result = std::get<proto::UnitResult>(out);
    EXPECT_EQ(result.result_hash, tree_of(result));
  }
}

// The run's steady state: each chunk after the first is computed ahead, either by a unit that
// takes a chunk computed ahead while that chunk's hash finishes on another thread, or by the
// idle device after it (which one depends on the hash's timing); either way every chunk is
// stepped once, every result is the state advanced in one piece, and its hash is BLAKE2b-256
// of its canonical bytes computed here by libsodium directly. Runs the run's 4 chunks on
// `counting` with the states `states` holds, and returns the number of them.
constexpr uint32_t kChunks = 4;

uint32_t run_chunks_ahead(Fixture& f, CountingExecutor& counting, SimStateCache& states) {
  constexpr uint32_t kSteps = 2;
  auto chunk = [&](uint32_t c, const Hash256& head) {
    proto::SimUnitSpec spec = f.unit(0, 24);
    spec.lease_id = spec.unit_id = c + 1;
    spec.steps = kSteps;
    spec.next_steps = c + 1 < kChunks ? kSteps : 0;
    if (c > 0) spec.head = head;
    spec.replay_steps = c * kSteps;
    return spec;
  };
  const int calls_before = counting.calls();
  Hash256 head;
  for (uint32_t c = 0; c < kChunks; ++c) {
    const proto::SimUnitSpec spec = chunk(c, head);
    proto::Body out = execute_sim_unit(counting, states, f.fetch, spec);
    EXPECT_TRUE(std::holds_alternative<proto::UnitResult>(out)) << "chunk " << c;
    if (!std::holds_alternative<proto::UnitResult>(out)) return c;
    const proto::UnitResult result = std::get<proto::UnitResult>(out);
    EXPECT_GE(counting.calls() - calls_before, static_cast<int>(c + 1)) << "chunk " << c;
    sim::TileState truth = f.initial;
    EXPECT_TRUE(sim::run_steps_cpu(truth, static_cast<int>((c + 1) * kSteps), 1));
    EXPECT_EQ(result.rgb, sim::unit_output(truth)) << "chunk " << c;
    const std::vector<uint8_t> bytes = proto::canonical_result_bytes(result.rgb, result.rays);
    Hash256 independent;
    crypto_generichash(independent.bytes.data(), independent.bytes.size(), bytes.data(),
                       bytes.size(), nullptr, 0);
    EXPECT_EQ(result.result_hash, independent) << "chunk " << c;
    head = result.result_hash;
    (void)compute_ahead(counting, states, spec, head);  // nothing when the unit computed it
  }
  EXPECT_FALSE(compute_ahead(counting, states, chunk(kChunks - 1, head), head)) << "the last";
  return kChunks;
}

TEST(SimExecution, ChunksComputedAheadWhileHashesFinishAreSteppedOnceAndExact) {
  Fixture f;
  for (bool on_host_cpu : {false, true}) {
    CountingExecutor counting(*f.cpu, on_host_cpu);
    SimStateCache states;
    ASSERT_EQ(run_chunks_ahead(f, counting, states), kChunks) << on_host_cpu;
    EXPECT_EQ(counting.calls(), static_cast<int>(kChunks)) << "stepped twice: " << on_host_cpu;
  }
}

// A device off the host's cores (a GPU) with nothing else to do computes two chunks ahead, the
// second guessed to take as many steps as the first, so that its stepping goes on while the
// dispatcher verifies the last result; a device on the host's cores, or one given work again
// (`idle` false), computes one. Either way the units that follow find their chunks, every
// chunk is stepped once, and each result is the state advanced in one piece.
TEST(SimExecution, AnIdleDeviceOffTheHostsCoresComputesTwoChunksAhead) {
  Fixture f;
  for (bool on_host_cpu : {false, true}) {
    for (bool idle : {true, false}) {
      SCOPED_TRACE(std::string(on_host_cpu ? "on" : "off") + " the host's cores, " +
                   (idle ? "idle" : "given work"));
      CountingExecutor counting(*f.cpu, on_host_cpu);
      SimStateCache states;
      proto::SimUnitSpec spec = f.unit(0, 24);  // steps [0, 5), the next chunk 5 steps
      spec.next_steps = 5;
      proto::Body out = execute_sim_unit(counting, states, f.fetch, spec);
      ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out));
      Hash256 head = std::get<proto::UnitResult>(out).result_hash;
      EXPECT_TRUE(compute_ahead(counting, states, spec, head, [&] { return idle; }));
      EXPECT_EQ(counting.calls(), !on_host_cpu && idle ? 3 : 2);
      for (uint32_t c = 1; c < 3; ++c) {  // steps [5, 10), then [10, 15), the run's last
        spec.lease_id = spec.unit_id = c + 1;
        spec.head = head;
        spec.replay_steps = 5 * c;
        spec.next_steps = c == 2 ? 0 : 5;
        out = execute_sim_unit(counting, states, f.fetch, spec);
        ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out)) << "chunk " << c;
        const proto::UnitResult& result = std::get<proto::UnitResult>(out);
        sim::TileState truth = f.initial;
        ASSERT_TRUE(sim::run_steps_cpu(truth, static_cast<int>(5 * (c + 1)), 1));
        EXPECT_EQ(result.rgb, sim::unit_output(truth)) << "chunk " << c;
        head = result.result_hash;
      }
      EXPECT_EQ(counting.calls(), 3) << "every chunk stepped once";
    }
  }
}

// The second chunk ahead goes by what the grant says of it (SimUnitSpec::after_next_steps): a
// chunk of 3 steps after the next one of 5 is computed as such and found by its unit; none past
// a run's end (0), where a guess as long as the next would step 5 steps for nothing.
TEST(SimExecution, TheSecondChunkAheadIsAsLongAsTheGrantSays) {
  Fixture f;
  for (uint32_t after_next : {3u, 0u}) {
    SCOPED_TRACE("after_next_steps " + std::to_string(after_next));
    CountingExecutor counting(*f.cpu, false);
    SimStateCache states;
    proto::SimUnitSpec spec = f.unit(0, 24);  // steps [0, 5), then [5, 10), then after_next
    spec.next_steps = 5;
    spec.after_next_steps = after_next;
    proto::Body out = execute_sim_unit(counting, states, f.fetch, spec);
    ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out));
    Hash256 head = std::get<proto::UnitResult>(out).result_hash;
    EXPECT_TRUE(compute_ahead(counting, states, spec, head, [] { return true; }));
    EXPECT_EQ(counting.calls(), after_next > 0 ? 3 : 2);
    const uint32_t lengths[] = {5, after_next};
    uint32_t step = 5;
    for (uint32_t c = 0; c < 2 && lengths[c] > 0; ++c) {  // the chunks computed ahead
      spec.lease_id = spec.unit_id = c + 2;
      spec.head = head;
      spec.replay_steps = step;
      spec.steps = lengths[c];
      spec.next_steps = c == 0 ? after_next : 0;  // the run ends after the chunks ahead
      spec.after_next_steps = 0;
      out = execute_sim_unit(counting, states, f.fetch, spec);
      ASSERT_TRUE(std::holds_alternative<proto::UnitResult>(out)) << "chunk " << c;
      step += lengths[c];
      sim::TileState truth = f.initial;
      ASSERT_TRUE(sim::run_steps_cpu(truth, static_cast<int>(step), 1));
      EXPECT_EQ(std::get<proto::UnitResult>(out).rgb, sim::unit_output(truth)) << "chunk " << c;
      head = std::get<proto::UnitResult>(out).result_hash;
    }
    EXPECT_EQ(counting.calls(), after_next > 0 ? 3 : 2) << "a unit stepped its chunk itself";
  }
}

// The same run again on the same worker (submitted again, or a sweep's runs with the same
// start) meets states it holds under the same names from the first time: each chunk is still
// stepped once, the chunk computed ahead found by the unit that follows.
TEST(SimExecution, ARunAgainOnTheSameWorkerStepsEachChunkOnce) {
  Fixture f;
  CountingExecutor counting(*f.cpu);
  SimStateCache states;
  ASSERT_EQ(run_chunks_ahead(f, counting, states), kChunks);
  ASSERT_EQ(run_chunks_ahead(f, counting, states), kChunks);
  EXPECT_EQ(counting.calls(), static_cast<int>(2 * kChunks)) << "no chunk is stepped twice";
}

TEST(SimExecution, NothingIsComputedAheadOfTheLastChunkOrOfATile) {
  Fixture f;
  SimStateCache states;
  proto::SimUnitSpec last = f.unit(0, 24);
  const proto::UnitResult result = f.run(states, last);
  EXPECT_FALSE(compute_ahead(*f.cpu, states, last, result.result_hash)) << "next_steps 0";
  proto::SimUnitSpec tile = f.unit(0, 12);
  tile.next_steps = 5;
  EXPECT_FALSE(compute_ahead(*f.cpu, states, tile, f.run(states, tile).result_hash));
}

// A whole-domain unit that uploads no bytes sends none; its hash is that of the values it
// would have sent, which the worker can rebuild from the state it keeps.
TEST(SimExecution, AWholeDomainResultWithoutUploadCarriesTheHashAlone) {
  Fixture f;
  SimStateCache states;
  const proto::UnitResult uploaded = f.run(states, f.unit(0, 24));
  proto::SimUnitSpec quiet = f.unit(0, 24);
  quiet.upload_bytes = false;
  SimStateCache other;
  const proto::UnitResult hash_only = f.run(other, quiet);
  EXPECT_TRUE(hash_only.rgb.empty());
  EXPECT_EQ(hash_only.result_hash, uploaded.result_hash);
  EXPECT_EQ(hash_only.result_hash, proto::result_hash(uploaded.rgb, uploaded.rays));
  size_t bytes = 0;
  const auto rebuild = kept_sim_output(other, hash_only.result_hash, &bytes);
  ASSERT_TRUE(rebuild);
  EXPECT_EQ(rebuild(), uploaded.rgb);
  EXPECT_EQ(bytes, uploaded.rgb.size() * sizeof(float));
}

// The cache is bounded by bytes as well as by count, and always keeps the newest state.
TEST(SimExecution, TheStateCacheDropsTheOldestPastItsByteBudget) {
  Fixture f;
  const size_t one = f.initial.fields.size() * sizeof(float) + f.initial.cell_types.size();
  SimStateCache states(one * 5 / 2);
  Hash256 names[3];
  for (int i = 0; i < 3; ++i) {
    names[i].bytes[0] = static_cast<uint8_t>(i + 1);
    states.put(names[i], std::make_shared<const sim::TileState>(f.initial));
  }
  EXPECT_EQ(states.find(names[0]), nullptr) << "three states are over 2.5 states' bytes";
  EXPECT_NE(states.find(names[1]), nullptr);
  EXPECT_NE(states.find(names[2]), nullptr);
  SimStateCache tiny(1);
  tiny.put(names[0], std::make_shared<const sim::TileState>(f.initial));
  EXPECT_NE(tiny.find(names[0]), nullptr) << "the newest state stays, whatever its size";
  tiny.put(names[1], std::make_shared<const sim::TileState>(f.initial));
  EXPECT_EQ(tiny.find(names[0]), nullptr);
  EXPECT_NE(tiny.find(names[1]), nullptr);
}

// Chunks computed ahead of several runs on one worker stay until their units take them: 8 runs
// with two chunks each (a sweep on one GPU) are all held; past the byte budget the oldest go,
// the newest stays whatever its size.
TEST(SimExecution, ChunksAheadOfEightRunsAreHeldTogetherWithinTheByteBudget) {
  Fixture f;
  auto chunk = [&](const std::shared_ptr<const sim::TileState>& start, int steps) {
    std::promise<AdvancedUnit> hashed;
    hashed.set_value({});
    return ChunkAhead{start, steps, std::make_shared<const sim::TileState>(f.initial),
                      hashed.get_future()};
  };
  std::vector<std::shared_ptr<const sim::TileState>> starts;
  for (int run = 0; run < 8; ++run) {
    starts.push_back(std::make_shared<const sim::TileState>(f.initial));
  }
  SimStateCache states;
  for (int run = 0; run < 8; ++run) {
    states.put_ahead(chunk(starts[run], 5));
    states.put_ahead(chunk(starts[run], 3));
  }
  for (int run = 0; run < 8; ++run) {
    EXPECT_TRUE(states.take_ahead(starts[run].get(), 5).has_value()) << "run " << run;
    EXPECT_TRUE(states.take_ahead(starts[run].get(), 3).has_value()) << "run " << run;
  }
  const size_t one = f.initial.fields.size() * sizeof(float) + f.initial.cell_types.size();
  SimStateCache budget(one * 5 / 2);
  for (int run = 0; run < 3; ++run) budget.put_ahead(chunk(starts[run], 5));
  EXPECT_FALSE(budget.take_ahead(starts[0].get(), 5).has_value()) << "three are over 2.5 states";
  EXPECT_TRUE(budget.take_ahead(starts[1].get(), 5).has_value());
  EXPECT_TRUE(budget.take_ahead(starts[2].get(), 5).has_value());
  SimStateCache tiny(1);
  tiny.put_ahead(chunk(starts[0], 5));
  EXPECT_TRUE(tiny.take_ahead(starts[0].get(), 5).has_value()) << "the newest stays";
}

// A run keeps its last two heads: a whole-domain run of 5 chunks on one worker (each unit
// starting at the head the one before left) holds the heads of chunks 4 and 5 only, while
// another run's head and a state put under its bytes' hash stay.
// A head of run 1 of job 7, put in `states`: another run's.
Hash256 put_other_runs_head(const Fixture& f, SimStateCache& states) {
  Hash256 head;
  head.bytes[0] = 1;
  states.put(head, std::make_shared<const sim::TileState>(f.initial), SimStateCache::RunKey{7, 1});
  return head;
}

// Five whole-domain chunks of 2 steps of run 0 of job 7, each from the one before's head; with
// `says_ends`, the grants say the next steps and the steps after them, as this release's
// dispatcher does (0 past the run's end); the last one uploads its bytes or not
// (`last_uploads`). The chunks' results, in order.
std::vector<proto::UnitResult> run_five_chunks(Fixture& f, SimStateCache& states,
                                               bool says_ends, bool last_uploads = true) {
  std::vector<proto::UnitResult> results;
  for (uint32_t c = 0; c < 5; ++c) {
    proto::SimUnitSpec spec = f.unit(0, 24);
    spec.lease_id = spec.unit_id = c + 1;
    spec.job_id = 7;
    spec.run = 0;
    spec.steps = 2;
    if (c > 0) spec.head = results.back().result_hash;
    spec.replay_steps = c * 2;
    if (says_ends) {
      spec.next_steps = c < 4 ? 2 : 0;
      spec.after_next_steps = c < 3 ? 2 : 0;
    }
    spec.upload_bytes = c < 4 || last_uploads;
    results.push_back(f.run(states, spec));
  }
  return results;
}

TEST(SimExecution, ARunKeepsOnlyItsLastTwoHeads) {
  Fixture f;
  SimStateCache states;
  const Hash256 other_run_head = put_other_runs_head(f, states);
  std::vector<Hash256> heads;
  for (const proto::UnitResult& r : run_five_chunks(f, states, false)) {
    heads.push_back(r.result_hash);
  }
  sim::TileState truth = f.initial;
  ASSERT_TRUE(sim::run_steps_cpu(truth, 10, 1));
  ASSERT_NE(states.find(heads[4]), nullptr);
  EXPECT_EQ(states.find(heads[4])->fields, truth.fields) << "each unit started at its head";
  EXPECT_NE(states.find(heads[3]), nullptr) << "the head before the last stays";
  for (size_t c = 0; c < 3; ++c) EXPECT_EQ(states.find(heads[c]), nullptr) << "head " << c;
  EXPECT_NE(states.find(other_run_head), nullptr) << "another run's head";
  EXPECT_NE(states.find(f.initial_hash), nullptr) << "the state fetched by its bytes' hash";
  EXPECT_EQ(f.fetches, 1);
}

// After a run's last chunk (a grant saying no next steps, and saying the steps after next, as
// a dispatcher of this release does) the worker holds none of the run's heads; another run's
// head and the fetched state stay, and the last chunk's result is the run advanced in one
// piece.
TEST(SimExecution, ARunsHeadsAreDroppedAfterItsLastChunk) {
  Fixture f;
  SimStateCache states;
  const Hash256 other_run_head = put_other_runs_head(f, states);
  const std::vector<proto::UnitResult> results = run_five_chunks(f, states, true);
  for (size_t c = 0; c < results.size(); ++c) {
    EXPECT_EQ(states.find(results[c].result_hash), nullptr) << "head " << c;
  }
  EXPECT_NE(states.find(other_run_head), nullptr) << "another run's head";
  EXPECT_NE(states.find(f.initial_hash), nullptr) << "the state fetched by its bytes' hash";
  EXPECT_EQ(f.fetches, 1) << "each unit started at its run's head";
  sim::TileState truth = f.initial;
  ASSERT_TRUE(sim::run_steps_cpu(truth, 10, 1));
  EXPECT_EQ(results.back().rgb, truth.fields);
  // A replica that did not upload the last chunk keeps its output for a bytes request.
  SimStateCache replica;
  const std::vector<proto::UnitResult> hashed = run_five_chunks(f, replica, true, false);
  ASSERT_TRUE(hashed.back().rgb.empty());
  size_t kept_bytes = 0;
  const std::function<std::vector<float>()> kept =
      kept_sim_output(replica, hashed.back().result_hash, &kept_bytes);
  ASSERT_TRUE(kept) << "the last chunk's output is asked for later";
  EXPECT_EQ(kept(), truth.fields);
  EXPECT_EQ(replica.find(hashed[3].result_hash), nullptr) << "the head before it";
}

}  // namespace
}  // namespace tf
