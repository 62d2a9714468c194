// Strict-or-lenient reporting of unsupported constructs while parsing (internal to
// formats/scene). Not thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

class Diagnostics {
 public:
  Diagnostics(bool lenient, std::vector<std::string>* warnings)
      : lenient_(lenient), warnings_(warnings) {}

  bool lenient() const { return lenient_; }

  // An unsupported construct: strict -> an error "loc: directive: unsupported WHAT"; lenient ->
  // one warning per (what, loc) describing `approximation`, and ok.
  Status unsupported(const FileLoc& loc, const std::string& directive, const std::string& what,
                     const std::string& approximation);

  // A construct that is always accepted but not rendered exactly (recorded once per loc).
  void warn(const FileLoc& loc, const std::string& directive, const std::string& what);

 private:
  bool lenient_;
  std::vector<std::string>* warnings_;
  std::set<std::string> seen_;
};

inline Error error_at(const FileLoc& loc, const std::string& directive, const std::string& what) {
  return Error{loc.str() + ": " + directive + ": " + what};
}

}  // namespace tf::scene
