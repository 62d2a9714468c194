// The CPU load of the machine's other processes, from /proc/stat and /proc/self/stat: the
// fraction of all CPUs' time between two samples that was busy, less this process's own.
// Parsing takes the files' text, so that it is testable without /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/status.h"

namespace tf {

// Times of all CPUs together, in clock ticks (USER_HZ), from /proc/stat's "cpu" line.
struct CpuTimes {
  uint64_t busy = 0;   // user + nice + system + irq + softirq + steal (guest is inside user)
  uint64_t total = 0;  // busy + idle + iowait
};

Result<CpuTimes> parse_proc_stat(std::string_view proc_stat);
// utime + stime of one process, in clock ticks, from the text of /proc/<pid>/stat (the command
// name in parentheses may hold spaces and parentheses).
Result<uint64_t> parse_process_ticks(std::string_view proc_pid_stat);

// The fraction [0, 1] of all CPUs' time from `before` to `after` that was busy other than
// with this process (`self_*` ticks); nullopt when no time passed.
std::optional<double> other_load(const CpuTimes& before, const CpuTimes& after,
                                 uint64_t self_before, uint64_t self_after);

// Samples /proc at each call and reports the other load since the previous call.
class CpuLoadMeter {
 public:
  // The load since the previous sample; nullopt on the first call, when /proc cannot be read
  // (the error is in `*problem` when given) or when no time passed.
  std::optional<double> sample(std::string* problem = nullptr);

 private:
  std::optional<CpuTimes> last_;
  uint64_t last_self_ = 0;
};

}  // namespace tf
