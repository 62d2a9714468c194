// The idle policy's pure parts: time windows (across midnight too), the debounce that keeps a
// worker from flapping, the combination of sources, and what `--when` accepts.
#include "worker/idle_policy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "worker/idle_monitor.h"
#include "worker/idle_window.h"

namespace tf {
namespace {

int at(int hours, int minutes) { return hours * 60 + minutes; }

TEST(TimeWindow, ADaytimeWindowHoldsItsStartButNotItsEnd) {
  Result<TimeWindow> w = parse_time_window("09:30-17:00");
  ASSERT_TRUE(w.is_ok()) << w.message();
  EXPECT_EQ(w->start_minute, at(9, 30));
  EXPECT_EQ(w->end_minute, at(17, 0));
  EXPECT_FALSE(w->contains(at(9, 29)));
  EXPECT_TRUE(w->contains(at(9, 30)));
  EXPECT_TRUE(w->contains(at(16, 59)));
  EXPECT_FALSE(w->contains(at(17, 0)));
  EXPECT_FALSE(w->contains(at(0, 0)));
  EXPECT_EQ(w->text(), "09:30-17:00");
}

TEST(TimeWindow, AWindowAcrossMidnightHoldsTheLateEveningAndTheEarlyMorning) {
  Result<TimeWindow> w = parse_time_window("22:00-6:00");
  ASSERT_TRUE(w.is_ok()) << w.message();
  EXPECT_TRUE(w->contains(at(22, 0)));
  EXPECT_TRUE(w->contains(at(23, 59)));
  EXPECT_TRUE(w->contains(at(0, 0)));
  EXPECT_TRUE(w->contains(at(5, 59)));
  EXPECT_FALSE(w->contains(at(6, 0)));
  EXPECT_FALSE(w->contains(at(12, 0)));
  EXPECT_FALSE(w->contains(at(21, 59)));
  EXPECT_EQ(w->text(), "22:00-06:00");
  // Every minute of the day is inside exactly one of a window and its complement.
  Result<TimeWindow> day = parse_time_window("06:00-22:00");
  ASSERT_TRUE(day.is_ok());
  for (int m = 0; m < 24 * 60; ++m) EXPECT_NE(w->contains(m), day->contains(m)) << m;
}

TEST(TimeWindow, EqualStartAndEndIsTheWholeDay) {
  Result<TimeWindow> w = parse_time_window("00:00-00:00");
  ASSERT_TRUE(w.is_ok());
  for (int m = 0; m < 24 * 60; m += 7) EXPECT_TRUE(w->contains(m));
}

TEST(TimeWindow, ParseErrorsSayWhatIsWrong) {
  const auto error_of = [](const char* text) {
    Result<TimeWindow> w = parse_time_window(text);
    EXPECT_FALSE(w.is_ok()) << text;
    return w.is_ok() ? std::string() : w.message();
  };
  EXPECT_NE(error_of("22:00").find("HH:MM-HH:MM"), std::string::npos);
  EXPECT_NE(error_of("24:00-06:00").find("hours go from 0 to 23"), std::string::npos);
  EXPECT_NE(error_of("22:00-06:60").find("minutes go from 00 to 59"), std::string::npos);
  EXPECT_NE(error_of("22:00-6").find("end time"), std::string::npos);
  EXPECT_NE(error_of("2200-06:00").find("start time"), std::string::npos);
  EXPECT_NE(error_of("22:0-06:00").find("start time"), std::string::npos);
  EXPECT_NE(error_of("22:00-06:00-07:00").find("HH:MM-HH:MM"), std::string::npos);
  EXPECT_NE(error_of("ab:cd-06:00").find("not HH:MM"), std::string::npos);
}

TEST(WindowSource, SaysInsideOrOutsideByTheInjectedClock) {
  int now = at(23, 15);
  WindowSource source(parse_time_window("22:00-06:00").value(), [&] { return now; });
  IdleVerdict v = source.check();
  EXPECT_TRUE(v.may_work);
  EXPECT_NE(v.reason.find("22:00-06:00"), std::string::npos) << v.reason;
  now = at(14, 5);
  v = source.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_NE(v.reason.find("outside"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("14:05"), std::string::npos) << v.reason;
}

TEST(IdleDebounce, AStateMustHoldBeforeTheWorkerSwitches) {
  IdleDebounce d(3000);
  EXPECT_TRUE(d.update({true, "idle"}, 0)) << "the first verdict sets the state";
  EXPECT_TRUE(d.may_work());
  EXPECT_FALSE(d.update({false, "busy"}, 1000));
  EXPECT_FALSE(d.update({false, "busy"}, 3999));
  EXPECT_TRUE(d.may_work()) << "not yet held for 3 s";
  EXPECT_TRUE(d.update({false, "user input 1 s ago"}, 4000));
  EXPECT_FALSE(d.may_work());
  EXPECT_EQ(d.reason(), "user input 1 s ago");
  // A flicker back to idle and busy again restarts the count.
  EXPECT_FALSE(d.update({true, "idle"}, 5000));
  EXPECT_FALSE(d.update({false, "busy"}, 6000));
  EXPECT_FALSE(d.update({true, "idle"}, 7000));
  EXPECT_FALSE(d.update({true, "idle"}, 9999));
  EXPECT_FALSE(d.may_work());
  EXPECT_TRUE(d.update({true, "idle again"}, 10000));
  EXPECT_TRUE(d.may_work());
}

TEST(IdleDebounce, ZeroHoldSwitchesAtOnce) {
  IdleDebounce d(0);
  d.update({true, "a"}, 0);
  EXPECT_TRUE(d.update({false, "b"}, 0));
  EXPECT_TRUE(d.update({true, "c"}, 0));
}

class FixedSource : public IdleSource {
 public:
  explicit FixedSource(IdleVerdict v) : v_(std::move(v)) {}
  IdleVerdict check() override { return v_; }

 private:
  IdleVerdict v_;
};

TEST(AllOfSource, ARefusalWinsAndNamesItsReason) {
  std::vector<std::unique_ptr<IdleSource>> parts;
  parts.push_back(std::make_unique<FixedSource>(IdleVerdict{true, "in the window"}));
  parts.push_back(std::make_unique<FixedSource>(IdleVerdict{false, "GPU at 90 C"}));
  AllOfSource all(std::move(parts));
  const IdleVerdict v = all.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_EQ(v.reason, "GPU at 90 C");

  std::vector<std::unique_ptr<IdleSource>> both_ok;
  both_ok.push_back(std::make_unique<FixedSource>(IdleVerdict{true, "a"}));
  both_ok.push_back(std::make_unique<FixedSource>(IdleVerdict{true, "b"}));
  EXPECT_EQ(AllOfSource(std::move(both_ok)).check().reason, "a; b");
}

TEST(MakeIdleSource, AcceptsThePoliciesAndRefusesOthersWithAReason) {
  IdlePolicyOptions options;
  Result<std::unique_ptr<IdleSource>> always = make_idle_source(options);
  ASSERT_TRUE(always.is_ok()) << always.message();
  EXPECT_TRUE(always.value()->check().may_work);

  options.when = "00:00-00:00";
  ASSERT_TRUE(make_idle_source(options).is_ok());

  options.when = "sometimes";
  Result<std::unique_ptr<IdleSource>> bad = make_idle_source(options);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("always, idle"), std::string::npos) << bad.message();

  options.when = "25:00-01:00";
  bad = make_idle_source(options);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("--when"), std::string::npos) << bad.message();

  options.when = "always";
  options.max_other_load = 1.5;
  bad = make_idle_source(options);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("--max-other-load"), std::string::npos) << bad.message();
}

TEST(IdleMonitor, TakesTheFirstVerdictAtStartAndFollowsTheSource) {
  struct Switch : IdleSource {
    std::atomic<bool> idle{false};
    IdleVerdict check() override { return {idle.load(), idle ? "idle" : "busy"}; }
  };
  auto source = std::make_shared<Switch>();
  std::atomic<int> changes{0};
  IdleMonitor monitor(source, 10, 0, [&] { ++changes; });
  monitor.start();
  EXPECT_FALSE(monitor.may_work()) << "the initial state comes from start() itself";
  EXPECT_EQ(monitor.reason(), "busy");
  source->idle = true;
  for (int i = 0; i < 500 && changes < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(monitor.may_work());
  EXPECT_EQ(monitor.reason(), "idle");
  EXPECT_EQ(changes, 2);
  monitor.stop();
}

}  // namespace
}  // namespace tf
