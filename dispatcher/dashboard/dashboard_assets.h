// The dashboard's static files (dispatcher/dashboard/assets), embedded in the binary at build
// time (cmake/EmbedFiles.cmake): the dashboard needs no files beside the binary and loads
// nothing from elsewhere.
#pragma once

#include <string_view>
#include <vector>

namespace tf {

struct EmbeddedFile {
  std::string_view name;  // relative to the assets folder, e.g. "index.html"
  std::string_view bytes;
};

const std::vector<EmbeddedFile>& dashboard_assets();

}  // namespace tf
