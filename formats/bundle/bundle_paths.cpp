#include "formats/bundle/bundle_paths.h"

namespace tf::bundle_paths {

Status check_relative_path(std::string_view path) {
  const std::string shown = "'" + std::string(path.substr(0, 200)) + "'";
  if (path.empty()) return Error{"empty path"};
  if (path.size() > 1024) return Error{"path longer than 1024 bytes: " + shown};
  if (path.front() == '/') return Error{"absolute path " + shown + " escapes the scene folder"};
  for (char c : path) {
    if (c == '\\') return Error{"backslash in path " + shown};
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Error{"control character in path " + shown};
    }
  }
  size_t components = 0, start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part == "..") return Error{"path " + shown + " escapes the scene folder with '..'"};
    if (part.empty() || part == ".")
      return Error{"path " + shown + " has an empty or '.' component"};
    if (++components > 64) return Error{"path " + shown + " has more than 64 components"};
    start = end + 1;
  }
  return Status::ok();
}

Status check_no_symlinks(const std::filesystem::path& root, std::string_view relative) {
  std::filesystem::path p = root;
  for (const auto& part : std::filesystem::path(relative)) {
    p /= part;
    std::error_code ec;
    if (std::filesystem::is_symlink(p, ec)) {
      return Error{"'" + std::string(relative) + "' passes through the symlink '" + p.string() +
                   "', which could point outside the scene folder"};
    }
  }
  return Status::ok();
}

}  // namespace tf::bundle_paths
