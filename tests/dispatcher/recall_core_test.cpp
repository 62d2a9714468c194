// DispatcherCore at the end of a queue (dispatcher_core.h, recalls): once no unit waits, a
// worker that ran dry gets the last units of the worker that would finish last, recalled for
// it; they go to it and not back to the worker that gave them; a recalled unit the holder had
// started stays its; and the frames come out as the synthetic renderer makes them.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <vector>

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
    for (const std::string& w : peers_) send(w, hello(2), now_);
    take(send("client", job_of(10), now_));
    work_in_lockstep();
    send("w2", proto::UnitReturn{{}, false, /*pausing=*/true, false}, now_);
    return take_job(job_of(frames, 1));
  }

  // Submits `job` and ticks until the workers take no more of it; returns its id.
  uint64_t take_job(proto::SubmitJob job) {
    const std::vector<Outgoing> submitted = send("client", std::move(job), now_);
    take(submitted);
    for (bool more = true; more;) {
      size_t before = 0;
      for (const std::string& w : peers_) before += held_[w].size();
      take(tick(now_));
      size_t after = 0;
      for (const std::string& w : peers_) after += held_[w].size();
      more = after > before;
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
    for (const std::string& w : peers_) {
      for (const proto::RenderUnitSpec& spec : grants(out, w)) held_[w].push_back(spec);
      const std::vector<uint64_t> asked = recalled(out, w);
      recalls_[w].insert(recalls_[w].end(), asked.begin(), asked.end());
    }
  }

  // `peer` returns the unit at the front of its queue.
  void run_front(const std::string& peer) {
    if (held_[peer].empty()) return;
    const proto::RenderUnitSpec spec = held_[peer].front();
    held_[peer].pop_front();
    take(send(peer, result_for(spec), now_));
  }

  // Every worker returns the unit at the front of its queue each millisecond until none holds
  // any (recalls are ignored: the recalled units simply finish here).
  void work_in_lockstep() {
    for (bool any = true; any;) {
      any = false;
      ++now_;
      for (const std::string& w : peers_) {
        any = any || !held_[w].empty();
        run_front(w);
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
  std::vector<std::string> peers_ = {"w1", "w2"};
  std::map<std::string, std::deque<proto::RenderUnitSpec>> held_;
  std::map<std::string, std::vector<uint64_t>> recalls_;  // lease ids asked back, by holder
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

// Replication 2 on two workers (w1, w2): each unit's other replica is at the other worker, so a unit
// w1 still holds could never go to w2, and none is recalled for it (handed back, it would come
// to nobody's use, again and again); a third worker (measured on the first job, then paused
// through the second) that runs dry beside w2 gets them. No key earns trust here, so the trust
// rules (an untrusted key never takes a unit's last replica) stay out of it.
TEST_F(RecallTest, OnlyUnitsTheDryWorkerMayRunAreRecalledForIt) {
  config_.trust.trust_after = 1'000'000;
  reopen(now_);
  peers_.push_back("w3");
  for (const std::string& w : peers_) send(w, hello(2), now_);
  take(send("client", job_of(10), now_));
  work_in_lockstep();
  send("w3", proto::UnitReturn{{}, false, /*pausing=*/true, false}, now_);
  const uint64_t job = take_job(job_of(50, 0, /*replication=*/2, /*quorum=*/2));
  ASSERT_EQ(held_["w1"].size(), 600u);
  ASSERT_EQ(held_["w2"].size(), 600u);
  while (!held_["w2"].empty()) {  // w2 runs twice as fast as w1
    ++now_;
    run_front("w2");
    run_front("w2");
    run_front("w1");
  }
  for (int i = 0; i < 10; ++i) take(tick(++now_));  // w2 waits, dry
  ASSERT_GE(held_["w1"].size(), 250u);
  EXPECT_TRUE(recalls_["w1"].empty()) << "recalled for a worker that may not run them";

  take(send("w3", hello(2), now_));
  const std::vector<uint64_t> asked = recalls_["w1"];
  ASSERT_FALSE(asked.empty()) << "w3 ran dry beside w1, which would finish last";
  const std::set<uint64_t> asked_set(asked.begin(), asked.end());
  proto::UnitReturn back;
  std::set<uint64_t> returned_units;
  for (const proto::RenderUnitSpec& spec : held_["w1"]) {
    if (asked_set.count(spec.lease_id) == 0) continue;
    back.lease_ids.push_back(spec.lease_id);
    returned_units.insert(spec.unit_id);
  }
  ASSERT_EQ(back.lease_ids.size(), asked.size());
  std::erase_if(held_["w1"], [&](const proto::RenderUnitSpec& spec) {
    return asked_set.count(spec.lease_id) != 0;
  });
  const size_t w3_before = held_["w3"].size();
  take(send("w1", back, now_));
  std::set<uint64_t> granted_to_w3;
  for (size_t i = w3_before; i < held_["w3"].size(); ++i) {
    granted_to_w3.insert(held_["w3"][i].unit_id);
  }
  EXPECT_EQ(granted_to_w3, returned_units);

  work_in_lockstep();
  const proto::JobStatus done = status(job);
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(core_->stats().results_duplicate, 0u);
  for (uint32_t frame : {1u, 50u}) expect_frame_matches_synthetic(job, frame);
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
