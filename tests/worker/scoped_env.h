// Sets (or, with nullptr, unsets) an environment variable for one scope and restores the
// previous value on exit. Tests run one per process (gtest_discover_tests), so no other
// thread reads the environment meanwhile.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace tf::testing {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    set(value);
  }
  ~ScopedEnv() { set(saved_ ? saved_->c_str() : nullptr); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const char* value) {
    if (value != nullptr) {
      ::setenv(name_, value, 1);
    } else {
      ::unsetenv(name_);
    }
  }
  const char* name_;
  std::optional<std::string> saved_;
};

}  // namespace tf::testing
