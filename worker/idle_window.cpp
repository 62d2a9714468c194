#include "worker/idle_window.h"

#include <cstdio>
#include <ctime>

namespace tf {

namespace {

constexpr int kMinutesPerDay = 24 * 60;

// "H:MM" or "HH:MM" -> minutes after midnight; `which` names the part in errors.
Result<int> parse_clock(std::string_view text, const char* which) {
  const std::string shown(text);
  const size_t colon = text.find(':');
  const bool digits_ok = [&] {
    if (colon == std::string_view::npos || colon < 1 || colon > 2 || text.size() != colon + 3) {
      return false;
    }
    for (size_t i = 0; i < text.size(); ++i) {
      if (i != colon && (text[i] < '0' || text[i] > '9')) return false;
    }
    return true;
  }();
  if (!digits_ok) {
    return Error{std::string("the ") + which + " time \"" + shown +
                 "\" is not HH:MM (a 24-hour clock time such as 22:00 or 6:30)"};
  }
  int hours = 0, minutes = 0;
  for (size_t i = 0; i < colon; ++i) hours = hours * 10 + (text[i] - '0');
  minutes = (text[colon + 1] - '0') * 10 + (text[colon + 2] - '0');
  if (hours > 23) {
    return Error{std::string("the ") + which + " time \"" + shown + "\" has hour " +
                 std::to_string(hours) + ": hours go from 0 to 23"};
  }
  if (minutes > 59) {
    return Error{std::string("the ") + which + " time \"" + shown + "\" has minute " +
                 std::to_string(minutes) + ": minutes go from 00 to 59"};
  }
  return hours * 60 + minutes;
}

std::string clock_text(int minute) {
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d", minute / 60, minute % 60);
  return text;
}

}  // namespace

bool TimeWindow::contains(int minute_of_day) const {
  if (start_minute == end_minute) return true;
  if (start_minute < end_minute) return minute_of_day >= start_minute && minute_of_day < end_minute;
  return minute_of_day >= start_minute || minute_of_day < end_minute;  // across midnight
}

std::string TimeWindow::text() const {
  return clock_text(start_minute) + "-" + clock_text(end_minute);
}

Result<TimeWindow> parse_time_window(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos || text.find('-', dash + 1) != std::string_view::npos) {
    return Error{"the time window \"" + std::string(text) +
                 "\" is not HH:MM-HH:MM (for example 22:00-06:00: from 22:00 to 06:00 local "
                 "time, across midnight)"};
  }
  Result<int> start = parse_clock(text.substr(0, dash), "start");
  if (!start) return Error{"time window \"" + std::string(text) + "\": " + start.message()};
  Result<int> end = parse_clock(text.substr(dash + 1), "end");
  if (!end) return Error{"time window \"" + std::string(text) + "\": " + end.message()};
  return TimeWindow{start.value(), end.value()};
}

int local_minute_of_day() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  if (::localtime_r(&now, &local) == nullptr) return 0;
  return (local.tm_hour * 60 + local.tm_min) % kMinutesPerDay;
}

IdleVerdict WindowSource::check() {
  const int now = minute_now_();
  if (window_.contains(now)) return {true, "in the window " + window_.text()};
  return {false, "outside the window " + window_.text() + " (local time " + clock_text(now) + ")"};
}

}  // namespace tf
