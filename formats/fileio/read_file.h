// Reading a whole file into memory with one sized read: no incremental growth, so a large file
// costs one allocation and one copy.
//
// Thread safety: no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "kernels/status.h"

namespace tf {

// The bytes of `path`. Errors name the path and the reason (missing, unreadable, changed size
// while read).
Result<std::vector<uint8_t>> read_whole_file(const std::filesystem::path& path);

}  // namespace tf
