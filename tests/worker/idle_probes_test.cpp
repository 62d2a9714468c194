// What "the machine is idle" reads: /proc/stat and /proc/<pid>/stat deltas, loginctl's session
// idle hints, and the idle and GPU-limit sources over injected readings.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "worker/cpu_load.h"
#include "worker/logind_input.h"
#include "worker/machine_idle.h"

namespace tf {
namespace {

// Two samples of a 4-CPU machine's /proc/stat, 100 ticks per CPU apart (400 in all).
constexpr const char* kStatBefore =
    "cpu  1000 50 300 8000 100 10 20 5 0 0\n"
    "cpu0 250 12 75 2000 25 2 5 1 0 0\n"
    "intr 12345 0 0\n";
constexpr const char* kStatAfter =
    "cpu  1150 50 350 8180 110 15 25 5 40 0\n"
    "cpu0 290 12 90 2040 27 3 6 1 10 0\n";

TEST(CpuLoad, ProcStatSplitsBusyAndIdleTicks) {
  Result<CpuTimes> before = parse_proc_stat(kStatBefore);
  ASSERT_TRUE(before.is_ok()) << before.message();
  // busy = user + nice + system + irq + softirq + steal; total adds idle + iowait.
  EXPECT_EQ(before->busy, 1000u + 50 + 300 + 10 + 20 + 5);
  EXPECT_EQ(before->total, before->busy + 8000 + 100);
  Result<CpuTimes> after = parse_proc_stat(kStatAfter);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ(after->total - before->total, 400u) << "guest time is inside user time, not added";
  EXPECT_EQ(after->busy - before->busy, 210u);
}

TEST(CpuLoad, OtherLoadLeavesOutThisProcessesOwnTicks) {
  const CpuTimes before = parse_proc_stat(kStatBefore).value();
  const CpuTimes after = parse_proc_stat(kStatAfter).value();
  // 210 busy ticks of 400, of which this process used 130: the others used 80 of 400.
  std::optional<double> load = other_load(before, after, 1000, 1130);
  ASSERT_TRUE(load.has_value());
  EXPECT_DOUBLE_EQ(*load, 80.0 / 400.0);
  EXPECT_DOUBLE_EQ(other_load(before, after, 0, 0).value(), 210.0 / 400.0);
  // Own ticks counted a little past the machine's (sampling skew): never below zero.
  EXPECT_DOUBLE_EQ(other_load(before, after, 0, 500).value(), 0.0);
  EXPECT_FALSE(other_load(after, after, 0, 0).has_value()) << "no time passed";
}

TEST(CpuLoad, BadProcStatIsAnError) {
  EXPECT_FALSE(parse_proc_stat("").is_ok());
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n").is_ok()) << "not the all-CPU line";
  EXPECT_FALSE(parse_proc_stat("cpu  1 2 x 4\n").is_ok());
  EXPECT_FALSE(parse_proc_stat("cpu  1 2\n").is_ok());
}

TEST(CpuLoad, ProcessTicksAreUtimePlusStimeEvenWithParenthesesInTheName) {
  // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
  // cmajflt utime(14) stime(15) cutime cstime ...
  const std::string stat =
      "4242 (tile farm (w) 1) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 8 9 20 0 12 0 "
      "100 2000000 300\n";
  Result<uint64_t> ticks = parse_process_ticks(stat);
  ASSERT_TRUE(ticks.is_ok()) << ticks.message();
  EXPECT_EQ(ticks.value(), 1234u + 567u) << "children's times are not this process's";
  EXPECT_FALSE(parse_process_ticks("4242 tilefarm S 1").is_ok());
  EXPECT_FALSE(parse_process_ticks("4242 (tilefarm) S 1 2 3").is_ok());
}

TEST(CpuLoad, TheMeterReadsThisMachine) {
  CpuLoadMeter meter;
  std::string problem;
  EXPECT_FALSE(meter.sample(&problem).has_value()) << "the first sample has nothing to compare";
  EXPECT_TRUE(problem.empty()) << problem;
  // Burn a little CPU in this process: its own ticks are left out of the other load.
  volatile double x = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(60);
  while (std::chrono::steady_clock::now() < until) x = x + std::sqrt(x + 1);
  std::optional<double> load = meter.sample(&problem);
  EXPECT_TRUE(problem.empty()) << problem;
  if (load) {
    EXPECT_GE(*load, 0.0);
    EXPECT_LE(*load, 1.0);
  }
}

// ---- loginctl

constexpr uint64_t kNowUs = 1'764'740'000'000'000;

TEST(LogindInput, SessionIdsAreTheFirstColumn) {
  const std::string list =
      "      3 1000 alice seat0 tty2\n"
      "     c2  117 gdm   seat0 tty1\n"
      "     17 1000 alice       pts/0\n"
      "\n";
  EXPECT_EQ(parse_session_ids(list), (std::vector<std::string>{"3", "c2", "17"}));
  EXPECT_TRUE(parse_session_ids("").empty());
  EXPECT_TRUE(parse_session_ids("  $(rm -rf /) 1000\n").empty()) << "not an id: never run";
}

TEST(LogindInput, ShowSessionBlocksBecomeSessions) {
  const std::string shown =
      "Id=3\nType=wayland\nClass=user\nIdleHint=yes\nIdleSinceHint=1764739000000000\n"
      "\n"
      "Id=c2\nType=x11\nClass=greeter\nIdleHint=no\nIdleSinceHint=0\n"
      "\n"
      "Id=17\nType=tty\nClass=user\nIdleHint=no\nIdleSinceHint=1764739990000000\n";
  const std::vector<LogindSession> s = parse_session_properties(shown);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].id, "3");
  EXPECT_EQ(s[0].type, "wayland");
  EXPECT_EQ(s[0].klass, "user");
  EXPECT_TRUE(s[0].idle_hint);
  EXPECT_EQ(s[0].idle_since_us, 1764739000000000u);
  EXPECT_EQ(s[1].klass, "greeter");
  EXPECT_FALSE(s[1].idle_hint);
  EXPECT_EQ(s[2].type, "tty");
  // The terminal was used 10 s ago; the desktop has been idle 1000 s: input was 10 s ago.
  std::optional<double> since = seconds_since_input(s, kNowUs);
  ASSERT_TRUE(since.has_value());
  EXPECT_DOUBLE_EQ(*since, 10.0);
}

TEST(LogindInput, ADesktopThatIsNotIdleIsInUseNow) {
  std::vector<LogindSession> s{{"3", "wayland", "user", false, kNowUs - 5'000'000'000}};
  EXPECT_DOUBLE_EQ(seconds_since_input(s, kNowUs).value(), 0.0);
  s[0].idle_hint = true;
  EXPECT_DOUBLE_EQ(seconds_since_input(s, kNowUs).value(), 5000.0);
  s[0].idle_since_us = 0;  // idle, since an unknown time
  EXPECT_TRUE(std::isinf(seconds_since_input(s, kNowUs).value()));
}

TEST(LogindInput, OnlyUserSessionsCount) {
  std::vector<LogindSession> s{{"c1", "x11", "greeter", false, 0},
                               {"c3", "wayland", "lock-screen", false, 0}};
  EXPECT_FALSE(seconds_since_input(s, kNowUs).has_value()) << "nobody there to give input";
  EXPECT_FALSE(seconds_since_input({}, kNowUs).has_value());
}

// ---- the idle policy over injected readings

struct FakeMachine {
  Result<std::optional<double>> since_input = std::optional<double>();
  std::optional<double> load = 0.0;
  std::optional<Result<std::vector<GpuReading>>> gpus;  // nullopt: no NVML
  std::vector<std::string> notes;

  MachineReadings readings() {
    MachineReadings r;
    r.seconds_since_input = [this] { return since_input; };
    r.other_load = [this](std::string*) { return load; };
    if (gpus) r.gpus = [this] { return *gpus; };
    r.is_other_process = [](uint32_t pid) { return pid != 100; };  // 100: this worker
    return r;
  }
  std::function<void(const std::string&)> note() {
    return [this](const std::string& line) { notes.push_back(line); };
  }
};

TEST(IdleMachineSource, RecentUserInputKeepsTheWorkerOff) {
  FakeMachine m;
  IdleMachineSource source(5, 0.25, m.readings(), m.note());
  m.since_input = std::optional<double>(12.0);
  IdleVerdict v = source.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_EQ(v.reason, "user input 12 s ago");
  m.since_input = std::optional<double>(299.0);
  EXPECT_FALSE(source.check().may_work);
  m.since_input = std::optional<double>(301.0);
  v = source.check();
  EXPECT_TRUE(v.may_work) << v.reason;
  EXPECT_NE(v.reason.find("no user input for 5 min"), std::string::npos) << v.reason;
}

TEST(IdleMachineSource, WithoutLogindInputCountsAsAbsentAndThatIsSaidOnce) {
  FakeMachine m;
  IdleMachineSource source(5, 0.25, m.readings(), m.note());
  m.since_input = Error{"loginctl failed"};
  EXPECT_TRUE(source.check().may_work);
  EXPECT_TRUE(source.check().may_work);
  size_t logind_notes = 0;
  for (const std::string& n : m.notes) logind_notes += n.find("logind") != std::string::npos;
  EXPECT_EQ(logind_notes, 1u);
}

TEST(IdleMachineSource, OtherCpuLoadAboveTheLimitKeepsTheWorkerOff) {
  FakeMachine m;
  IdleMachineSource source(5, 0.25, m.readings(), m.note());
  m.load = 0.40;
  IdleVerdict v = source.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_NE(v.reason.find("40%"), std::string::npos) << v.reason;
  m.load = 0.20;
  EXPECT_TRUE(source.check().may_work);
  m.load = std::nullopt;  // not measurable this time: not held against the machine
  EXPECT_TRUE(source.check().may_work);
}

TEST(IdleMachineSource, AnotherProcessOnTheGpuKeepsTheWorkerOffButItsOwnDoesNot) {
  FakeMachine m;
  GpuReading gpu{"NVIDIA H200", 40.0, 100.0, std::vector<uint32_t>{100}};
  m.gpus = Result<std::vector<GpuReading>>(std::vector<GpuReading>{gpu});
  IdleMachineSource source(5, 0.25, m.readings(), m.note());
  EXPECT_TRUE(source.check().may_work) << "PID 100 is the worker itself";
  gpu.compute_pids->push_back(4321);
  m.gpus = Result<std::vector<GpuReading>>(std::vector<GpuReading>{gpu});
  IdleVerdict v = source.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_EQ(v.reason, "process 4321 computes on NVIDIA H200");
  EXPECT_TRUE(m.notes.empty()) << m.notes.front();
}

TEST(IdleMachineSource, WithoutNvmlTheGpuCheckIsSkippedAndThatIsSaid) {
  FakeMachine m;
  IdleMachineSource source(5, 0.25, m.readings(), m.note());
  EXPECT_TRUE(source.check().may_work);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_NE(m.notes[0].find("NVML"), std::string::npos) << m.notes[0];
}

TEST(GpuLimitSource, TemperatureAndPowerAboveTheirLimitsKeepTheWorkerOff) {
  FakeMachine m;
  GpuReading gpu{"GPU 0", 70.0, 250.0, std::vector<uint32_t>{}};
  m.gpus = Result<std::vector<GpuReading>>(std::vector<GpuReading>{gpu});
  GpuLimitSource source(80, 300, m.readings(), m.note());
  EXPECT_TRUE(source.check().may_work);
  gpu.temp_c = 85.0;
  m.gpus = Result<std::vector<GpuReading>>(std::vector<GpuReading>{gpu});
  IdleVerdict v = source.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_EQ(v.reason, "GPU 0 at 85 C (at most 80 C allowed)");
  gpu.temp_c = 60.0;
  gpu.power_w = 310.0;
  m.gpus = Result<std::vector<GpuReading>>(std::vector<GpuReading>{gpu});
  v = source.check();
  EXPECT_FALSE(v.may_work);
  EXPECT_EQ(v.reason, "GPU 0 draws 310 W (at most 300 W allowed)");
}

TEST(GpuLimitSource, LimitsThatCannotBeReadAreSaidOnceAndNotEnforced) {
  FakeMachine no_nvml;
  GpuLimitSource without(80, 300, no_nvml.readings(), no_nvml.note());
  EXPECT_TRUE(without.check().may_work);
  ASSERT_EQ(no_nvml.notes.size(), 2u);
  EXPECT_NE(no_nvml.notes[0].find("--max-gpu-temp cannot be enforced"), std::string::npos);
  EXPECT_NE(no_nvml.notes[1].find("--max-power cannot be enforced"), std::string::npos);

  FakeMachine m;
  m.gpus = Result<std::vector<GpuReading>>(
      std::vector<GpuReading>{{"old GPU", std::nullopt, std::nullopt, std::nullopt}});
  GpuLimitSource source(80, 0, m.readings(), m.note());
  EXPECT_TRUE(source.check().may_work);
  EXPECT_TRUE(source.check().may_work);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_NE(m.notes[0].find("old GPU reports no temperature"), std::string::npos) << m.notes[0];
}

}  // namespace
}  // namespace tf
