// Initial states made from a batch's text (formats/sim/initial_state.h) against the states
// made from the batch's runs one by one (parse_batch, expand_runs, make_initial_state): a worker
// that makes run r's state must make the bytes the dispatcher would have stored for it.
#include "formats/sim/initial_state.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "formats/sim/sim_unit.h"

namespace tf::sim {
namespace {

// Two runs (re swept), an obstacle and noise: states that differ by run and in every field.
const std::string kSweep =
    "[simulation]\nname = \"flow\"\nmodel = \"d2q9\"\ngrid = [40, 24]\nsteps = 10\n\n"
    "[parameters]\nre = [50, 100]\ninlet_ux = 0.05\n\n"
    "[boundaries]\nleft = \"inlet\"\nright = \"outlet\"\nbottom = \"wall\"\ntop = \"wall\"\n\n"
    "[initial]\nnoise = 0.01\nseed = 7\n\n"
    "[[obstacles]]\nshape = \"circle\"\ncenter = [10, 12]\nradius = 4\n";

std::vector<uint8_t> encoded(const RunSpec& run) {
  Result<TileState> state = make_initial_state(run);
  EXPECT_TRUE(state.is_ok()) << state.message();
  return state ? encode_state(state.value()).value() : std::vector<uint8_t>{};
}

TEST(InitialState, MadeFromTheTextAreTheStatesOfTheBatchsRuns) {
  const std::vector<RunSpec> runs = expand_runs(parse_batch(kSweep, "flow.toml").value());
  ASSERT_EQ(runs.size(), 2u);
  Result<std::vector<RunSpec>> made = runs_to_make(kSweep);
  ASSERT_TRUE(made.is_ok()) << made.message();
  ASSERT_EQ(made->size(), runs.size());
  for (uint32_t r = 0; r < runs.size(); ++r) {
    EXPECT_EQ(made.value()[r].name, runs[r].name);
    EXPECT_EQ(encoded(made.value()[r]), encoded(runs[r])) << "run " << r;
  }
  EXPECT_NE(encoded(made.value()[0]), encoded(made.value()[1]));
}

TEST(InitialState, TheSkeletonIsTheInitialStateLessItsFields) {
  const RunSpec run = expand_runs(parse_batch(kSweep, "flow.toml").value()).at(1);
  TileState skeleton = make_run_skeleton(run).value();
  EXPECT_TRUE(skeleton.fields.empty());
  const TileState initial = make_initial_state(run).value();
  skeleton.fields = initial.fields;
  EXPECT_EQ(encode_state(skeleton).value(), encode_state(initial).value());
}

TEST(InitialState, NamesDifferByRunAndBatchAndAreNoBlobsHash) {
  const Hash256 batch = blake2b_256(kSweep), other = blake2b_256(kSweep + "\n");
  std::set<Hash256> names;
  for (const Hash256& b : {batch, other}) {
    for (uint32_t r : {0u, 1u, 256u}) names.insert(initial_state_name(b, r));
  }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(initial_state_name(batch, 1), initial_state_name(batch, 1));
  EXPECT_EQ(names.count(blake2b_256(encoded(runs_to_make(kSweep).value()[0]))), 0u);
  EXPECT_EQ(names.count(batch), 0u);
}

TEST(InitialState, BatchesThatCannotMakeThemSaySo) {
  auto error_of = [](const std::string& text) {
    Result<std::vector<RunSpec>> made = runs_to_make(text);
    EXPECT_FALSE(made.is_ok());
    return made ? std::string() : made.message();
  };
  const std::string masked = kSweep + "\n[[obstacles]]\nshape = \"mask\"\nimage = \"wing.png\"\n";
  EXPECT_FALSE(makes_initial_states(parse_batch(masked, "flow.toml").value()));
  EXPECT_TRUE(makes_initial_states(parse_batch(kSweep, "flow.toml").value()));
  EXPECT_NE(error_of(masked).find("mask obstacles"), std::string::npos);
  EXPECT_NE(error_of("[simulation]\nmodel = 3\n").find("batch:"), std::string::npos);
}

}  // namespace
}  // namespace tf::sim
