// tilefarm's per-user folders under the XDG base directories: $XDG_CACHE_HOME/tilefarm (else
// ~/.cache/tilefarm) and $XDG_CONFIG_HOME/tilefarm (else ~/.config/tilefarm), shared by the
// OpenCL program cache, the worker's asset cache and the key files.
//
// Only absolute paths count: the XDG spec says relative ones are ignored, and a relative HOME
// would put keys and caches wherever the command happens to run.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace tf {

enum class UserDir { kCache, kConfig };

// nullopt when neither the XDG variable nor HOME names an absolute folder.
inline std::optional<std::filesystem::path> tilefarm_user_dir(UserDir kind) {
  const bool cache = kind == UserDir::kCache;
  const char* xdg = std::getenv(cache ? "XDG_CACHE_HOME" : "XDG_CONFIG_HOME");
  if (xdg != nullptr && std::filesystem::path(xdg).is_absolute()) {
    return std::filesystem::path(xdg) / "tilefarm";
  }
  const char* home = std::getenv("HOME");
  if (home != nullptr && std::filesystem::path(home).is_absolute()) {
    return std::filesystem::path(home) / (cache ? ".cache" : ".config") / "tilefarm";
  }
  return std::nullopt;
}

}  // namespace tf
