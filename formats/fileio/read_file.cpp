#include "formats/fileio/read_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace tf {

Result<std::vector<uint8_t>> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Error{"cannot read " + path.string() + ": " + std::strerror(errno)};
  const std::streamoff size = in.tellg();
  if (size < 0) return Error{"cannot read " + path.string() + ": its size is unknown"};
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size) || in.peek() != EOF) {
    return Error{"cannot read " + path.string() + ": it changed size while being read"};
  }
  return bytes;
}

}  // namespace tf
