#include "nanovdb_test_writer.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <set>
#include <stdexcept>
#include <utility>

namespace tf::test {
namespace {

// Node geometry (NanoVDB's 5-4-3 tree): voxels spanned along one axis and log2 of the slots
// along one axis.
constexpr int kLeafDim = 8, kLowerDim = 128, kUpperDim = 4096;

NvdbCoord floor_to(const NvdbCoord& c, int dim) {
  // dim is a power of two: clearing the low bits rounds toward minus infinity.
  return {c[0] & ~(dim - 1), c[1] & ~(dim - 1), c[2] & ~(dim - 1)};
}

// Slot of `c` inside the node of size `dim` whose children span `child` voxels.
uint32_t slot(const NvdbCoord& c, int dim, int child) {
  const int per_axis = dim / child;
  auto local = [&](int v) { return static_cast<uint32_t>((v & (dim - 1)) / child); };
  return (local(c[0]) * per_axis + local(c[1])) * per_axis + local(c[2]);
}

// Appends little-endian fields to a byte string; put() overwrites earlier ones.
class Bytes {
 public:
  uint64_t size() const { return s_.size(); }
  void pad_to(uint64_t n) { s_.resize(n, '\0'); }
  void align32() { pad_to((s_.size() + 31) / 32 * 32); }
  template <class T>
  void add(T v) {
    const uint64_t at = s_.size();
    pad_to(at + sizeof(T));
    put(at, v);
  }
  template <class T>
  void put(uint64_t at, T v) {
    std::memcpy(s_.data() + at, &v, sizeof(T));
  }
  void add_bytes(const std::string& b) { s_ += b; }
  std::string take() { return std::move(s_); }

 private:
  std::string s_;
};

struct Leaf {
  std::array<float, 512> values{};
  std::array<uint64_t, 8> active{};
};
struct Internal {
  std::map<uint32_t, NvdbTile> tiles;  // by slot
  std::set<uint32_t> children;         // slots holding a child node
};

// Bit n of a mask made of 64-bit words.
template <size_t N>
void set_bit(std::array<uint64_t, N>& mask, uint32_t n) {
  mask[n / 64] |= uint64_t{1} << (n % 64);
}

uint64_t root_key(const NvdbCoord& origin) {
  auto field = [](int32_t v) { return static_cast<uint64_t>(static_cast<uint32_t>(v) >> 12); };
  return field(origin[2]) | field(origin[1]) << 21 | field(origin[0]) << 42;
}

// Writes one internal node (64 * MaskWords slots) whose children lie at `child_at` (by slot).
template <size_t MaskWords>
void write_internal(Bytes& b, const NvdbCoord& origin, int dim, const Internal& node,
                    const std::map<uint32_t, uint64_t>& child_at) {
  const uint64_t at = b.size();
  const uint32_t slots = static_cast<uint32_t>(MaskWords * 64);
  for (int a = 0; a < 3; ++a) b.add<int32_t>(origin[a]);
  for (int a = 0; a < 3; ++a) b.add<int32_t>(origin[a] + dim - 1);
  b.add<uint64_t>(0);  // flags
  std::array<uint64_t, MaskWords> value_mask{}, child_mask{};
  for (const auto& [n, tile] : node.tiles) {
    if (tile.active) set_bit(value_mask, n);
  }
  for (uint32_t n : node.children) set_bit(child_mask, n);
  for (uint64_t w : value_mask) b.add(w);
  for (uint64_t w : child_mask) b.add(w);
  for (int i = 0; i < 4; ++i) b.add<float>(0);  // min, max, average, deviation
  b.align32();
  const uint64_t table = b.size();
  b.pad_to(table + 8ull * slots);
  for (const auto& [n, tile] : node.tiles) b.put<float>(table + 8ull * n, tile.value);
  for (const auto& [n, pos] : child_at) {
    b.put<int64_t>(table + 8ull * n, static_cast<int64_t>(pos) - static_cast<int64_t>(at));
  }
}

}  // namespace

std::string nvdb_grid_buffer(const NvdbGridSpec& spec, NvdbLayout* layout) {
  // Tree topology: leaves by origin, internal nodes by origin, root tiles by origin.
  std::map<NvdbCoord, Leaf> leaves;
  std::map<NvdbCoord, Internal> lowers, uppers;
  std::map<NvdbCoord, NvdbTile> root_tiles;
  NvdbCoord lo{INT_MAX, INT_MAX, INT_MAX}, hi{INT_MIN, INT_MIN, INT_MIN};
  auto grow = [&](const NvdbCoord& a, int span) {
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::min(lo[i], a[i]);
      hi[i] = std::max(hi[i], a[i] + span - 1);
    }
  };
  for (const auto& [ijk, v] : spec.voxels) {
    Leaf& leaf = leaves[floor_to(ijk, kLeafDim)];
    const uint32_t n = slot(ijk, kLeafDim, 1);
    leaf.values[n] = v;
    set_bit(leaf.active, n);
    grow(ijk, 1);
  }
  for (auto& [origin, leaf] : leaves) {
    for (uint32_t n = 0; n < 512; ++n) {
      if (!((leaf.active[n / 64] >> (n % 64)) & 1)) leaf.values[n] = spec.background;
    }
    lowers[floor_to(origin, kLowerDim)].children.insert(slot(origin, kLowerDim, kLeafDim));
  }
  for (const NvdbTile& t : spec.tiles) {
    if (t.active) grow(t.origin, t.level == 1 ? kLeafDim : t.level == 2 ? kLowerDim : kUpperDim);
    if (t.level == 1)
      lowers[floor_to(t.origin, kLowerDim)].tiles[slot(t.origin, kLowerDim, kLeafDim)] = t;
    if (t.level == 2)
      uppers[floor_to(t.origin, kUpperDim)].tiles[slot(t.origin, kUpperDim, kLowerDim)] = t;
    if (t.level == 3) root_tiles[t.origin] = t;
  }
  for (const auto& [origin, node] : lowers) {
    uppers[floor_to(origin, kUpperDim)].children.insert(slot(origin, kUpperDim, kLowerDim));
  }

  Bytes b;
  // GridData; sizes and offsets are patched once known.
  b.add<uint64_t>(spec.magic);
  b.add<uint64_t>(0);  // checksum
  b.add<uint32_t>(spec.version);
  b.add<uint32_t>(0);  // flags
  b.add<uint32_t>(0);  // grid index
  b.add<uint32_t>(1);  // grid count
  b.add<uint64_t>(0);  // grid size, @32
  std::string name = spec.name;
  name.resize(256, '\0');
  b.add_bytes(name);
  for (double m : spec.matrix) b.add<float>(static_cast<float>(m));
  for (int i = 0; i < 9; ++i) b.add<float>(i % 4 == 0 ? static_cast<float>(1 / spec.matrix[i]) : 0);
  for (double t : spec.translation) b.add<float>(static_cast<float>(t));
  b.add<float>(1);  // taper
  for (double m : spec.matrix) b.add<double>(m);
  for (int i = 0; i < 9; ++i) b.add<double>(i % 4 == 0 ? 1 / spec.matrix[i] : 0);
  for (double t : spec.translation) b.add<double>(t);
  b.add<double>(1);              // taper
  for (int c = 0; c < 2; ++c) {  // world bbox of the index box [lo, hi + 1]
    for (int a = 0; a < 3; ++a) {
      const double i = c == 0 ? lo[a] : hi[a] + 1.0;
      b.add<double>(spec.matrix[4 * a] * i + spec.translation[a]);
    }
  }
  for (int a = 0; a < 3; ++a) b.add<double>(spec.matrix[4 * a]);  // voxel size
  b.add<uint32_t>(spec.grid_class);
  b.add<uint32_t>(spec.grid_type);
  b.add<int64_t>(0);   // blind metadata offset
  b.add<uint32_t>(0);  // blind metadata count
  b.pad_to(672);
  // TreeData: node offsets (leaf, lower, upper, root) relative to it, counts, voxel count.
  const uint64_t tree = b.size();
  b.pad_to(tree + 64);
  b.put<uint32_t>(tree + 32, static_cast<uint32_t>(leaves.size()));
  b.put<uint32_t>(tree + 36, static_cast<uint32_t>(lowers.size()));
  b.put<uint32_t>(tree + 40, static_cast<uint32_t>(uppers.size()));
  b.put<uint64_t>(tree + 56, spec.voxels.size());

  // Root and its tiles, sorted by key.
  const uint64_t root = b.size();
  for (int a = 0; a < 3; ++a) b.add<int32_t>(lo[a]);
  for (int a = 0; a < 3; ++a) b.add<int32_t>(hi[a]);
  std::map<uint64_t, NvdbCoord> keyed;
  for (const auto& [origin, t] : root_tiles) keyed[root_key(origin)] = origin;
  for (const auto& [origin, node] : uppers) keyed[root_key(origin)] = origin;
  b.add<uint32_t>(static_cast<uint32_t>(keyed.size()));
  b.add<float>(spec.background);
  for (int i = 0; i < 4; ++i) b.add<float>(0);  // min, max, average, deviation
  b.align32();
  std::map<NvdbCoord, uint64_t> tile_at;
  for (const auto& [key, origin] : keyed) {
    tile_at[origin] = b.size();
    const auto t = root_tiles.find(origin);
    b.add<uint64_t>(key);
    b.add<int64_t>(0);  // child, patched below
    b.add<uint32_t>(t != root_tiles.end() && t->second.active);
    b.add<float>(t != root_tiles.end() ? t->second.value : 0.0f);
    b.align32();
  }

  // Child positions follow from the breadth-first order and fixed node sizes.
  const uint64_t upper_bytes = 8256 + 8ull * 32768, lower_bytes = 1088 + 8ull * 4096;
  const uint64_t leaf_bytes = 96 + 4 * 512;
  std::map<NvdbCoord, uint64_t> upper_at, lower_at, leaf_at;
  uint64_t next = b.size();
  for (const auto& [o, n] : uppers) upper_at[o] = std::exchange(next, next + upper_bytes);
  for (const auto& [o, n] : lowers) lower_at[o] = std::exchange(next, next + lower_bytes);
  for (const auto& [o, l] : leaves) leaf_at[o] = std::exchange(next, next + leaf_bytes);
  for (const auto& [o, pos] : upper_at) {
    b.put<int64_t>(tile_at[o] + 8, static_cast<int64_t>(pos - root));
  }
  auto children_of = [](const NvdbCoord& origin, int dim, int child,
                        const std::map<NvdbCoord, uint64_t>& at) {
    std::map<uint32_t, uint64_t> out;
    for (const auto& [o, pos] : at) {
      if (floor_to(o, dim) == origin) out[slot(o, dim, child)] = pos;
    }
    return out;
  };
  for (const auto& [o, node] : uppers) {
    write_internal<512>(b, o, kUpperDim, node, children_of(o, kUpperDim, kLowerDim, lower_at));
  }
  for (const auto& [o, node] : lowers) {
    write_internal<64>(b, o, kLowerDim, node, children_of(o, kLowerDim, kLeafDim, leaf_at));
  }
  for (const auto& [o, leaf] : leaves) {
    for (int a = 0; a < 3; ++a) b.add<int32_t>(o[a]);
    for (int a = 0; a < 3; ++a) b.add<uint8_t>(kLeafDim - 1);
    b.add<uint8_t>(0);  // flags
    for (uint64_t w : leaf.active) b.add(w);
    for (int i = 0; i < 4; ++i) b.add<float>(0);  // statistics
    for (float v : leaf.values) b.add(v);
  }
  b.put<uint64_t>(tree + 0, leaves.empty() ? 0 : leaf_at.begin()->second - tree);
  b.put<uint64_t>(tree + 8, lowers.empty() ? 0 : lower_at.begin()->second - tree);
  b.put<uint64_t>(tree + 16, uppers.empty() ? 0 : upper_at.begin()->second - tree);
  b.put<uint64_t>(tree + 24, root - tree);
  b.put<uint64_t>(32, b.size());
  if (layout != nullptr) {
    layout->root = root;
    for (const auto& [o, p] : upper_at) layout->uppers.push_back(p);
    for (const auto& [o, p] : lower_at) layout->lowers.push_back(p);
    for (const auto& [o, p] : leaf_at) layout->leaves.push_back(p);
  }
  return b.take();
}

std::string nvdb_file(const std::vector<NvdbGridSpec>& grids, const NvdbFileOptions& options) {
  std::vector<std::string> stored;
  std::vector<uint64_t> sizes;
  for (const NvdbGridSpec& g : grids) {
    std::string buffer = nvdb_grid_buffer(g);
    sizes.push_back(buffer.size());
    if (options.codec == NvdbCodec::Zip) {
      uLongf packed = compressBound(static_cast<uLong>(buffer.size()));
      std::string z(packed, '\0');
      if (compress(reinterpret_cast<Bytef*>(z.data()), &packed,
                   reinterpret_cast<const Bytef*>(buffer.data()),
                   static_cast<uLong>(buffer.size())) != Z_OK) {
        throw std::runtime_error("zlib compress failed");
      }
      z.resize(packed);
      Bytes rec;
      rec.add<uint64_t>(packed);
      rec.add_bytes(z);
      buffer = rec.take();
    }
    stored.push_back(std::move(buffer));
  }
  Bytes b;
  b.add<uint64_t>(options.magic);
  b.add<uint32_t>(options.version);
  b.add<uint16_t>(static_cast<uint16_t>(grids.size()));
  b.add<uint16_t>(static_cast<uint16_t>(options.codec));
  for (size_t i = 0; i < grids.size(); ++i) {
    const uint64_t at = b.size();
    b.pad_to(at + 176);
    b.put<uint64_t>(at + 0, sizes[i]);
    b.put<uint64_t>(at + 8, stored[i].size());
    uint64_t hash = 0;  // IO.h's stringHash
    for (unsigned char c : grids[i].name) hash = hash * 67 + c + (hash >> 56);
    b.put<uint64_t>(at + 16, hash);
    b.put<uint64_t>(at + 24, grids[i].voxels.size());
    b.put<uint32_t>(at + 32, grids[i].grid_type);
    b.put<uint32_t>(at + 36, grids[i].grid_class);
    b.put<uint32_t>(at + 136, static_cast<uint32_t>(grids[i].name.size() + 1));
    b.put<uint16_t>(at + 168, static_cast<uint16_t>(options.codec));
    b.put<uint32_t>(at + 172, options.version);
    b.add_bytes(grids[i].name);
    b.add<uint8_t>(0);
  }
  for (const std::string& s : stored) b.add_bytes(s);
  return b.take();
}

uint64_t nvdb_first_grid_offset(const std::vector<NvdbGridSpec>& grids) {
  uint64_t at = 16;
  for (const NvdbGridSpec& g : grids) at += 176 + g.name.size() + 1;
  return at;
}

float nvdb_expected_value(const NvdbGridSpec& spec, const NvdbCoord& ijk) {
  if (const auto v = spec.voxels.find(ijk); v != spec.voxels.end()) return v->second;
  for (const NvdbTile& t : spec.tiles) {
    const int span = t.level == 1 ? kLeafDim : t.level == 2 ? kLowerDim : kUpperDim;
    if (floor_to(ijk, span) == t.origin) return t.value;
  }
  return spec.background;
}

}  // namespace tf::test
