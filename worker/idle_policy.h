// When a worker may work: the contract between the worker's session and the policies that
// decide it (`tilefarm worker --when idle|always|HH:MM-HH:MM`).
//
// The worker asks its IdleSource about once per heartbeat, on a thread of its own
// (idle_monitor.h), so a slow answer never delays a heartbeat. A verdict that holds for
// `hold` in a row switches the worker: on "may not work" it hands its queued units back to the
// dispatcher and takes no new leases (running units finish); on "may work" it says hello
// again and takes work as before.
//
// Policies:
// - always: every verdict is "may work" (the default, and what a worker without a policy does);
// - a daily window of local time, HH:MM-HH:MM (idle_window.h); one that ends earlier than it
//   starts runs across midnight (22:00-06:00);
// - idle (machine_idle.h): no user input for a while, little other CPU load, and no other
//   process computing on the GPUs;
// - GPU limits (--max-gpu-temp, --max-power; nvml_probe.h) add to any of them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf {

struct IdleVerdict {
  bool may_work = true;
  // Why, in words for the log: "user input 12 s ago", "in the window 22:00-06:00".
  std::string reason;
};

class IdleSource {
 public:
  virtual ~IdleSource() = default;
  // Whether this machine may work now. Called from one thread at a time, about once per
  // heartbeat; may take a few milliseconds (it may read /proc or run loginctl).
  virtual IdleVerdict check() = 0;
};

// "May work" always.
class AlwaysSource : public IdleSource {
 public:
  IdleVerdict check() override { return {true, "always"}; }
};

// May work when every part says so; the reason is the first refusal's, else every part's.
class AllOfSource : public IdleSource {
 public:
  explicit AllOfSource(std::vector<std::unique_ptr<IdleSource>> parts) : parts_(std::move(parts)) {}
  IdleVerdict check() override;

 private:
  std::vector<std::unique_ptr<IdleSource>> parts_;
};

// What `tilefarm worker` was told.
struct IdlePolicyOptions {
  std::string when = "always";   // "always", "idle" or "HH:MM-HH:MM"
  double idle_minutes = 5;       // idle: no user input for this long
  double max_other_load = 0.25;  // idle: other processes use at most this fraction of the CPUs
  double max_gpu_temp_c = 0;     // any policy: pause above this GPU temperature; 0: no limit
  double max_power_w = 0;        // any policy: pause above this GPU board power; 0: no limit
  // One-time notes ("logind is not available: ..."); default: none.
  std::function<void(const std::string&)> log;
};

// The source for `options`; an error names what is wrong (an unknown --when, a bad window, a
// negative limit), for the CLI to print and exit 2.
Result<std::unique_ptr<IdleSource>> make_idle_source(const IdlePolicyOptions& options);

}  // namespace tf
