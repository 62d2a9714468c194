// Errors as values at every module boundary (LevelDB's Status habit).
//
// kernels/ is the lowest library, so every folder above it uses these types. A function that
// can fail returns tf::Status (nothing on success) or tf::Result<T>; its message names the
// problem in words a user can act on. Exceptions from third-party libraries (kj::Exception,
// OpenImageIO, sqlite) are caught at the boundary that calls them and converted here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tf {

struct Error {
  std::string message;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e.message)) {}  // NOLINT: implicit from Error by design
  static Status ok() { return Status(); }
  bool is_ok() const { return !error_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  // The message; empty when ok.
  const std::string& message() const {
    static const std::string empty;
    return error_ ? *error_ : empty;
  }

 private:
  std::optional<std::string> error_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit from a value by design
  Result(Error e) : v_(std::move(e)) {}           // NOLINT: implicit from Error by design
  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  // Precondition for value(): is_ok(). For error(): !is_ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const std::string& message() const { return std::get<1>(v_).message; }
  Status status() const { return is_ok() ? Status() : Status(std::get<1>(v_)); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace tf
