#include "worker/cpu_load.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace tf {

namespace {

// Whitespace-separated unsigned numbers of `text`; nullopt when a token is not one.
std::optional<std::vector<uint64_t>> numbers(std::string_view text) {
  std::vector<uint64_t> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == text.size()) break;
    size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t') ++end;
    uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + end, value);
    if (ec != std::errc() || ptr != text.data() + end) return std::nullopt;
    out.push_back(value);
    i = end;
  }
  return out;
}

Result<std::string> read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return Error{std::string("cannot read ") + path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<CpuTimes> parse_proc_stat(std::string_view proc_stat) {
  // The first line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  const std::string_view line = proc_stat.substr(0, proc_stat.find('\n'));
  if (line.size() < 4 || line.substr(0, 4) != "cpu ") {
    return Error{"/proc/stat does not start with the all-CPU \"cpu\" line"};
  }
  std::optional<std::vector<uint64_t>> v = numbers(line.substr(4));
  if (!v || v->size() < 4) {
    return Error{"/proc/stat's cpu line does not hold at least 4 tick counts: " +
                 std::string(line)};
  }
  const auto at = [&](size_t i) { return i < v->size() ? (*v)[i] : uint64_t{0}; };
  CpuTimes t;
  t.busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
  t.total = t.busy + at(3) + at(4);
  return t;
}

Result<uint64_t> parse_process_ticks(std::string_view text) {
  // "pid (comm) state ppid ... utime stime ...": utime and stime are fields 14 and 15, that is
  // the 12th and 13th after the command name's closing parenthesis.
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return Error{"no command name in a /proc/<pid>/stat line"};
  std::string_view rest = text.substr(close + 1);
  rest = rest.substr(0, rest.find('\n'));
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    size_t end = rest.find(' ', i);
    if (end == std::string_view::npos) end = rest.size();
    if (end > i) fields.push_back(rest.substr(i, end - i));
    i = end;
  }
  if (fields.size() < 13) return Error{"a /proc/<pid>/stat line has too few fields"};
  uint64_t ticks = 0;
  for (size_t f : {size_t{11}, size_t{12}}) {
    uint64_t value = 0;
    const auto [ptr, ec] =
        std::from_chars(fields[f].data(), fields[f].data() + fields[f].size(), value);
    if (ec != std::errc() || ptr != fields[f].data() + fields[f].size()) {
      return Error{"a /proc/<pid>/stat line has a non-numeric utime or stime"};
    }
    ticks += value;
  }
  return ticks;
}

std::optional<double> other_load(const CpuTimes& before, const CpuTimes& after,
                                 uint64_t self_before, uint64_t self_after) {
  if (after.total <= before.total) return std::nullopt;
  const double total = static_cast<double>(after.total - before.total);
  const double busy = after.busy > before.busy ? static_cast<double>(after.busy - before.busy) : 0;
  const double self = self_after > self_before ? static_cast<double>(self_after - self_before) : 0;
  const double load = (busy - self) / total;
  return load < 0 ? 0.0 : (load > 1 ? 1.0 : load);
}

std::optional<double> CpuLoadMeter::sample(std::string* problem) {
  Result<std::string> stat_text = read_file("/proc/stat");
  Result<std::string> self_text = read_file("/proc/self/stat");
  Result<CpuTimes> now =
      stat_text ? parse_proc_stat(stat_text.value()) : Result<CpuTimes>(Error{stat_text.message()});
  Result<uint64_t> self = self_text ? parse_process_ticks(self_text.value())
                                    : Result<uint64_t>(Error{self_text.message()});
  if (!now || !self) {
    if (problem != nullptr) *problem = !now ? now.message() : self.message();
    last_.reset();
    return std::nullopt;
  }
  std::optional<double> load;
  if (last_) load = other_load(*last_, now.value(), last_self_, self.value());
  last_ = now.value();
  last_self_ = self.value();
  return load;
}

}  // namespace tf
