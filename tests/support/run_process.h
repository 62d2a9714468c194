// Runs a shell command to completion and keeps what it printed, for tests of executables.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace tf::testing {

struct ProcessRun {
  int exit_code = -1;  // -1 when the command could not start or did not exit normally
  std::string output;  // its stdout (redirect stderr in the command to keep it too)
};

inline ProcessRun run_process(const std::string& command) {
  ProcessRun result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace tf::testing
