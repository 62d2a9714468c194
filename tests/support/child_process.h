// A child process that runs beside a test (a dispatcher, a worker node) until the test stops
// it. It is stopped with SIGTERM when its handle goes away, so a failing test leaves no
// process behind.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>
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
  // Sends `signal` without waiting (SIGSTOP, SIGCONT).
  void signal(int signal) const {
    if (pid_ > 0) ::kill(pid_, signal);
  }
  // Waits up to `timeout` for the process to exit by itself: its wait status, or -1 when it
  // still runs (or none was started).
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
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
