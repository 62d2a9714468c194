// Path safety rules for bundles (internal to formats/bundle). Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "kernels/status.h"

namespace tf::bundle_paths {

// A bundle path is '/'-separated and relative: non-empty, at most 1024 bytes and 64
// components, no empty, "." or ".." components, no backslash, no control characters.
// Returns an error naming the rule that `path` breaks.
Status check_relative_path(std::string_view path);

// Fails when any existing component of `root / relative` below `root` is a symlink.
Status check_no_symlinks(const std::filesystem::path& root, std::string_view relative);

}  // namespace tf::bundle_paths
