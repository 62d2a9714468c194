// Simulation batches through the dispatcher core: runs split into tiles and chunks, fetched
// and computed by a worker, stitched and snapshotted by the dispatcher. The truth is each run's
// initial state advanced in one piece by the CPU stepper (no tiles, no chunks, no farm).
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "formats/protocol/result_hash.h"
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
    for (const Outgoing& o : out) {
      if (o.peer != peer) continue;
      if (const auto* g = std::get_if<proto::LeaseGrant>(&o.envelope.body)) {
        pending_.insert(pending_.end(), g->sim_units.begin(), g->sim_units.end());
      }
    }
    return out;
  }

  // An honest worker's result: the state fetched from the dispatcher, the unit's input cut
  // from it, advanced with the CPU stepper.
  proto::UnitResult compute(const std::string& peer, const proto::SimUnitSpec& spec) {
    std::optional<std::vector<uint8_t>> bytes;
    for (const Outgoing& o : exchange(peer, proto::BlobRequest{spec.state})) {
      if (const auto* blob = std::get_if<proto::BlobReply>(&o.envelope.body); blob && blob->found) {
        bytes = blob->bytes;
      }
    }
    EXPECT_TRUE(bytes.has_value()) << "the dispatcher did not serve the unit's state";
    const sim::TileState domain = sim::decode_state(bytes.value_or(std::vector<uint8_t>{})).value();
    const sim::Box box{static_cast<int>(spec.x0), static_cast<int>(spec.y0), static_cast<int>(spec.z0),
                       {static_cast<int>(spec.x1 - spec.x0), static_cast<int>(spec.y1 - spec.y0),
                        static_cast<int>(spec.z1 - spec.z0)}};
    sim::TileState input = sim::unit_input(domain, box, static_cast<int>(spec.steps)).value();
    EXPECT_TRUE(sim::run_steps_cpu(input, static_cast<int>(spec.steps), 1));
    proto::UnitResult r;
    r.lease_id = spec.lease_id;
    r.unit_id = spec.unit_id;
    r.kernel_version = "tf-d2q9";
    r.simulation = true;
    r.width = static_cast<uint32_t>(box.size.cell_count());
    r.height = 9;
    r.rays = static_cast<uint64_t>(input.size.cell_count()) * spec.steps;  // what it computed
    r.rgb = sim::unit_output(input);
    r.result_hash = proto::result_hash(r.rgb, r.rays);
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
  Result<SqliteStatement> sum = core_->store().db().prepare("SELECT SUM(credit) FROM ledger");
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

TEST_F(SimCoreTest, AResultClaimingOtherWorkIsRefusedAndTheUnitRedone) {
  const uint64_t job = submit_batch(kBatch, 10, 7);
  exchange("w", hello(1));
  ASSERT_EQ(pending_.size(), 1u);
  const proto::SimUnitSpec spec = pending_.front();
  pending_.clear();
  proto::UnitResult inflated = compute("w", spec);
  inflated.rays *= 2;  // more cell updates than the unit has
  inflated.result_hash = proto::result_hash(inflated.rgb, inflated.rays);
  computed_updates_ = 0;
  exchange("w", inflated);
  EXPECT_EQ(core_->stats().results_rejected, 1u);
  ASSERT_FALSE(pending_.empty());  // the unit went out again
  EXPECT_EQ(pending_.front().unit_id, spec.unit_id);
  work("w");
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
}

TEST_F(SimCoreTest, StatesAreServedOnlyToWorkersHoldingTheirUnits) {
  submit_batch(kBatch, 10, 7);
  exchange("w", hello(1));
  ASSERT_FALSE(pending_.empty());
  // A worker holding no unit (it never said hello, so it holds none) asks for the state.
  bool refused = false;
  for (const Outgoing& o : exchange("other", proto::BlobRequest{pending_.front().state})) {
    if (const auto* blob = std::get_if<proto::BlobReply>(&o.envelope.body)) refused = !blob->found;
  }
  EXPECT_TRUE(refused);
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

}  // namespace
}  // namespace tf::testing
