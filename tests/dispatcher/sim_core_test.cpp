// Simulation batches through the dispatcher core: runs split into tiles and chunks, fetched
// and computed by a worker, stitched and snapshotted by the dispatcher. The truth is each run's
// initial state advanced in one piece by the CPU stepper (no tiles, no chunks, no farm).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <thread>

#include "formats/protocol/result_hash.h"
#include "dispatcher/sim_plan.h"
#include "formats/sim/sim_unit.h"
#include "tests/dispatcher/core_fixture.h"
#include "tests/support/sim_truth.h"

namespace tf::testing {
namespace {

const std::string kBatch = tiny_cavity_batch(50, 20);

class SimCoreTest : public CoreTest {
 protected:
  uint64_t submit_batch(const std::string& text, uint32_t tile, uint32_t chunk_steps) {
    proto::SubmitJob job;
    job.sim_batch = text;
    job.sim_source = "cavity.toml";
    job.sim_tile = tile;
    job.sim_chunk_steps = chunk_steps;
    job.replication = 1;
    job.quorum = 1;
    std::vector<Outgoing> out = send("client", job, kStart);
    const auto* reply = std::get_if<proto::SubmitReply>(&out.at(0).envelope.body);
    EXPECT_NE(reply, nullptr) << proto::kind_name(out.at(0).envelope.body);
    return reply ? reply->job_id : 0;
  }

  // Sends and keeps the simulation units granted to `peer` meanwhile.
  std::vector<Outgoing> exchange(const std::string& peer, proto::Body body) {
    std::vector<Outgoing> out = send(peer, std::move(body), now_);
    keep_grants(peer, out);
    return out;
  }
  void keep_grants(const std::string& peer, const std::vector<Outgoing>& out) {
    for (const Outgoing& o : out) {
      if (o.peer != peer) continue;
      if (const auto* g = std::get_if<proto::LeaseGrant>(&o.envelope.body)) {
        pending_.insert(pending_.end(), g->sim_units.begin(), g->sim_units.end());
      }
    }
  }

  // With work in the background (DispatcherConfig::work_in_background): works through granted
  // units (each seen by `each` first) and, with none granted, ticks while the encoding threads
  // stitch, until the job ends or 20 s have passed.
  void work_until_done(const std::string& peer, uint64_t job,
                       const std::function<void(const proto::SimUnitSpec&)>& each = {}) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (proto::job_active(status(job).state) && std::chrono::steady_clock::now() < deadline) {
      if (!pending_.empty()) {
        if (each) each(pending_.front());
        work(peer, 1);
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      keep_grants(peer, tick(now_));
    }
  }

  // The blob `hash` as the dispatcher serves it to `peer`; nullopt when it does not.
  std::optional<std::vector<uint8_t>> fetch(const std::string& peer, const Hash256& hash) {
    std::optional<std::vector<uint8_t>> bytes;
    for (const Outgoing& o : exchange(peer, proto::BlobRequest{hash})) {
      if (const auto* blob = std::get_if<proto::BlobReply>(&o.envelope.body); blob && blob->found) {
        bytes = blob->bytes;
      }
    }
    return bytes;
  }
  // The state a unit starts from: fetched, or made from the batch's text the dispatcher serves.
  sim::TileState start_of(const std::string& peer, const proto::SimUnitSpec& spec) {
    std::optional<std::vector<uint8_t>> bytes = fetch(peer, spec.batch.value_or(spec.state));
    EXPECT_TRUE(bytes.has_value()) << "the dispatcher did not serve the unit's state or batch";
    if (!bytes) return {};
    if (!spec.batch) return sim::decode_state(bytes.value()).value();
    EXPECT_EQ(sim::initial_state_name(*spec.batch, spec.run), spec.state);
    const std::vector<sim::RunSpec> runs =
        sim::runs_to_make(std::string(bytes->begin(), bytes->end())).value();
    return sim::make_initial_state(runs.at(spec.run)).value();
  }
  // An honest worker's result: the state fetched from the dispatcher or made from its batch
  // (advanced over the unit's replay steps in one piece when it starts past that state), the
  // unit's input cut from it, advanced with the CPU stepper.
  proto::UnitResult compute(const std::string& peer, const proto::SimUnitSpec& spec) {
    sim::TileState domain = start_of(peer, spec);
    if (spec.replay_steps > 0) {
      EXPECT_TRUE(sim::run_steps_cpu(domain, static_cast<int>(spec.replay_steps), 1));
    }
    const sim::Box box{static_cast<int>(spec.x0), static_cast<int>(spec.y0), static_cast<int>(spec.z0),
                       {static_cast<int>(spec.x1 - spec.x0), static_cast<int>(spec.y1 - spec.y0),
                        static_cast<int>(spec.z1 - spec.z0)}};
    sim::TileState input = sim::unit_input(domain, box, static_cast<int>(spec.steps)).value();
    // Stepped to each sample step of the run (if the batch records any), sampling the box.
    const uint64_t first = spec.step + spec.replay_steps;
    uint64_t at = first;
    std::vector<uint8_t> observations;
    const int g = input.ghost;
    for (uint64_t sample : sim::sample_steps(input.observation, first, spec.steps)) {
      EXPECT_TRUE(sim::run_steps_cpu(input, static_cast<int>(sample - at), 1));
      at = sample;
      sim::append_sample(observations, sim::sample_state(input, {g, g, 0, box.size}));
    }
    EXPECT_TRUE(sim::run_steps_cpu(input, static_cast<int>(first + spec.steps - at), 1));
    proto::UnitResult r;
    r.lease_id = spec.lease_id;
    r.unit_id = spec.unit_id;
    r.kernel_version = "tf-d2q9";
    r.simulation = true;
    r.width = static_cast<uint32_t>(box.size.cell_count());
    r.height = 9;
    r.rays = static_cast<uint64_t>(input.size.cell_count()) * spec.steps;  // what it computed
    r.rgb = sim::unit_output(input);
    r.result_hash = proto::result_hash(r.rgb, r.rays, spec.result_hash);
    if (!observations.empty()) {
      r.fields_hash = r.result_hash;
      r.observations = std::move(observations);
      r.result_hash = proto::observed_result_hash(r.fields_hash, r.observations);
    }
    if (!spec.upload_bytes) r.rgb.clear();  // the hash alone
    computed_updates_ += r.rays;
    return r;
  }

  // Works through granted units until none is left, or `limit` results were sent.
  void work(const std::string& peer, size_t limit = SIZE_MAX) {
    for (size_t done = 0; !pending_.empty() && done < limit; ++done) {
      const proto::SimUnitSpec spec = pending_.front();
      pending_.erase(pending_.begin());
      exchange(peer, compute(peer, spec));
    }
  }

  std::map<std::string, Hash256> outputs(uint64_t job) {
    std::map<std::string, Hash256> files;
    for (const Outgoing& o : send("client", proto::OutputsRequest{job}, now_)) {
      if (const auto* r = std::get_if<proto::OutputsReply>(&o.envelope.body)) {
        for (const proto::OutputFile& f : r->files) files[f.name] = f.hash;
      }
    }
    return files;
  }

  // Every snapshot of every run matches the run advanced in one piece.
  void expect_snapshots_match_truth(uint64_t job) {
    const std::map<std::string, Hash256> files = outputs(job);
    for_each_true_field(kBatch, {20, 40, 50}, [&](const std::string& folder, const std::string& file,
                                                  const std::vector<float>& truth) {
      auto stored = files.find(folder + "/" + file);
      ASSERT_NE(stored, files.end()) << folder << "/" << file;
      const std::vector<float> got =
          npy_values(core_->store().blobs().get(stored->second).value(), truth.size());
      EXPECT_EQ(std::memcmp(got.data(), truth.data(), got.size() * 4), 0) << folder << "/" << file;
      for (const char* other : {"fields.exr", "speed.png", "meta.json"}) {
        EXPECT_EQ(files.count(folder + "/" + other), 1u) << folder << "/" << other;
      }
    });
    for (const char* run : {"re=20", "re=40"}) {
      EXPECT_EQ(files.count(std::string(run) + "/summary.json"), 1u) << run;
    }
  }

  // Worker "w" says hello with one slot and takes the one unit granted, left uncomputed.
  void take_first_unit(proto::SimUnitSpec* spec) {
    exchange("w", hello(1));
    ASSERT_EQ(pending_.size(), 1u);
    *spec = pending_.front();
    pending_.clear();
  }

  // Sends `bad` for `spec` (computed before, not counted): refused, the unit goes out again,
  // and honest work then finishes the job.
  void expect_refused_and_redone(uint64_t job, const proto::SimUnitSpec& spec,
                                 const proto::UnitResult& bad) {
    computed_updates_ = 0;
    exchange("w", bad);
    EXPECT_EQ(core_->stats().results_rejected, 1u);
    ASSERT_FALSE(pending_.empty());  // the unit went out again
    EXPECT_EQ(pending_.front().unit_id, spec.unit_id);
    work("w");
    EXPECT_EQ(status(job).state, proto::JobState::kDone);
  }

  int64_t now_ = kStart;
  std::vector<proto::SimUnitSpec> pending_;
  uint64_t computed_updates_ = 0;
};

TEST_F(SimCoreTest, TiledChunkedRunsEqualTheRunsAdvancedInOnePiece) {
  const uint64_t job = submit_batch(kBatch, 10, 7);
  exchange("w", hello(4));
  work("w");
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kDone) << s.message;
  // 24x20 in tiles of at most 10: 3 x 2 tiles. Chunks of 7 cut at 20 and 40: 3 + 3 + 2.
  EXPECT_EQ(s.units_total, 2u * 6u * 8u);
  EXPECT_EQ(s.units_done, s.units_total);
  EXPECT_EQ(s.frames_done, 2u);
  expect_snapshots_match_truth(job);
}

TEST_F(SimCoreTest, AcceptedUnitsAreCreditedTheCellsTheyUpdated) {
  submit_batch(kBatch, 10, 7);
  exchange("w", hello(4));
  work("w");
  Result<SqlStatement> sum = core_->store().db().prepare("SELECT SUM(credit) FROM ledger");
  ASSERT_TRUE(sum.is_ok());
  ASSERT_TRUE(sum->step().value());
  EXPECT_EQ(static_cast<uint64_t>(sum->column_int(0)), computed_updates_);
}

TEST_F(SimCoreTest, ARestartedDispatcherResumesEveryRunAtItsLastChunk) {
  const uint64_t job = submit_batch(kBatch, 10, 7);
  exchange("w", hello(4));
  work("w", 37);  // into the second chunk of snapshots, mid-chunk
  ASSERT_NE(status(job).state, proto::JobState::kDone);
  reopen(now_);
  pending_.clear();  // the worker's leases are re-granted after its new hello
  exchange("w", hello(4));
  work("w");
  EXPECT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  EXPECT_EQ(status(job).units_done, status(job).units_total);
  expect_snapshots_match_truth(job);
}

TEST_F(SimCoreTest, WholeDomainUnitsByDefault) {
  const uint64_t job = submit_batch(kBatch, 0, 0);
  exchange("w", hello(4));
  for (const proto::SimUnitSpec& spec : pending_) {
    EXPECT_EQ(spec.x0, 0u);
    EXPECT_EQ(spec.x1, 24u);
    EXPECT_EQ(spec.y1, 20u);
    EXPECT_EQ(spec.steps, 20u);  // cut at the first snapshot
  }
  work("w");
  EXPECT_EQ(status(job).units_total, 2u * 3u);
  expect_snapshots_match_truth(job);
}

// A run's state is stored where a chunk starts from it (here at steps 20 and 40), and not at
// the run's end (step 50), which only its snapshot keeps. The states are the runs advanced in
// one piece, encoded as the dispatcher stores them.
TEST_F(SimCoreTest, ARunsLastStateIsNotStoredOnlyItsSnapshot) {
  const uint64_t job = submit_batch(kBatch, 0, 0);
  exchange("w", hello(4));
  work("w");
  ASSERT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  expect_snapshots_match_truth(job);
  const sim::BatchSpec batch = sim::parse_batch(kBatch, "cavity.toml").value();
  for (const sim::RunSpec& run : sim::expand_runs(batch)) {
    sim::TileState state = sim::make_initial_state(run).value();
    for (const int steps : {20, 20, 10}) {
      ASSERT_TRUE(sim::run_steps_cpu(state, steps, 1));
      const Hash256 stored = blake2b_256(sim::encode_state(state).value());
      EXPECT_EQ(core_->store().blobs().contains(stored), steps == 20) << run.name;
    }
  }
}

TEST_F(SimCoreTest, AResultClaimingOtherWorkIsRefusedAndTheUnitRedone) {
  const uint64_t job = submit_batch(kBatch, 10, 7);
  proto::SimUnitSpec spec;
  ASSERT_NO_FATAL_FAILURE(take_first_unit(&spec));
  proto::UnitResult inflated = compute("w", spec);
  inflated.rays *= 2;  // more cell updates than the unit has
  inflated.result_hash = proto::result_hash(inflated.rgb, inflated.rays, spec.result_hash);
  expect_refused_and_redone(job, spec, inflated);
}

// A batch's results are hashed by tree (result_hash.h): a result hashed sequentially, its
// bytes right, is refused like a wrong one.
TEST_F(SimCoreTest, AResultNotHashedByItsJobsSchemeIsRefusedAndTheUnitRedone) {
  const uint64_t job = submit_batch(kBatch, 10, 7);
  proto::SimUnitSpec spec;
  ASSERT_NO_FATAL_FAILURE(take_first_unit(&spec));
  ASSERT_EQ(spec.result_hash, proto::ResultHashScheme::kTree);
  proto::UnitResult sequential = compute("w", spec);
  ASSERT_TRUE(sequential.observations.empty());
  ASSERT_FALSE(sequential.rgb.empty());
  sequential.result_hash = proto::result_hash(sequential.rgb, sequential.rays);
  expect_refused_and_redone(job, spec, sequential);
}

// A worker of an earlier release, whose hello does not say that it hashes by tree, is granted
// no unit of a batch, and the job says why; a worker of this release then runs them all.
TEST_F(SimCoreTest, AWorkerThatDoesNotHashByTreeIsGrantedNoUnitAndTheJobSaysWhy) {
  const uint64_t job = submit_batch(kBatch, 0, 0);
  proto::WorkerHello earlier = hello(4);
  earlier.tree_hashes = false;
  exchange("old", earlier);
  EXPECT_TRUE(pending_.empty()) << pending_.size() << " units granted to it";
  EXPECT_NE(status(job).message.find("hashed by BLAKE2b tree"), std::string::npos)
      << status(job).message;
  exchange("w", hello(4));
  ASSERT_FALSE(pending_.empty());
  for (const proto::SimUnitSpec& spec : pending_) {
    EXPECT_EQ(spec.result_hash, proto::ResultHashScheme::kTree);
  }
  work("w");
  EXPECT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  expect_snapshots_match_truth(job);
}

// Observations travel with a hash that binds them: bytes changed after hashing are refused
// like a wrong result, and the run's forces and probes come from the results accepted.
TEST_F(SimCoreTest, ObservationsTheResultHashDoesNotBindAreRefused) {
  const std::string observed = kBatch +
                               "[[obstacles]]\nshape = \"box\"\nmin = [10, 8]\nmax = [13, 11]\n"
                               "[observables]\nevery = 5\n[[probes]]\nname = \"p\"\nat = [4, 4]\n";
  const uint64_t job = submit_batch(observed, 10, 7);
  proto::SimUnitSpec spec;
  ASSERT_NO_FATAL_FAILURE(take_first_unit(&spec));
  proto::UnitResult tampered = compute("w", spec);
  ASSERT_FALSE(tampered.observations.empty());
  tampered.observations[0] ^= 1;  // a force changed in its lowest bit, the hash kept
  expect_refused_and_redone(job, spec, tampered);
  const std::map<std::string, Hash256> files = outputs(job);
  for (const char* run : {"re=20", "re=40"}) {
    EXPECT_EQ(files.count(std::string(run) + "/forces.csv"), 1u) << run;
    EXPECT_EQ(files.count(std::string(run) + "/probes.csv"), 1u) << run;
  }
}

TEST_F(SimCoreTest, StatesAreServedOnlyToWorkersHoldingTheirUnits) {
  submit_batch(kBatch, 10, 7);
  exchange("w", hello(1));
  ASSERT_FALSE(pending_.empty());
  // What the unit starts from: its batch's text, whose blob its holder is served.
  const Hash256 needed = pending_.front().batch.value_or(pending_.front().state);
  EXPECT_TRUE(fetch("w", needed).has_value());
  // A worker holding no unit (it never said hello, so it holds none) asks for it.
  EXPECT_FALSE(fetch("other", needed).has_value());
}

// A run's initial state is made by the workers from the batch's text, which is all the
// dispatcher stores at submission; a worker of an earlier release (no recipe in its hello) is
// sent a stored state instead, made and stored when it is first granted, with the same bytes.
TEST_F(SimCoreTest, InitialStatesAreMadeByWorkersAndStoredOnlyForThoseThatCannot) {
  const uint64_t job = submit_batch(kBatch, 0, 7);
  const SimJobPlan plan = plan_sim_job(kBatch, "cavity.toml", 0, 7).value();
  exchange("w", hello(1));
  ASSERT_EQ(pending_.size(), 1u);
  const proto::SimUnitSpec made = pending_.front();
  ASSERT_TRUE(made.batch.has_value());
  EXPECT_EQ(*made.batch, blake2b_256(kBatch));
  EXPECT_EQ(made.state, sim::initial_state_name(*made.batch, made.run));
  const std::vector<uint8_t> truth =
      sim::encode_state(sim::make_initial_state(plan.runs.at(made.run)).value()).value();
  EXPECT_FALSE(core_->store().blobs().contains(blake2b_256(truth)))
      << "the initial state was stored at submission";
  proto::WorkerHello earlier = hello(1);
  earlier.initial_states = 0;
  pending_.clear();
  exchange("old", earlier);
  ASSERT_EQ(pending_.size(), 1u);
  const proto::SimUnitSpec stored = pending_.front();
  EXPECT_FALSE(stored.batch.has_value());
  EXPECT_NE(stored.run, made.run);
  const std::vector<uint8_t> expected =
      sim::encode_state(sim::make_initial_state(plan.runs.at(stored.run)).value()).value();
  EXPECT_EQ(stored.state, blake2b_256(expected));
  EXPECT_EQ(fetch("old", stored.state), expected);
  // Either way the runs end as the runs advanced in one piece.
  exchange("old", compute("old", stored));
  exchange("old", proto::UnitReturn{{}, true});  // it leaves; what it was granted goes back
  pending_ = {made};
  work("w");
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  expect_snapshots_match_truth(job);
}

TEST_F(SimCoreTest, BadBatchesAreRefusedNamingTheLineAndKey) {
  std::string text = kBatch;
  text.replace(text.find("steps = 50"), 10, "steps = \"many\"");
  proto::SubmitJob job;
  job.sim_batch = text;
  job.sim_source = "cavity.toml";
  std::vector<Outgoing> out = send("client", job, kStart);
  const auto* error = std::get_if<proto::ErrorReply>(&out.at(0).envelope.body);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->message.find("cavity.toml:6"), std::string::npos) << error->message;
  EXPECT_NE(error->message.find("steps"), std::string::npos) << error->message;
  EXPECT_TRUE(core_->job_statuses(0).empty());
}

// Whole-domain chunks between snapshots are verified by hash alone: the dispatcher takes bytes
// only at snapshots (and the end), the other chunks start from the run's head, and the
// snapshots are still the run advanced in one piece.
TEST_F(SimCoreTest, WholeDomainChunksBetweenSnapshotsAreVerifiedByHashAlone) {
  const uint64_t job = submit_batch(kBatch, 0, 4);  // per run: chunks end at 4..20, 24..40, 44..50
  exchange("w", hello(1));
  uint32_t by_hash = 0;
  while (!pending_.empty()) {
    const proto::SimUnitSpec spec = pending_.front();
    const bool snapshot = spec.step + spec.replay_steps + spec.steps == 20 ||
                          spec.step + spec.replay_steps + spec.steps == 40 ||
                          spec.step + spec.replay_steps + spec.steps == 50;
    EXPECT_EQ(spec.upload_bytes, snapshot) << "unit ending at step " << spec.step + spec.replay_steps + spec.steps;
    EXPECT_EQ(spec.head.has_value(), spec.replay_steps > 0);
    EXPECT_EQ(spec.by_hash_alone, !snapshot);
    EXPECT_EQ(spec.step % 20, 0u) << "the state named is the last snapshot's";
    by_hash += snapshot ? 0 : 1;
    work("w", 1);
  }
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.units_done, 2u * 13u);
  EXPECT_EQ(by_hash, 2u * 10u);
  EXPECT_EQ(core_->stats().chunks_by_hash, 2u * 10u);
  EXPECT_EQ(core_->stats().chunks_completed, 2u * 3u);
  Result<SqlStatement> rows = core_->store().db().prepare("SELECT COUNT(*) FROM results");
  ASSERT_TRUE(rows.is_ok());
  ASSERT_TRUE(rows->step().value());
  EXPECT_EQ(rows->column_int(0), 2 * 3) << "result bytes only of the chunks that end at snapshots";
  expect_snapshots_match_truth(job);
  Result<SqlStatement> sum = core_->store().db().prepare("SELECT SUM(credit) FROM ledger");
  ASSERT_TRUE(sum.is_ok());
  ASSERT_TRUE(sum->step().value());
  EXPECT_EQ(static_cast<uint64_t>(sum->column_int(0)), computed_updates_);
}

// Chunks of 4 steps, a copy of the run's state every 2 chunks: bytes at 8, 16, the snapshot at
// 20, 28, 36, 40, 48 and the end, for each of the two runs, with work in the background or not
// (a chunk stitched aside counts as a copy from its acceptance, not from its record).
class SimCopyTest : public SimCoreTest, public ::testing::WithParamInterface<bool> {};

TEST_P(SimCopyTest, TheDispatcherTakesAChunksBytesAtLeastEveryConfiguredNumberOfChunks) {
  config_.sim_copy_every_chunks = 2;
  config_.work_in_background = GetParam();
  reopen(now_);
  const uint64_t job = submit_batch(kBatch, 0, 4);
  exchange("w", hello(1));
  std::vector<uint64_t> uploads;
  work_until_done("w", job, [&](const proto::SimUnitSpec& spec) {
    if (spec.upload_bytes) uploads.push_back(spec.step + spec.replay_steps + spec.steps);
  });
  std::sort(uploads.begin(), uploads.end());  // the two runs' chunks interleave
  EXPECT_EQ(uploads, (std::vector<uint64_t>{8, 8, 16, 16, 20, 20, 28, 28, 36, 36, 40, 40, 48, 48,
                                             50, 50}));
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  expect_snapshots_match_truth(job);
}

INSTANTIATE_TEST_SUITE_P(InTheForegroundOrNot, SimCopyTest, ::testing::Bool());

// The worker that ran a run's last chunk holds its head: the next chunk waits for it rather
// than go to a worker that would replay the run from its last stored state.
TEST_F(SimCoreTest, AChunkPastTheStoredStateGoesToTheWorkerThatHoldsItsStart) {
  const uint64_t job = submit_batch(tiny_cavity_batch(50, 50), 0, 5);
  exchange("w", hello(2));
  ASSERT_EQ(pending_.size(), 2u);  // the first chunk of each run
  std::vector<proto::SimUnitSpec> first = pending_;
  pending_.clear();
  exchange("v", hello(2));
  EXPECT_TRUE(pending_.empty()) << "nothing else to lease yet";
  // w finishes the chunks; the tick after each result offers work to v first ("v" < "w"),
  // but the next chunks go to w, which holds their start.
  for (const proto::SimUnitSpec& spec : first) {
    for (const Outgoing& o : exchange("w", compute("w", spec))) {
      const auto* g = std::get_if<proto::LeaseGrant>(&o.envelope.body);
      EXPECT_FALSE(g != nullptr && o.peer == "v") << "v was given a chunk whose start w holds";
    }
  }
  ASSERT_EQ(pending_.size(), 2u);
  for (const proto::SimUnitSpec& spec : pending_) {
    EXPECT_EQ(spec.replay_steps, 5u);
    EXPECT_TRUE(spec.head.has_value());
  }
  // Once w is gone (it hands the chunks back and falls silent), v takes them and replays the
  // run from its stored state.
  std::vector<uint64_t> leases;
  for (const proto::SimUnitSpec& spec : pending_) leases.push_back(spec.lease_id);
  pending_.clear();
  std::vector<proto::SimUnitSpec> to_v;
  const auto collect = [&](const std::vector<Outgoing>& out) {
    for (const Outgoing& o : out) {
      if (const auto* g = std::get_if<proto::LeaseGrant>(&o.envelope.body); g && o.peer == "v") {
        to_v.insert(to_v.end(), g->sim_units.begin(), g->sim_units.end());
      }
    }
  };
  collect(send("w", proto::UnitReturn{leases, true}, now_));
  now_ += 5000;  // past w's liveness (3 heartbeats of 1 s), within the leases' 60 s
  collect(send("v", proto::WorkerHeartbeat{}, now_));
  pending_ = to_v;
  EXPECT_EQ(pending_.size(), 2u);
  work("v");
  EXPECT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
}

// Kill the dispatcher in the middle of a run's hash-verified chunks: the run resumes at its
// head, and the snapshots are still the run advanced in one piece.
TEST_F(SimCoreTest, ARestartedDispatcherResumesARunAtItsHead) {
  const uint64_t job = submit_batch(kBatch, 0, 4);
  exchange("w", hello(1));
  work("w", 3);  // three chunks of re=20 verified by hash: its head is at step 12
  reopen(now_);
  pending_.clear();
  exchange("w", hello(1));
  ASSERT_EQ(pending_.size(), 1u);
  EXPECT_GT(pending_.front().replay_steps, 0u) << "a run resumes at its head";
  EXPECT_TRUE(pending_.front().head.has_value());
  work("w");
  EXPECT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  EXPECT_EQ(status(job).units_done, status(job).units_total);
  expect_snapshots_match_truth(job);
}

// With work in the background, a whole-domain chunk that ends at a snapshot is stitched aside:
// the run's next chunk goes out in the reply to its result, from the head its worker holds,
// while an encoding thread writes the snapshot and stores the state. The run's end waits for
// its snapshots, which are the run advanced in one piece, and the states at them are stored.
TEST_F(SimCoreTest, ARunGoesOnFromItsHeadWhileItsSnapshotIsWritten) {
  config_.work_in_background = true;
  reopen(now_);
  const uint64_t job = submit_batch(kBatch, 0, 10);  // per run: chunks end at 10, 20, ..., 50
  exchange("w", hello(2));
  ASSERT_EQ(pending_.size(), 2u);  // each run's first chunk
  int snapshots_passed = 0;
  while (!pending_.empty()) {
    const proto::SimUnitSpec spec = pending_.front();
    const uint64_t end = spec.step + spec.replay_steps + spec.steps;
    work("w", 1);
    if (end != 20 && end != 40) continue;
    ++snapshots_passed;
    const bool next_granted = std::any_of(pending_.begin(), pending_.end(), [&](const auto& next) {
      return next.run == spec.run && next.step + next.replay_steps == end && next.head;
    });
    EXPECT_TRUE(next_granted) << "run " << spec.run << " waited at its snapshot at step " << end;
  }
  EXPECT_EQ(snapshots_passed, 2 * 2);
  work_until_done("w", job);
  ASSERT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  expect_snapshots_match_truth(job);
  const sim::BatchSpec batch = sim::parse_batch(kBatch, "cavity.toml").value();
  for (const sim::RunSpec& run : sim::expand_runs(batch)) {
    sim::TileState state = sim::make_initial_state(run).value();
    for (const int steps : {20, 20}) {
      ASSERT_TRUE(sim::run_steps_cpu(state, steps, 1));
      EXPECT_TRUE(core_->store().blobs().contains(blake2b_256(sim::encode_state(state).value())))
          << run.name;
    }
  }
}

// A dispatcher killed while snapshots are stitched aside (their runs gone on past them): at
// load it stitches them again from their chunks' stored bytes, and every snapshot is there
// and is the run advanced in one piece.
TEST_F(SimCoreTest, SnapshotsStitchedAsideWhenTheDispatcherDiedAreWrittenAtLoad) {
  config_.work_in_background = true;
  reopen(now_);
  const uint64_t job = submit_batch(kBatch, 0, 10);
  exchange("w", hello(2));
  work("w", 4);  // both runs' chunks ending at 10 and 20; their next chunks granted
  reopen(now_);  // the stitches in flight finish, unrecorded
  pending_.clear();
  exchange("w", hello(2));
  work_until_done("w", job);
  ASSERT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  EXPECT_EQ(status(job).units_done, status(job).units_total);
  expect_snapshots_match_truth(job);
}

}  // namespace
}  // namespace tf::testing
