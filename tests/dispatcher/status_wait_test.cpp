// Status requests that wait for their job's end (dispatcher/status_waits.h): held by the
// dispatcher core until the job ends or the wait is over, answered at once when there is
// nothing to wait for; and DispatcherClient::wait against a dispatcher that answers at once, as
// one of an earlier release does.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dispatcher/client.h"
#include "dispatcher/status_waits.h"
#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

// The replies in `out` addressed to `peer`.
std::vector<proto::Envelope> replies_to(const std::vector<Outgoing>& out, const std::string& peer) {
  std::vector<proto::Envelope> found;
  for (const Outgoing& o : out) {
    if (o.peer == peer) found.push_back(o.envelope);
  }
  return found;
}

TEST(StatusWaits, AnswersEndedJobsAndOverWaitsAndHoldsTheRest) {
  StatusWaits waits;
  EXPECT_FALSE(waits.hold({"a", 1, 10}, 0, 2000, 0)) << "no wait: answered at once";
  EXPECT_FALSE(waits.next_due_ms());
  ASSERT_TRUE(waits.hold({"a", 1, 10}, 500, 2000, 0));
  ASSERT_TRUE(waits.hold({"b", 2, 20}, 9000, 2000, 0));  // capped at 2,000 ms
  ASSERT_TRUE(waits.hold({"c", 3, 30}, 300, 2000, 100));
  EXPECT_EQ(waits.next_due_ms(), 400);
  const auto none_ended = [](uint64_t) { return false; };
  EXPECT_TRUE(waits.take_due(399, none_ended).empty());
  std::vector<StatusWaits::Held> due = waits.take_due(400, none_ended);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].peer, "c");
  EXPECT_EQ(due[0].request_id, 3u);
  due = waits.take_due(401, [](uint64_t job) { return job == 20; });
  ASSERT_EQ(due.size(), 1u) << "job 20 ended before its wait was over";
  EXPECT_EQ(due[0].peer, "b");
  EXPECT_EQ(waits.next_due_ms(), 500);
  EXPECT_TRUE(waits.take_due(1999, none_ended).size() == 1u);
  EXPECT_EQ(waits.size(), 0u);
  EXPECT_FALSE(waits.next_due_ms());
}

TEST(StatusWaits, HoldsAtMostItsCapAndAnswersTheRestAtOnce) {
  StatusWaits waits;
  for (size_t i = 0; i < StatusWaits::kMaxHeld; ++i) {
    ASSERT_TRUE(waits.hold({"p", i, 1}, 1000, 2000, 0));
  }
  EXPECT_FALSE(waits.hold({"p", 9999, 1}, 1000, 2000, 0));
  EXPECT_EQ(waits.size(), StatusWaits::kMaxHeld);
}

TEST_F(CoreTest, AWaitingStatusRequestIsAnsweredByTheIterationThatEndsItsJob) {
  const uint64_t job = submit(1);  // 12 units
  EXPECT_TRUE(replies_to(send("watcher", proto::StatusRequest{job, 1000}, kStart), "watcher")
                  .empty());
  EXPECT_EQ(core_->next_status_due_ms(), kStart + 1000);
  std::vector<proto::RenderUnitSpec> pending = grants(send("w1", hello(2), kStart), "w1");
  uint32_t results = 0;
  std::vector<proto::Envelope> answered;
  while (!pending.empty() && answered.empty()) {
    const proto::RenderUnitSpec spec = pending.back();
    pending.pop_back();
    const std::vector<Outgoing> out = send("w1", result_for(spec), kStart + 10);
    ++results;
    answered = replies_to(out, "watcher");
    for (const auto& more : grants(out, "w1")) pending.push_back(more);
  }
  EXPECT_EQ(results, 12u) << "answered before the job's last result";
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].request_id, 7u) << "the held request's own id";
  const auto* reply = std::get_if<proto::StatusReply>(&answered[0].body);
  ASSERT_NE(reply, nullptr) << proto::kind_name(answered[0].body);
  ASSERT_EQ(reply->jobs.size(), 1u);
  EXPECT_EQ(reply->jobs[0].state, proto::JobState::kDone);
  EXPECT_EQ(reply->jobs[0].units_done, 12u);
  EXPECT_FALSE(core_->next_status_due_ms());
}

TEST_F(CoreTest, AWaitingStatusRequestIsAnsweredWhenItsWaitIsOver) {
  const uint64_t job = submit(1);  // no worker: the job stays queued
  EXPECT_TRUE(replies_to(send("watcher", proto::StatusRequest{job, 500}, kStart), "watcher")
                  .empty());
  EXPECT_TRUE(replies_to(tick(kStart + 499), "watcher").empty());
  const std::vector<proto::Envelope> answered = replies_to(tick(kStart + 500), "watcher");
  ASSERT_EQ(answered.size(), 1u);
  const auto* reply = std::get_if<proto::StatusReply>(&answered[0].body);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->jobs.at(0).state, proto::JobState::kQueued);
  EXPECT_TRUE(replies_to(tick(kStart + 5000), "watcher").empty()) << "answered once";
  // A wait past the most a dispatcher holds one is cut to it.
  send("watcher", proto::StatusRequest{job, 600'000}, kStart + 5000);
  EXPECT_EQ(core_->next_status_due_ms(), kStart + 5000 + proto::kMaxStatusWaitMs);
}

TEST_F(CoreTest, StatusRequestsWithNothingToWaitForAreAnsweredAtOnce) {
  const uint64_t job = submit(1);
  const auto answered_at_once = [&](proto::StatusRequest request) {
    return replies_to(send("watcher", request, kStart), "watcher").size() == 1;
  };
  EXPECT_TRUE(answered_at_once({job, 0})) << "no wait";
  EXPECT_TRUE(answered_at_once({0, 1000})) << "every job: no end to wait for";
  EXPECT_TRUE(answered_at_once({job + 1, 1000})) << "a job the dispatcher does not know";
  ASSERT_TRUE(core_->job_statuses(job).size() == 1);
  send("client", proto::CancelRequest{job}, kStart);
  EXPECT_TRUE(answered_at_once({job, 1000})) << "a job that has ended";
  EXPECT_FALSE(core_->next_status_due_ms());
}

// A fake dispatcher of an earlier release: it answers every status request at once (it does
// not know wait_ms), "running" `running` times and then "done", and notes each request.
class ImmediateDispatcher {
 public:
  ImmediateDispatcher(zmq::context_t& context, int running)
      : socket_(context, zmq::socket_type::router), running_(running) {
    socket_.bind("inproc://immediate-dispatcher");
    thread_ = std::thread([this] { serve(); });
  }
  ~ImmediateDispatcher() { thread_.join(); }
  std::vector<uint32_t> waits;  // wait_ms of each request, read after the client is done

 private:
  void serve() {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    for (int answered = 0; answered <= running_;) {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(5000)) == 0) return;
      Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(socket_, true);
      if (!raw || !raw.value()) continue;
      Result<proto::Envelope> request =
          proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kClient));
      if (!request) continue;
      const auto* status = std::get_if<proto::StatusRequest>(&request->body);
      if (status == nullptr) continue;
      waits.push_back(status->wait_ms);
      proto::JobStatus job;
      job.job_id = status->job_id;
      job.state = answered < running_ ? proto::JobState::kRunning : proto::JobState::kDone;
      proto::send_envelope(socket_, raw.value()->peer,
                           {request->request_id, proto::StatusReply{{job}}});
      ++answered;
    }
  }

  zmq::socket_t socket_;
  int running_;
  std::thread thread_;
};

TEST(DispatcherClientWait, AsksADispatcherThatAnswersAtOnceOncePerInterval) {
  zmq::context_t context;
  const auto start = std::chrono::steady_clock::now();
  std::vector<uint32_t> waits;
  {
    ImmediateDispatcher dispatcher(context, 3);
    DispatcherClient client(context, "inproc://immediate-dispatcher");
    Result<proto::JobStatus> done = client.wait(5, std::chrono::milliseconds(100), nullptr);
    ASSERT_TRUE(done.is_ok()) << done.message();
    EXPECT_EQ(done->state, proto::JobState::kDone);
    waits = dispatcher.waits;
  }
  // Three "running" answers, each followed by the rest of its interval: at least 300 ms, where
  // a client that asked again at once would have been done in a few.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(waits, (std::vector<uint32_t>{100, 100, 100, 100})) << "each request waits 100 ms";
}

}  // namespace
}  // namespace tf
