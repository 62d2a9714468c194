// `--log-format`: the dispatcher and worker write every stderr line as one JSON object (time,
// level, component, message) with `json`, and the familiar "tilefarm: ..." text by default.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/free_port.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace {

using tf::testing::ProcessRun;
using tf::testing::TempDir;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts `tilefarm ARGS` with stderr to `log`, waits (up to 30 s) until it logs a line holding
// `awaited`, stops it with SIGTERM and returns its exit code (and its stdout).
ProcessRun run_until_logged(const std::string& args, const std::filesystem::path& log,
                            const std::string& awaited) {
  const std::filesystem::path script = log.string() + ".sh";
  std::ofstream(script) << "\"" << TILEFARM_EXE << "\" " << args << " 2>'" << log.string()
                        << "' &\npid=$!\nfor i in $(seq 300); do\n  grep -q '" << awaited << "' '"
                        << log.string() << "' && break\n  sleep 0.1\ndone\n"
                        << "kill -TERM $pid\nwait $pid\n";
  return tf::testing::run_process("sh '" + script.string() + "'");
}

ProcessRun run_dispatcher_until_listening(const std::string& args,
                                          const std::filesystem::path& log) {
  return run_until_logged(args, log, "listening on");
}

// Every line is a JSON object with the four fields; returns the objects.
std::vector<nlohmann::json> expect_json_lines(const std::string& stderr_text,
                                              const std::string& component) {
  static const std::regex rfc3339_utc_ms(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  std::vector<nlohmann::json> objects;
  for (const std::string& line : lines_of(stderr_text)) {
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(object.is_object()) << "not a JSON object: " << line;
    if (!object.is_object()) continue;
    EXPECT_EQ(object.size(), 4u) << line;
    EXPECT_TRUE(object.contains("time") && object["time"].is_string() &&
                std::regex_match(object["time"].get<std::string>(), rfc3339_utc_ms))
        << line;
    EXPECT_TRUE(object.contains("level") && object["level"].is_string()) << line;
    if (object.contains("level") && object["level"].is_string()) {
      const std::string level = object["level"];
      EXPECT_TRUE(level == "info" || level == "warning" || level == "error") << line;
    }
    EXPECT_EQ(object.value("component", ""), component) << line;
    EXPECT_TRUE(object.contains("message") && object["message"].is_string()) << line;
    objects.push_back(object);
  }
  return objects;
}

bool has_message(const std::vector<nlohmann::json>& objects, const std::string& level,
                 const std::string& part) {
  for (const auto& o : objects) {
    if (o.value("level", "") == level && o.value("message", "").find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(LogFormat, DispatcherJsonLinesEachParseWithTimeLevelComponentMessage) {
  TempDir dir;
  // CurveZMQ: the command's own lines, one of them spanning lines (the public key).
  const ProcessRun curve = run_dispatcher_until_listening(
      "dispatcher --log-format json --listen tcp://127.0.0.1:" +
          std::to_string(tf::testing::free_port()) + " --state " + (dir / "curve").string(),
      dir / "curve.log");
  EXPECT_EQ(curve.exit_code, 0) << "drains and exits 0 on SIGTERM\n" << curve.output;
  const auto curve_lines = expect_json_lines(read_file(dir / "curve.log"), "dispatcher");
  EXPECT_TRUE(has_message(curve_lines, "info", "dispatcher key "));
  EXPECT_TRUE(has_message(curve_lines, "warning", "no --client-allow list"));
  EXPECT_TRUE(has_message(curve_lines, "info", "dispatcher listening on tcp://127.0.0.1:"));

  // Plain tcp, the flag before the subcommand: the server library's warning comes through too.
  const ProcessRun plain = run_dispatcher_until_listening(
      "--log-format json dispatcher --insecure --listen tcp://127.0.0.1:" +
          std::to_string(tf::testing::free_port()) + " --state " + (dir / "plain").string(),
      dir / "plain.log");
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  const auto plain_lines = expect_json_lines(read_file(dir / "plain.log"), "dispatcher");
  EXPECT_TRUE(has_message(plain_lines, "warning", "plain tcp"));
  EXPECT_TRUE(has_message(plain_lines, "info", "dispatcher listening on"));
}

TEST(LogFormat, WorkerLinesAreJsonLines) {
  TempDir dir;
  // Nothing listens on the port: the worker warns about plain tcp, then its session reports
  // three silent heartbeats (the worker library's log), and it exits 0 on SIGTERM.
  const ProcessRun r = run_until_logged(
      "worker --log-format json --backend cpu --insecure --cache " + (dir / "cache").string() +
          " --dispatcher tcp://127.0.0.1:" + std::to_string(tf::testing::free_port()),
      dir / "worker.log", "no word from the dispatcher");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto lines = expect_json_lines(read_file(dir / "worker.log"), "worker");
  EXPECT_TRUE(has_message(lines, "warning", "--insecure"));
  EXPECT_TRUE(has_message(lines, "info", "no word from the dispatcher"));
}

TEST(LogFormat, WorkerErrorsAreJsonLines) {
  const ProcessRun r = tf::testing::run_process(
      std::string(TILEFARM_EXE) +
      " worker --log-format json --backend cpu --dispatcher tcp://127.0.0.1:9 --server-key "
      "not-a-key 2>&1 >/dev/null");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  const auto lines = expect_json_lines(r.output, "worker");
  EXPECT_EQ(lines.size(), 1u) << r.output;
  EXPECT_TRUE(has_message(lines, "error", "--server-key")) << r.output;
}

TEST(LogFormat, TextIsTheDefault) {
  TempDir dir;
  const ProcessRun r = run_dispatcher_until_listening(
      "dispatcher --insecure --listen tcp://127.0.0.1:" + std::to_string(tf::testing::free_port()) +
          " --state " + (dir / "state").string(),
      dir / "text.log");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string text = read_file(dir / "text.log");
  EXPECT_NE(text.find("tilefarm: dispatcher listening on tcp://127.0.0.1:"), std::string::npos)
      << text;
  EXPECT_NE(text.find("dispatcher: WARNING: plain tcp"), std::string::npos) << text;
  for (const std::string& line : lines_of(text)) {
    EXPECT_FALSE(!line.empty() && line[0] == '{') << "a JSON line in text mode: " << line;
  }
}

TEST(LogFormat, UnknownFormatIsBadUsage) {
  const ProcessRun r = tf::testing::run_process(
      std::string(TILEFARM_EXE) + " --log-format xml dispatcher --state /nonexistent 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("xml"), std::string::npos) << r.output;
}

}  // namespace
