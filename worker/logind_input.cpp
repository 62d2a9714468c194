#include "worker/logind_input.h"

#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>

#include "formats/fileio/text.h"

namespace tf {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Session ids are short names of letters and digits ("2", "c1"); anything else is not passed
// to a command line.
bool plausible_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-';
  });
}

// Runs `command` (stderr discarded); its stdout, or an error when it could not run or failed.
Result<std::string> run_command(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return Error{"cannot run " + command};
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error{command + " failed" +
                 (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (no loginctl)" : "")};
  }
  return out;
}

}  // namespace

std::vector<std::string> parse_session_ids(std::string_view list_sessions) {
  std::vector<std::string> ids;
  for (std::string_view line : lines_of(list_sessions)) {
    line = trim_blanks(line);
    const std::string_view id = line.substr(0, line.find_first_of(" \t"));
    if (plausible_id(id)) ids.emplace_back(id);
  }
  return ids;
}

std::vector<LogindSession> parse_session_properties(std::string_view show_session) {
  std::vector<LogindSession> sessions;
  bool open = false;
  for (std::string_view line : lines_of(show_session)) {
    line = trim_blanks(line);
    if (line.empty()) {
      open = false;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    if (!open) {
      sessions.emplace_back();
      open = true;
    }
    LogindSession& s = sessions.back();
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "Id") {
      s.id = value;
    } else if (key == "Type") {
      s.type = value;
    } else if (key == "Class") {
      s.klass = value;
    } else if (key == "IdleHint") {
      s.idle_hint = value == "yes";
    } else if (key == "IdleSinceHint") {
      uint64_t us = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), us);
      s.idle_since_us = ec == std::errc() && ptr == value.data() + value.size() ? us : 0;
    }
  }
  return sessions;
}

std::optional<double> seconds_since_input(const std::vector<LogindSession>& sessions,
                                          uint64_t now_us) {
  std::optional<double> latest;
  for (const LogindSession& s : sessions) {
    if (s.klass != "user") continue;
    double idle = 0;  // a graphical session that is not idle: in use now
    if (s.idle_hint || s.type == "tty") {
      if (s.idle_since_us == 0) {
        idle = s.idle_hint ? std::numeric_limits<double>::infinity() : 0;
      } else {
        idle = now_us > s.idle_since_us ? static_cast<double>(now_us - s.idle_since_us) / 1e6 : 0;
      }
    }
    latest = latest ? std::min(*latest, idle) : idle;
  }
  return latest;
}

Result<std::optional<double>> query_seconds_since_input() {
  Result<std::string> list = run_command("loginctl list-sessions --no-legend");
  if (!list) return Error{list.message()};
  const std::vector<std::string> ids = parse_session_ids(list.value());
  if (ids.empty()) return std::optional<double>();
  std::string command = "loginctl show-session";
  for (const std::string& id : ids) command += " " + id;
  command += " -p Id -p Type -p Class -p IdleHint -p IdleSinceHint";
  Result<std::string> shown = run_command(command);
  if (!shown) return Error{shown.message()};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return seconds_since_input(
      parse_session_properties(shown.value()),
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()));
}

}  // namespace tf
