// How long ago a user last gave input to this machine, from systemd-logind's session idle
// hints as `loginctl` prints them. Parsing takes loginctl's text, so that it is testable
// without logind.
//
// A session counts when its Class is "user" (not a greeter, lock screen or background
// session). Its last input is:
// - IdleSinceHint when IdleHint is yes (the desktop or logind declared it idle since then);
// - IdleSinceHint when the session is a terminal (Type tty, also ssh): logind reports the
//   terminal's last access there;
// - now otherwise (a graphical session that is not idle: a user is there). A desktop that
//   never sets the idle hint therefore always counts as in use.
// With no user session at all, nobody gives input: the machine counts as idle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/status.h"

namespace tf {

struct LogindSession {
  std::string id;
  std::string type;   // tty, x11, wayland, mir, unspecified
  std::string klass;  // user, greeter, lock-screen, background, manager
  bool idle_hint = false;
  uint64_t idle_since_us = 0;  // CLOCK_REALTIME microseconds; 0: unknown
};

// The session ids (first column) of `loginctl list-sessions --no-legend`.
std::vector<std::string> parse_session_ids(std::string_view list_sessions);
// The sessions of `loginctl show-session ID... -p Id -p Type -p Class -p IdleHint
// -p IdleSinceHint`: blocks of Key=Value lines separated by blank lines.
std::vector<LogindSession> parse_session_properties(std::string_view show_session);
// Seconds since the last input across `sessions` at `now_us` (CLOCK_REALTIME microseconds);
// nullopt when none is a user session.
std::optional<double> seconds_since_input(const std::vector<LogindSession>& sessions,
                                          uint64_t now_us);

// Runs loginctl. An error says logind cannot be asked here (no loginctl, no systemd, no bus);
// a value is seconds_since_input() of the sessions now.
Result<std::optional<double>> query_seconds_since_input();

}  // namespace tf
