// Reads the tree of a NanoVDB float grid into a dense box. Layout facts from NanoVDB.h (ABI
// version 32): GridData, TreeData, RootData<float> and its tiles, InternalData<float, 5 and 4>,
// LeafData<float, 3>.
#include "formats/scene/nanovdb_tree.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "formats/scene/nanovdb_layout.h"
#include "formats/scene/try.h"

namespace tf::scene::nvdb {
namespace {

// GridData (672 bytes): magic u64 @0, version u32 @16, the map @296 (single precision matrix,
// inverse, translation and taper, 88 bytes, then the same in double: matrix @384 row-major,
// world = matrix * index + translation, translation @528), grid class u32 @632, grid type u32
// @636. TreeData (64 bytes) follows: node byte offsets u64[4] (leaf, lower, upper, root),
// relative to the TreeData.
constexpr uint64_t kTreeAt = 672, kTreeDataBytes = 64;
constexpr uint64_t kVersionAt = 16, kMapMatrixAt = 384, kMapTranslationAt = 528;
constexpr uint64_t kClassAt = 632, kTypeAt = 636, kRootOffsetAt = kTreeAt + 24;
constexpr uint32_t kTypeFloat = 1, kClassUnknown = 0, kClassFogVolume = 2;
constexpr const char* kTypeNames[] = {
    "unknown", "float", "double", "int16", "int32", "int64", "Vec3f", "Vec3d", "mask", "half",
    "uint32",  "bool",  "RGBA8",  "Fp4",   "Fp8",   "Fp16",  "FpN",   "Vec4f", "Vec4d"};
constexpr const char* kClassNames[] = {"unknown",     "level set",  "fog volume", "staggered",
                                       "point index", "point data", "topology",   "voxel volume"};

// Every node is aligned to 32 bytes (NANOVDB_DATA_ALIGNMENT).
constexpr uint64_t kAlignment = 32;
constexpr uint64_t align_up(uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

// RootData<float> (64 bytes once aligned): index bbox min i32[3] @0 and max @12 (inclusive),
// table size u32 @24, background f32 @28; then the tiles, 32 bytes each: key u64 @0, child
// offset i64 @8 (relative to the root; 0: a constant tile), state u32 @16, value f32 @20.
constexpr uint64_t kRootBytes = 64, kTileBytes = 32;
constexpr int64_t kRootTileSpan = 4096;
// A root key packs each axis' origin >> 12 (20 bits) in a 21-bit field, z lowest, x highest;
// NanoVDB never sets the top bit of a field nor bit 63.
constexpr uint64_t kKeyInvalidBits =
    (uint64_t{1} << 20) | (uint64_t{1} << 41) | (uint64_t{1} << 62) | (uint64_t{1} << 63);

// InternalData<float, LOG2DIM>: bbox 24 B, flags 8 B, value mask and child mask of
// 2^(3 LOG2DIM) bits each, min/max/average/deviation 16 B, then the table at the next aligned
// offset: one 8-byte slot per child, a float tile value or an i64 child offset relative to the
// node. Slot n covers local cell (n >> 2 LOG2DIM, (n >> LOG2DIM) & mask, n & mask).
struct NodeKind {
  uint32_t log2dim;
  int64_t child_span;  // voxels per child along each axis
  uint64_t child_mask_at, table_at, bytes;
};
constexpr NodeKind internal_kind(uint32_t log2dim, int64_t child_span) {
  const uint64_t slots = uint64_t{1} << (3 * log2dim), mask_bytes = slots / 8;
  const uint64_t table_at = align_up(32 + 2 * mask_bytes + 16);
  return NodeKind{log2dim, child_span, 32 + mask_bytes, table_at, table_at + 8 * slots};
}
constexpr NodeKind kUpper = internal_kind(5, 128), kLower = internal_kind(4, 8);
// LeafData<float>: origin, bbox extent, flags, value mask, statistics (96 bytes), then 512
// floats; voxel n is local (n >> 6, (n >> 3) & 7, n & 7).
constexpr uint64_t kLeafValuesAt = 96, kLeafBytes = kLeafValuesAt + 512 * 4;

using Coord = std::array<int64_t, 3>;

std::string coord_text(const Coord& c) {
  return "(" + std::to_string(c[0]) + ", " + std::to_string(c[1]) + ", " + std::to_string(c[2]) +
         ")";
}

// The map of a grid, axis by axis: world = scale * index + translation.
struct AxisMap {
  std::array<double, 3> scale{}, translation{};
};

Result<AxisMap> read_map(const ByteView& buf) {
  AxisMap map;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      const double m = buf.f64(kMapMatrixAt + 8 * static_cast<uint64_t>(3 * r + c));
      if (r != c && m != 0) {
        return Error{
            "its index-to-world map is not an axis-aligned scale plus translation "
            "(matrix entry " +
            std::to_string(r) + "," + std::to_string(c) + " is " + std::to_string(m) +
            "); rotated or sheared grids are not supported"};
      }
      if (r == c) map.scale[r] = m;
    }
    map.translation[r] = buf.f64(kMapTranslationAt + 8 * static_cast<uint64_t>(r));
    if (!std::isfinite(map.scale[r]) || map.scale[r] == 0 || !std::isfinite(map.translation[r])) {
      return Error{"its index-to-world map has scale " + std::to_string(map.scale[r]) +
                   " and translation " + std::to_string(map.translation[r]) + " along axis " +
                   std::to_string(r) + " (must be finite, scale non-zero)"};
    }
  }
  return map;
}

// The samples of the active index box [lo, hi] plus one voxel of zero padding each side.
class DenseBox {
 public:
  DenseBox(const Coord& lo, const Coord& hi) : lo_(lo), hi_(hi) {
    for (int a = 0; a < 3; ++a) n_[a] = hi[a] - lo[a] + 3;
    values_.assign(static_cast<size_t>(n_[0] * n_[1] * n_[2]), 0.0f);
  }

  bool overlaps(const Coord& origin, int64_t span) const {
    for (int a = 0; a < 3; ++a) {
      if (origin[a] > hi_[a] || origin[a] + span - 1 < lo_[a]) return false;
    }
    return true;
  }

  // Sets the part of the cube [origin, origin + span) inside [lo, hi] to `value`.
  Status fill(const Coord& origin, int64_t span, float value) {
    if (value == 0) return Status::ok();  // already zero
    TF_CHECK(check(value, origin));
    Coord a0, a1;
    for (int a = 0; a < 3; ++a) {
      a0[a] = std::max(origin[a], lo_[a]);
      a1[a] = std::min(origin[a] + span - 1, hi_[a]);
    }
    for (int64_t z = a0[2]; z <= a1[2]; ++z) {
      for (int64_t y = a0[1]; y <= a1[1]; ++y) {
        for (int64_t x = a0[0]; x <= a1[0]; ++x) values_[index({x, y, z})] = value;
      }
    }
    return Status::ok();
  }

  // Maps the box to medium space (consuming it); a negative scale reverses that axis'
  // samples.
  Result<DensityGrid> to_density(const AxisMap& map) && {
    DensityGrid g;
    g.nx = static_cast<int>(n_[0]);
    g.ny = static_cast<int>(n_[1]);
    g.nz = static_cast<int>(n_[2]);
    for (int a = 0; a < 3; ++a) {
      const double e0 = map.scale[a] * (static_cast<double>(lo_[a]) - 1.5) + map.translation[a];
      const double e1 = map.scale[a] * (static_cast<double>(hi_[a]) + 1.5) + map.translation[a];
      g.p0[a] = static_cast<float>(std::min(e0, e1));
      g.p1[a] = static_cast<float>(std::max(e0, e1));
      if (!(g.p0[a] < g.p1[a]) || !std::isfinite(g.p0[a]) || !std::isfinite(g.p1[a])) {
        return Error{"its bounds along axis " + std::to_string(a) +
                     " are not representable in single precision"};
      }
    }
    const bool mirrored = map.scale[0] < 0 || map.scale[1] < 0 || map.scale[2] < 0;
    if (!mirrored) {
      g.density = std::move(values_);
      return g;
    }
    g.density.resize(values_.size());
    for (int64_t z = 0; z < n_[2]; ++z) {
      for (int64_t y = 0; y < n_[1]; ++y) {
        for (int64_t x = 0; x < n_[0]; ++x) {
          const Coord src{map.scale[0] < 0 ? n_[0] - 1 - x : x,
                          map.scale[1] < 0 ? n_[1] - 1 - y : y,
                          map.scale[2] < 0 ? n_[2] - 1 - z : z};
          g.density[static_cast<size_t>(x + n_[0] * (y + n_[1] * z))] =
              values_[static_cast<size_t>(src[0] + n_[0] * (src[1] + n_[1] * src[2]))];
        }
      }
    }
    return g;
  }

  bool contains(const Coord& p) const {
    for (int a = 0; a < 3; ++a) {
      if (p[a] < lo_[a] || p[a] > hi_[a]) return false;
    }
    return true;
  }

  Status set(const Coord& p, float value) {
    TF_CHECK(check(value, p));
    values_[index(p)] = value;
    return Status::ok();
  }

 private:
  static Status check(float value, const Coord& at) {
    if (std::isfinite(value) && value >= 0) return Status::ok();
    return Error{"value " + std::to_string(value) + " at index " + coord_text(at) +
                 " is negative or not finite"};
  }
  size_t index(const Coord& p) const {  // p inside [lo, hi]
    const int64_t x = p[0] - lo_[0] + 1, y = p[1] - lo_[1] + 1, z = p[2] - lo_[2] + 1;
    return static_cast<size_t>(x + n_[0] * (y + n_[1] * z));
  }

  Coord lo_, hi_, n_{};
  std::vector<float> values_;
};

// Walks the tree from the root, writing every value that falls in the box. Each node is
// visited at most once (a node linked twice is an error), so the work is bounded by the
// buffer's size plus the box's.
class TreeReader {
 public:
  TreeReader(const ByteView& buf, DenseBox* box)
      : buf_(buf), box_(box), visited_(buf.bytes.size() / kAlignment + 1, false) {}

  Status read_root(uint64_t root_at, uint32_t table_size) {
    visited_[root_at / kAlignment] = true;
    std::vector<uint64_t> keys(table_size);
    for (uint32_t i = 0; i < table_size; ++i) {
      keys[i] = buf_.u64(root_at + kRootBytes + kTileBytes * i);
      if (keys[i] & kKeyInvalidBits) {
        return Error{"root tile " + std::to_string(i) + " has an impossible key"};
      }
    }
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
      return Error{"two root tiles have the same key"};
    }
    for (uint32_t i = 0; i < table_size; ++i) {
      const uint64_t tile = root_at + kRootBytes + kTileBytes * i, key = buf_.u64(tile);
      const Coord origin{field_origin(key >> 42), field_origin(key >> 21), field_origin(key)};
      if (!box_->overlaps(origin, kRootTileSpan)) continue;
      const int64_t child = buf_.i64(tile + 8);
      if (child == 0) {
        TF_CHECK(box_->fill(origin, kRootTileSpan, buf_.f32(tile + 20)));
        continue;
      }
      TF_TRY(upper, link(root_at, child, kUpper.bytes));
      TF_CHECK(read_internal(kUpper, upper, origin));
    }
    return Status::ok();
  }

 private:
  static int64_t field_origin(uint64_t field) {
    return static_cast<int32_t>(static_cast<uint32_t>((field & 0xfffff) << 12));
  }

  // The position of the child `offset` bytes from its parent, after checking that a node of
  // `bytes` fits there, is aligned and has not been visited.
  Result<uint64_t> link(uint64_t parent_at, int64_t offset, uint64_t bytes) {
    const int64_t base = static_cast<int64_t>(parent_at);  // < the buffer size
    if (offset < -base || offset > std::numeric_limits<int64_t>::max() - base) {
      return Error{"a child offset points outside the buffer"};
    }
    const uint64_t at = static_cast<uint64_t>(base + offset);
    if (at % kAlignment != 0 || !buf_.has(at, bytes)) {
      return Error{"a child offset (" + std::to_string(offset) + " from byte " +
                   std::to_string(parent_at) + ") is misaligned or runs past the buffer"};
    }
    if (visited_[at / kAlignment]) {
      return Error{"the node at byte " + std::to_string(at) + " is linked twice"};
    }
    visited_[at / kAlignment] = true;
    return at;
  }

  Status read_internal(const NodeKind& kind, uint64_t at, const Coord& origin) {
    const uint32_t dim = 1u << kind.log2dim, slots = 1u << (3 * kind.log2dim);
    for (uint32_t n = 0; n < slots; ++n) {
      const Coord o{origin[0] + (n >> (2 * kind.log2dim)) * kind.child_span,
                    origin[1] + ((n >> kind.log2dim) & (dim - 1)) * kind.child_span,
                    origin[2] + (n & (dim - 1)) * kind.child_span};
      if (!box_->overlaps(o, kind.child_span)) continue;
      const uint64_t slot = at + kind.table_at + 8 * uint64_t{n};
      const bool has_child = (buf_.u64(at + kind.child_mask_at + 8 * (n >> 6)) >> (n & 63)) & 1;
      if (!has_child) {
        TF_CHECK(box_->fill(o, kind.child_span, buf_.f32(slot)));
      } else if (kind.log2dim == kUpper.log2dim) {
        TF_TRY(lower, link(at, buf_.i64(slot), kLower.bytes));
        TF_CHECK(read_internal(kLower, lower, o));
      } else {
        TF_TRY(leaf, link(at, buf_.i64(slot), kLeafBytes));
        TF_CHECK(read_leaf(leaf, o));
      }
    }
    return Status::ok();
  }

  Status read_leaf(uint64_t at, const Coord& origin) {
    for (uint32_t n = 0; n < 512; ++n) {
      const Coord p{origin[0] + (n >> 6), origin[1] + ((n >> 3) & 7), origin[2] + (n & 7)};
      if (box_->contains(p)) TF_CHECK(box_->set(p, buf_.f32(at + kLeafValuesAt + 4 * n)));
    }
    return Status::ok();
  }

  ByteView buf_;
  DenseBox* box_;
  std::vector<bool> visited_;
};

// Checks the grid header: magic, version, value type and class.
Status check_grid_header(const ByteView& buf) {
  const uint64_t magic = buf.u64(0);
  if (magic != kMagicNumb && magic != kMagicGrid) {
    return Error{"not a NanoVDB grid (wrong magic number)"};
  }
  TF_CHECK(check_version(buf.u32(kVersionAt)));
  const uint32_t type = buf.u32(kTypeAt), cls = buf.u32(kClassAt);
  if (type != kTypeFloat) {
    const std::string name = type < std::size(kTypeNames) ? kTypeNames[type] : "unknown";
    return Error{"holds " + name + " values (type " + std::to_string(type) +
                 "); only 32-bit float grids are read"};
  }
  if (cls != kClassUnknown && cls != kClassFogVolume) {
    const std::string name = cls < std::size(kClassNames) ? kClassNames[cls] : "unknown";
    return Error{"is a " + name + " grid (class " + std::to_string(cls) + "), not a fog volume"};
  }
  return Status::ok();
}

}  // namespace

Result<DensityGrid> grid_to_density(std::string_view buffer, uint64_t max_samples) {
  const ByteView buf{buffer};
  if (!buf.has(0, kTreeAt + kTreeDataBytes)) {
    return Error{"its buffer of " + std::to_string(buffer.size()) +
                 " bytes is shorter than the grid and tree headers"};
  }
  TF_CHECK(check_grid_header(buf));
  TF_TRY(map, read_map(buf));
  const uint64_t root_offset = buf.u64(kRootOffsetAt);
  if (root_offset > buffer.size() || (kTreeAt + root_offset) % kAlignment != 0 ||
      !buf.has(kTreeAt + root_offset, kRootBytes)) {
    return Error{"its root offset " + std::to_string(root_offset) + " is out of range"};
  }
  const uint64_t root_at = kTreeAt + root_offset;
  Coord lo, hi;
  for (int a = 0; a < 3; ++a) {
    lo[a] = buf.i32(root_at + 4 * static_cast<uint64_t>(a));
    hi[a] = buf.i32(root_at + 12 + 4 * static_cast<uint64_t>(a));
    if (lo[a] > hi[a]) return Error{"holds no active values"};
  }
  const float background = buf.f32(root_at + 28);
  if (background != 0) {
    return Error{"its background value " + std::to_string(background) +
                 " is not zero (a fog volume's is)"};
  }
  uint64_t samples = 1;
  for (int a = 0; a < 3; ++a) {
    const uint64_t n = static_cast<uint64_t>(hi[a] - lo[a] + 3);
    if (n > max_samples / samples) {
      return Error{"its active box from " + coord_text(lo) + " to " + coord_text(hi) +
                   " needs more than the limit of " + std::to_string(max_samples) + " samples"};
    }
    samples *= n;
  }
  const uint32_t table_size = buf.u32(root_at + 24);
  if (table_size > (buffer.size() - root_at - kRootBytes) / kTileBytes) {
    return Error{"its root table of " + std::to_string(table_size) +
                 " tiles runs past the end of the buffer"};
  }
  DenseBox box(lo, hi);
  TF_CHECK(TreeReader(buf, &box).read_root(root_at, table_size));
  return std::move(box).to_density(map);
}

}  // namespace tf::scene::nvdb
