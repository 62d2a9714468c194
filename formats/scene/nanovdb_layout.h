// Byte layout shared by the NanoVDB file and tree readers (internal to formats/scene).
// Facts from NanoVDB.h, ABI version 32: every multi-byte field is little-endian; magic numbers
// are the ASCII strings "NanoVDB0" (files and grids up to 32.5), "NanoVDB1" (grids from 32.6)
// and "NanoVDB2" (files from 32.6) read as little-endian 64-bit words; a version is packed as
// major << 21 | minor << 10 | patch.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "kernels/status.h"

namespace tf::scene::nvdb {

static_assert(std::endian::native == std::endian::little,
              "the NanoVDB readers load little-endian fields with memcpy");

constexpr uint64_t kMagicNumb = 0x304244566f6e614eULL;  // "NanoVDB0"
constexpr uint64_t kMagicGrid = 0x314244566f6e614eULL;  // "NanoVDB1"
constexpr uint64_t kMagicFile = 0x324244566f6e614eULL;  // "NanoVDB2"
constexpr uint32_t kMajorVersion = 32;

inline uint64_t byte_swapped(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r = (r << 8) | ((v >> (8 * i)) & 0xff);
  return r;
}

// An error unless the packed version's major number is the supported one.
inline Status check_version(uint32_t packed) {
  const uint32_t major = packed >> 21, minor = (packed >> 10) & 0x7ff, patch = packed & 0x3ff;
  if (major == kMajorVersion) return Status::ok();
  return Error{"NanoVDB version " + std::to_string(major) + "." + std::to_string(minor) + "." +
               std::to_string(patch) + " is not supported (only " + std::to_string(kMajorVersion) +
               ".x, the layout of pbrt-v4's scene files)"};
}

// Bounds-checked views of a byte string: has() before any load at an offset.
struct ByteView {
  std::string_view bytes;

  bool has(uint64_t at, uint64_t n) const { return at <= bytes.size() && n <= bytes.size() - at; }
  template <class T>
  T load(uint64_t at) const {  // precondition: has(at, sizeof(T))
    T v;
    std::memcpy(&v, bytes.data() + at, sizeof(T));
    return v;
  }
  uint16_t u16(uint64_t at) const { return load<uint16_t>(at); }
  uint32_t u32(uint64_t at) const { return load<uint32_t>(at); }
  uint64_t u64(uint64_t at) const { return load<uint64_t>(at); }
  int64_t i64(uint64_t at) const { return load<int64_t>(at); }
  int32_t i32(uint64_t at) const { return load<int32_t>(at); }
  float f32(uint64_t at) const { return load<float>(at); }
  double f64(uint64_t at) const { return load<double>(at); }
};

}  // namespace tf::scene::nvdb
