#include "kernels/opencl/program_cache.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <system_error>

#include "kernels/user_dirs.h"

namespace tf::ocl {
namespace {

// Entry layout (little-endian as written by this machine; a foreign entry fails the checks):
//   magic[8] | u64 key size | key | u64 binary size | binary | u64 FNV-1a of binary
constexpr char kMagic[8] = {'T', 'F', 'C', 'L', 'B', 'I', 'N', '1'};

uint64_t fnv1a64(const unsigned char* data, size_t size) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

void append_u64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

// Reads a u64 at *pos; false when the data ends first.
bool read_u64(const std::string& data, size_t* pos, uint64_t* v) {
  if (data.size() - *pos < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i) *v |= static_cast<uint64_t>(static_cast<unsigned char>(data[*pos + i])) << (8 * i);
  *pos += 8;
  return true;
}

}  // namespace

ProgramCache::ProgramCache(std::filesystem::path directory) : directory_(std::move(directory)) {}

std::optional<std::filesystem::path> ProgramCache::default_directory() {
  std::optional<std::filesystem::path> dir = tilefarm_user_dir(UserDir::kCache);
  if (!dir) return std::nullopt;
  return *dir / "opencl";
}

std::filesystem::path ProgramCache::entry_path(const std::string& key) const {
  const auto* bytes = reinterpret_cast<const unsigned char*>(key.data());
  char name[40];
  std::snprintf(name, sizeof name, "%016llx.clbin", static_cast<unsigned long long>(fnv1a64(bytes, key.size())));
  return directory_ / name;
}

std::optional<std::vector<unsigned char>> ProgramCache::load(const std::string& key) const {
  std::ifstream in(entry_path(key), std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  std::streamoff file_size = in.tellg();
  if (file_size <= 0) return std::nullopt;
  std::string data(static_cast<size_t>(file_size), '\0');
  in.seekg(0);
  if (!in.read(data.data(), file_size)) return std::nullopt;
  if (data.size() < sizeof kMagic || data.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0) return std::nullopt;
  size_t pos = sizeof kMagic;
  uint64_t key_size = 0;
  if (!read_u64(data, &pos, &key_size) || data.size() - pos < key_size) return std::nullopt;
  if (data.compare(pos, key_size, key) != 0 || key_size != key.size()) return std::nullopt;
  pos += key_size;
  uint64_t binary_size = 0;
  if (!read_u64(data, &pos, &binary_size) || data.size() - pos < binary_size) return std::nullopt;
  std::vector<unsigned char> binary(data.begin() + static_cast<std::ptrdiff_t>(pos),
                                    data.begin() + static_cast<std::ptrdiff_t>(pos + binary_size));
  pos += binary_size;
  uint64_t checksum = 0;
  if (!read_u64(data, &pos, &checksum) || pos != data.size()) return std::nullopt;
  if (binary.empty() || checksum != fnv1a64(binary.data(), binary.size())) return std::nullopt;
  return binary;
}

Status ProgramCache::store(const std::string& key, const std::vector<unsigned char>& binary) const {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return Error{"cannot create the OpenCL program cache " + directory_.string() + ": " + ec.message()};
  std::string data(kMagic, sizeof kMagic);
  append_u64(&data, key.size());
  data += key;
  append_u64(&data, binary.size());
  data.append(binary.begin(), binary.end());
  append_u64(&data, fnv1a64(binary.data(), binary.size()));

  std::filesystem::path target = entry_path(key);
  std::filesystem::path temporary = target;
  temporary += ".tmp" + std::to_string(std::random_device{}());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(temporary, ec);
      return Error{"cannot write the OpenCL program cache entry " + temporary.string()};
    }
  }
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return Error{"cannot move the OpenCL program cache entry into place at " + target.string() + ": " + ec.message()};
  }
  return Status::ok();
}

}  // namespace tf::ocl
