// A child process that runs beside a test (a dispatcher, a worker node) until the test stops
// it. It is stopped with SIGTERM when its handle goes away, so a failing test leaves no
// process behind.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace tf::testing {

class ChildProcess {
 public:
  // Spawns the executable args[0] with args as its argv; started() is false when that failed.
  explicit ChildProcess(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
  // Stops the process held so far (SIGTERM) before taking over `other`'s.
  ChildProcess& operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
      stop(SIGTERM);
      pid_ = std::exchange(other.pid_, -1);
    }
    return *this;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(SIGTERM); }

  bool started() const { return pid_ > 0; }
  // Sends `signal`, waits for the exit and returns the wait status (-1 when nothing runs).
  int stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace tf::testing
