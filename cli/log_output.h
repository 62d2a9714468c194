// Log lines of the tilefarm commands on stderr, as text or as JSON lines (--log-format).
//
// text (the default): "tilefarm: MESSAGE" for a command's own lines and "COMPONENT: MESSAGE"
// for the lines of the dispatcher and worker libraries, as they always were.
// json: one object per line, for journald and log shippers:
//   {"time":"2026-12-03T05:37:22.123Z","level":"info","component":"dispatcher","message":"..."}
// time is RFC 3339 in UTC with milliseconds; level is info, warning or error; a message that
// spans lines stays one object (its newlines escaped). Bytes that are not UTF-8 are replaced.
//
// Thread safety: set_log_format() and set_log_component() are meant to be called once, before
// any thread logs; write_log() and the sinks may then be called from any thread, and each line
// reaches stderr whole.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tf::cli {

enum class LogFormat { kText, kJson };
enum class LogLevel { kInfo, kWarning, kError };

// "text" or "json"; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view name);
const char* log_level_name(LogLevel level);

// The level a line announces by its first word: "WARNING..." is a warning, "error..." an
// error (either case); any other line gets `otherwise`.
LogLevel level_of(std::string_view message, LogLevel otherwise);

// One line without its newline. `text_prefix` starts the text form ("tilefarm"); `component`
// names the part that logs in the JSON form ("dispatcher", "worker", "leadership").
std::string format_log_line(LogFormat format, LogLevel level, std::string_view component,
                            std::string_view text_prefix, std::string_view message,
                            std::chrono::system_clock::time_point time);

// The process's format (default text) and the component of the command's own lines (default
// "tilefarm"; the dispatcher and worker commands name themselves).
void set_log_format(LogFormat format);
LogFormat log_format();
void set_log_component(std::string component);

// Writes one of the command's own lines ("tilefarm: MESSAGE" as text) to stderr.
void write_log(LogLevel level, std::string_view message);

// A sink for a library's `log` callback (DispatcherServerOptions, WorkerOptions,
// LeadershipOptions): "TEXT_PREFIX: LINE" as text (default prefix: the component, as the
// libraries' own default sinks write); the level comes from level_of(line, LogLevel::kInfo).
std::function<void(const std::string&)> library_log_sink(std::string component,
                                                         std::string text_prefix = "");

}  // namespace tf::cli
