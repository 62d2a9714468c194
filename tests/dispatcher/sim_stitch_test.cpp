// stitch_chunk on a whole-domain chunk, with and without the run's skeleton (its state less
// the fields). The truth is the run's initial state advanced by the CPU stepper in one piece:
// the chunk's next state must be that state's encoding, byte for byte, whichever way it was
// made.
#include "dispatcher/sim_stitch.h"

#include <gtest/gtest.h>

#include <memory>
#include <span>

#include "formats/sim/sim_unit.h"
#include "kernels/sim/sim_host.h"
#include "tests/support/sim_truth.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

constexpr int kSteps = 30;

class SimStitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<BlobStore> opened = BlobStore::open(dir_.path() / "blobs");
    ASSERT_TRUE(opened.is_ok()) << opened.message();
    blobs_.emplace(std::move(opened.value()));
    initial_ = testing::first_run_state(testing::tiny_cavity_batch(kSteps, kSteps));
    advanced_ = initial_;
    ASSERT_TRUE(sim::run_steps_cpu(advanced_, kSteps).is_ok());
    Result<std::vector<uint8_t>> bytes = sim::encode_state(initial_);
    ASSERT_TRUE(bytes.is_ok()) << bytes.message();
    initial_hash_ = blake2b_256(bytes.value());
    stored_initial_ = std::move(bytes.value());
  }

  // The chunk [0, kSteps) of the whole domain, its one unit's values the advanced fields.
  ChunkToStitch chunk() const {
    ChunkToStitch c;
    c.state = initial_hash_;
    c.parts.push_back({1, {0, 0, 0, initial_.size}, advanced_.fields});
    c.end = kSteps;
    return c;
  }

  void store_initial_state() {
    const std::span<const uint8_t> blob(stored_initial_);
    ASSERT_TRUE(blobs_->put_all(std::span<const std::span<const uint8_t>>(&blob, 1)).is_ok());
  }

  // The stored next state of `done` is the advanced state's encoding.
  void expect_advanced(const StitchedChunk& done) {
    ASSERT_TRUE(done.broken.empty()) << done.broken;
    ASSERT_TRUE(done.stored.is_ok()) << done.stored.message();
    ASSERT_TRUE(done.next_state.has_value());
    Result<std::vector<uint8_t>> stored = blobs_->get(*done.next_state);
    ASSERT_TRUE(stored.is_ok()) << stored.message();
    EXPECT_EQ(stored.value(), sim::encode_state(advanced_).value());
  }

  testing::TempDir dir_;
  std::optional<BlobStore> blobs_;
  sim::TileState initial_, advanced_;
  Hash256 initial_hash_;
  std::vector<uint8_t> stored_initial_;
};

// With the skeleton, the stored state is not read: the chunk stitches with it absent.
TEST_F(SimStitchTest, AWholeDomainChunkWithTheSkeletonNeedsNoStoredState) {
  sim::TileState skeleton = initial_;
  skeleton.fields = {};
  ChunkToStitch c = chunk();
  c.skeleton = std::make_shared<const sim::TileState>(skeleton);
  const StitchedChunk done = stitch_chunk(*blobs_, std::move(c));
  expect_advanced(done);
  EXPECT_EQ(done.skeleton, nullptr) << "the skeleton was given, not made";
}

// Without it, the stored state is read, and the skeleton taken from it makes, with the chunk's
// fields, the same state again.
TEST_F(SimStitchTest, AWholeDomainChunkWithoutTheSkeletonReadsTheStoredStateAndGivesIt) {
  ChunkToStitch missing = chunk();
  const StitchedChunk unreadable = stitch_chunk(*blobs_, std::move(missing));
  EXPECT_NE(unreadable.broken.find("its state is unreadable"), std::string::npos)
      << unreadable.broken;
  store_initial_state();
  const StitchedChunk done = stitch_chunk(*blobs_, chunk());
  expect_advanced(done);
  ASSERT_NE(done.skeleton, nullptr);
  EXPECT_TRUE(done.skeleton->fields.empty());
  sim::TileState remade = *done.skeleton;
  remade.fields = advanced_.fields;
  EXPECT_EQ(sim::encode_state(remade).value(), sim::encode_state(advanced_).value());
}

// A run's made initial state (formats/sim/initial_state.h) is no blob: a chunk that starts
// from it makes it from the run, with nothing stored, and gives its skeleton.
TEST_F(SimStitchTest, AChunkFromAMadeInitialStateMakesItFromTheRun) {
  ChunkToStitch c = chunk();
  c.made_initial = true;
  const std::string batch = testing::tiny_cavity_batch(kSteps, kSteps);
  c.run = sim::expand_runs(sim::parse_batch(batch, "cavity.toml").value()).at(0);
  const StitchedChunk done = stitch_chunk(*blobs_, std::move(c));
  expect_advanced(done);
  EXPECT_NE(done.skeleton, nullptr);
}

// A skeleton that does not fit the part (another grid) is not used: the stored state is.
TEST_F(SimStitchTest, ASkeletonOfAnotherGridIsNotUsed) {
  sim::TileState other = testing::first_run_state(testing::tiny_cavity_batch(kSteps, kSteps));
  other.size.nx += 1;
  other.fields = {};
  store_initial_state();
  ChunkToStitch c = chunk();
  c.skeleton = std::make_shared<const sim::TileState>(other);
  expect_advanced(stitch_chunk(*blobs_, std::move(c)));
}

}  // namespace
}  // namespace tf
