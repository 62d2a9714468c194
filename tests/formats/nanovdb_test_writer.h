// A minimal NanoVDB file writer for tests: a second implementation of the layout that
// NanoVDB.h and nanovdb/util/IO.h document (ABI version 32), written independently of the
// reader in formats/scene so that the reader's tests compare against it. It builds a float
// grid from voxels and tiles, lays the nodes out breadth-first (GridData, TreeData, root and
// its tiles sorted by key, upper nodes, lower nodes, leaves, each 32-byte aligned) and wraps
// grids in a one-segment file, raw or ZIP-compressed. Fields a reader may check (magic,
// version, class, type, the map) can be set to invalid values on purpose.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tf::test {

constexpr uint64_t kNvdbMagic0 = 0x304244566f6e614eULL;  // "NanoVDB0"
constexpr uint32_t nvdb_version(uint32_t major, uint32_t minor, uint32_t patch) {
  return major << 21 | minor << 10 | patch;
}

using NvdbCoord = std::array<int32_t, 3>;

// A constant tile: level 1 covers 8^3 voxels (a slot of a lower node), level 2 covers 128^3
// (a slot of an upper node), level 3 covers 4096^3 (a root tile). `origin` must be a multiple
// of that size.
struct NvdbTile {
  int level = 1;
  NvdbCoord origin{};
  float value = 0;
  bool active = true;
};

struct NvdbGridSpec {
  std::string name = "density";
  uint64_t magic = kNvdbMagic0;
  uint32_t version = nvdb_version(32, 3, 3);
  uint32_t grid_class = 2;                                  // fog volume
  uint32_t grid_type = 1;                                   // float
  std::array<double, 9> matrix{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major, world = M i + t
  std::array<double, 3> translation{0, 0, 0};
  float background = 0;
  std::map<NvdbCoord, float> voxels;  // active voxels
  std::vector<NvdbTile> tiles;
};

// Byte positions of the nodes in a grid buffer, for tests that corrupt them.
struct NvdbLayout {
  uint64_t root = 0;
  std::vector<uint64_t> uppers, lowers, leaves;
};

// The grid buffer of `spec` (what a file stores for one grid with codec NONE).
std::string nvdb_grid_buffer(const NvdbGridSpec& spec, NvdbLayout* layout = nullptr);

enum class NvdbCodec : uint16_t { None = 0, Zip = 1, Blosc = 2 };

struct NvdbFileOptions {
  NvdbCodec codec = NvdbCodec::None;
  uint64_t magic = kNvdbMagic0;
  uint32_t version = nvdb_version(32, 3, 3);
};

// A file of one segment holding `grids` in order.
std::string nvdb_file(const std::vector<NvdbGridSpec>& grids, const NvdbFileOptions& options = {});

// Where the first grid's stored bytes start in a file written by nvdb_file.
uint64_t nvdb_first_grid_offset(const std::vector<NvdbGridSpec>& grids);

// The value NanoVDB's getValue returns at `ijk` for `spec`: the voxel's value, else the value
// of the tile covering it, else the background (computed from the spec, not from a buffer).
float nvdb_expected_value(const NvdbGridSpec& spec, const NvdbCoord& ijk);

}  // namespace tf::test
