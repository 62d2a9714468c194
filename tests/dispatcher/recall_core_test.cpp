// DispatcherCore at the end of a queue (dispatcher_core.h, recalls): once no unit waits, a
// worker that ran dry gets the last units of the worker that would finish last, recalled for
// it; they go to it and not back to the worker that gave them; a recalled unit the holder had
// started stays its; and the frames come out as the synthetic renderer makes them.
#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "tests/dispatcher/core_fixture.h"

namespace tf::testing {
namespace {

class RecallTest : public CoreTest {
 protected:
  // w1 and w2 say hello and are measured on a first job of 10 frames (120 units), each
  // returning one unit a millisecond, first granted first (as a worker runs its queue). Then
  // w2's machine turns busy (it pauses) and w1 alone takes a job of `frames` frames. Returns
  // that job's id; held_ is what w1 holds, in grant order.
  uint64_t one_worker_takes_a_job(uint32_t frames) {
    for (const std::string& w : {"w1", "w2"}) send(w, hello(2), now_);
    take(send("client", job_of(10), now_));
    work_in_lockstep();
    send("w2", proto::UnitReturn{{}, false, /*pausing=*/true, false}, now_);
    const std::vector<Outgoing> submitted = send("client", job_of(frames, 1), now_);
    take(submitted);
    for (bool more = true; more;) {  // w1 takes the whole job over a few ticks
      const size_t before = held_["w1"].size();
      take(tick(now_));
      more = held_["w1"].size() > before;
    }
    for (const Outgoing& o : submitted) {
      if (const auto* reply = std::get_if<proto::SubmitReply>(&o.envelope.body)) {
        return reply->job_id;
      }
    }
    ADD_FAILURE() << "no SubmitReply";
    return 0;
  }

  void take(const std::vector<Outgoing>& out) {
    for (const std::string& w : {"w1", "w2"}) {
      for (const proto::RenderUnitSpec& spec : grants(out, w)) held_[w].push_back(spec);
    }
  }

  // Every worker returns the unit at the front of its queue each millisecond until none holds
  // any (recalls are ignored: the recalled units simply finish here).
  void work_in_lockstep() {
    for (bool any = true; any;) {
      any = false;
      ++now_;
      for (const std::string& w : {"w1", "w2"}) {
        if (held_[w].empty()) continue;
        any = true;
        const proto::RenderUnitSpec spec = held_[w].front();
        held_[w].pop_front();
        take(send(w, result_for(spec), now_));
      }
    }
  }

  static std::vector<uint64_t> recalled(const std::vector<Outgoing>& out,
                                        const std::string& peer) {
    std::vector<uint64_t> ids;
    for (const Outgoing& o : out) {
      const auto* recall = std::get_if<proto::LeaseRecall>(&o.envelope.body);
      if (o.peer == peer && recall != nullptr) {
        ids.insert(ids.end(), recall->lease_ids.begin(), recall->lease_ids.end());
      }
    }
    return ids;
  }

  int64_t now_ = kStart;
  std::map<std::string, std::deque<proto::RenderUnitSpec>> held_;
};

TEST_F(RecallTest, ADryWorkerGetsTheLastUnitsOfTheOneThatWouldFinishLast) {
  const uint64_t job = one_worker_takes_a_job(50);  // 600 units, about 0.6 s of w1's work
  ASSERT_EQ(held_["w1"].size(), 600u);
  // w2's machine is idle again: it holds nothing, w1 holds everything.
  const std::vector<Outgoing> resumed = send("w2", hello(2), now_);
  EXPECT_TRUE(grants(resumed, "w2").empty()) << "no unit waits";
  std::vector<uint64_t> asked = recalled(resumed, "w1");
  // Equal rates (both measured on the same units): about half, from the end of w1's queue.
  EXPECT_GE(asked.size(), 210u);
  EXPECT_LE(asked.size(), 390u);
  const std::set<uint64_t> asked_set(asked.begin(), asked.end());
  uint64_t last_kept = 0;
  for (const proto::RenderUnitSpec& spec : held_["w1"]) {
    if (asked_set.count(spec.lease_id) == 0) last_kept = std::max(last_kept, spec.lease_id);
  }
  EXPECT_LT(last_kept, *std::min_element(asked.begin(), asked.end()))
      << "a recall takes the units furthest from starting";
  EXPECT_EQ(core_->stats().leases_recalled, asked.size());

  // w1 had started the first of them: its result comes and counts; the others come back.
  std::map<uint64_t, proto::RenderUnitSpec> w1_by_lease;
  for (const proto::RenderUnitSpec& spec : held_["w1"]) w1_by_lease[spec.lease_id] = spec;
  std::sort(asked.begin(), asked.end());
  const proto::RenderUnitSpec started = w1_by_lease.at(asked.front());
  take(send("w1", result_for(started), ++now_));
  std::set<uint64_t> returned_units;
  proto::UnitReturn back;
  for (size_t i = 1; i < asked.size(); ++i) {
    back.lease_ids.push_back(asked[i]);
    returned_units.insert(w1_by_lease.at(asked[i]).unit_id);
  }
  std::erase_if(held_["w1"], [&](const proto::RenderUnitSpec& spec) {
    return asked_set.count(spec.lease_id) != 0;
  });
  const std::vector<Outgoing> out = send("w1", back, now_);
  EXPECT_TRUE(grants(out, "w1").empty()) << "w1 took back what it gave";
  std::set<uint64_t> granted_to_w2;
  for (const proto::RenderUnitSpec& spec : grants(out, "w2")) granted_to_w2.insert(spec.unit_id);
  EXPECT_EQ(granted_to_w2, returned_units) << "the returned units go to the worker that ran dry";
  take(out);

  work_in_lockstep();
  const proto::JobStatus done = status(job);
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_done, 600u);
  EXPECT_EQ(core_->stats().results_duplicate, 0u);
  for (uint32_t frame : {1u, 25u, 50u}) expect_frame_matches_synthetic(job, frame);
}

// 24 units, about 24 ms of w1's work: a recall would cost more than the lead it removes.
TEST_F(RecallTest, ALeadUnderFiftyMillisecondsIsLeftAlone) {
  one_worker_takes_a_job(2);
  ASSERT_EQ(held_["w1"].size(), 24u);
  EXPECT_TRUE(recalled(send("w2", hello(2), now_), "w1").empty());
}

TEST_F(RecallTest, NoRecallsWhenTheSettingIsOff) {
  config_.lease_sizing.recall_at_end = false;
  reopen(now_);
  one_worker_takes_a_job(50);
  ASSERT_EQ(held_["w1"].size(), 600u);
  EXPECT_TRUE(recalled(send("w2", hello(2), now_), "w1").empty());
}

}  // namespace
}  // namespace tf::testing
