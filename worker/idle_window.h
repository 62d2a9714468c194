// A daily window of local time in which a worker may work (`--when 22:00-06:00`).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "kernels/status.h"
#include "worker/idle_policy.h"

namespace tf {

struct TimeWindow {
  int start_minute = 0;  // minutes after local midnight, [0, 1440)
  int end_minute = 0;    // exclusive; earlier than start: the window runs across midnight
  // Whether the window holds `minute_of_day` ([0, 1440)). A window whose start and end are
  // equal holds every minute (all day).
  bool contains(int minute_of_day) const;
  std::string text() const;  // "HH:MM-HH:MM"
};

// Parses "HH:MM-HH:MM" (24-hour clock, 00:00 to 23:59, H may be one digit); the error says
// which part is wrong and what was expected.
Result<TimeWindow> parse_time_window(std::string_view text);

// The minute of the day on this machine's local clock.
int local_minute_of_day();

class WindowSource : public IdleSource {
 public:
  // `minute_now`: the clock (default: local_minute_of_day), replaceable in tests.
  explicit WindowSource(TimeWindow window, std::function<int()> minute_now = local_minute_of_day)
      : window_(window), minute_now_(std::move(minute_now)) {}
  IdleVerdict check() override;

 private:
  TimeWindow window_;
  std::function<int()> minute_now_;
};

}  // namespace tf
