// On-disk cache of compiled OpenCL program binaries.
//
// An entry is keyed by everything that determines the binary: platform, device and driver
// identity, build options and the full source text. The key itself is stored in the entry and
// compared on load, so a hash collision of file names can never return a wrong binary; a
// checksum guards the binary. A missing, truncated, corrupt or foreign entry is simply a miss.
//
// Thread safety: load() and store() may run concurrently from several threads or processes;
// store() writes a temporary file and renames it into place, so a reader sees either the old
// entry, the new one, or none.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf::ocl {

class ProgramCache {
 public:
  // Entries live directly in `directory` (created on the first store()).
  explicit ProgramCache(std::filesystem::path directory);

  // The per-user default: $XDG_CACHE_HOME/tilefarm/opencl, else $HOME/.cache/tilefarm/opencl;
  // nullopt when neither variable is set (then nothing is cached).
  static std::optional<std::filesystem::path> default_directory();

  const std::filesystem::path& directory() const { return directory_; }

  // The binary stored under `key`, or nullopt on any kind of miss.
  std::optional<std::vector<unsigned char>> load(const std::string& key) const;

  // Stores `binary` under `key`, replacing any entry. On error (read-only or full disk) the
  // cache is left as it was and the error says why; callers may ignore it (a cache is only an
  // optimisation).
  Status store(const std::string& key, const std::vector<unsigned char>& binary) const;

  // The file that holds the entry for `key` (whether or not it exists).
  std::filesystem::path entry_path(const std::string& key) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace tf::ocl
