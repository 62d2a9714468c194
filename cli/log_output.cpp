#include "cli/log_output.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

namespace tf::cli {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::string g_component = "tilefarm";  // set before threads start (header)
std::mutex g_write_mutex;

bool starts_with_word(std::string_view message, std::string_view word) {
  if (message.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(message[i])) != word[i]) return false;
  }
  return message.size() == word.size() ||
         !std::isalpha(static_cast<unsigned char>(message[word.size()]));
}

std::string rfc3339_utc_ms(std::chrono::system_clock::time_point time) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int millis = static_cast<int>(ms - static_cast<long long>(seconds) * 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int the format could print (no truncation warning)
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return text;
}

// One write of the whole line, so that lines of concurrent threads never interleave.
void write_line(std::string line) {
  line += '\n';
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

LogLevel level_of(std::string_view message, LogLevel otherwise) {
  if (starts_with_word(message, "warning")) return LogLevel::kWarning;
  if (starts_with_word(message, "error")) return LogLevel::kError;
  return otherwise;
}

std::string format_log_line(LogFormat format, LogLevel level, std::string_view component,
                            std::string_view text_prefix, std::string_view message,
                            std::chrono::system_clock::time_point time) {
  if (format == LogFormat::kText) {
    std::string line(text_prefix);
    line += ": ";
    line += message;
    return line;
  }
  const nlohmann::ordered_json object = {{"time", rfc3339_utc_ms(time)},
                                         {"level", log_level_name(level)},
                                         {"component", std::string(component)},
                                         {"message", std::string(message)}};
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void set_log_format(LogFormat format) { g_format = format; }
LogFormat log_format() { return g_format; }
void set_log_component(std::string component) { g_component = std::move(component); }

void write_log(LogLevel level, std::string_view message) {
  write_line(format_log_line(g_format, level, g_component, "tilefarm", message,
                             std::chrono::system_clock::now()));
}

std::function<void(const std::string&)> library_log_sink(std::string component,
                                                         std::string text_prefix) {
  if (text_prefix.empty()) text_prefix = component;
  return
      [component = std::move(component), prefix = std::move(text_prefix)](const std::string& line) {
        write_line(format_log_line(g_format, level_of(line, LogLevel::kInfo), component, prefix,
                                   line, std::chrono::system_clock::now()));
      };
}

}  // namespace tf::cli
