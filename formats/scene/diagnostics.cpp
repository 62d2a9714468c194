#include "formats/scene/diagnostics.h"

#include "formats/scene/load.h"

namespace tf::scene {

Status Diagnostics::unsupported(const FileLoc& loc, const std::string& directive,
                                const std::string& what, const std::string& approximation) {
  if (!lenient_) {
    return error_at(
        loc, directive,
        "unsupported " + what + " (" + std::string(kLenientLoadHint) + ": " + approximation + ")");
  }
  warn(loc, directive, "unsupported " + what + ", approximated: " + approximation);
  return Status::ok();
}

void Diagnostics::warn(const FileLoc& loc, const std::string& directive, const std::string& what) {
  std::string line = loc.str() + ": " + directive + ": " + what;
  if (seen_.insert(line).second) warnings_->push_back(std::move(line));
}

}  // namespace tf::scene
