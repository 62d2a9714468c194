// NanoVDB reader: grids written by an independent test writer (nanovdb_test_writer.h) read
// back with the values, bounds and map the writer's spec implies; NanoVDB's trilinear sampling
// computed from the spec agrees with lookups in the resulting DensityGrid; every malformed
// file is an error, never a crash.
#include "formats/scene/nanovdb_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "nanovdb_test_writer.h"
#include "test_util.h"

namespace tf::scene {
namespace {

using test::NvdbCoord;
using test::NvdbGridSpec;
using test::NvdbTile;

std::optional<DensityGrid> read_ok(const std::string& file, const std::string& name = "density",
                                   const NanoVdbLimits& limits = {}) {
  Result<std::optional<DensityGrid>> r = parse_nanovdb_grid(file, name, limits);
  EXPECT_TRUE(r.is_ok()) << r.message();
  return r.is_ok() ? r.value() : std::nullopt;
}

std::string read_error(const std::string& file, const NanoVdbLimits& limits = {}) {
  Result<std::optional<DensityGrid>> r = parse_nanovdb_grid(file, "density", limits);
  EXPECT_FALSE(r.is_ok()) << "expected an error";
  return r.is_ok() ? std::string() : r.message();
}

float sample_at(const DensityGrid& g, int x, int y, int z) {
  return g.density[static_cast<size_t>(x + g.nx * (y + g.ny * z))];
}

// Checks the whole grid against the spec: sample (i, j, k) is voxel lo - 1 + (i, j, k), whose
// value is the spec's inside [lo, hi] and zero in the padding; bounds are the map of
// [lo - 1.5, hi + 1.5] for a diagonal map with positive scales.
void expect_matches_spec(const DensityGrid& g, const NvdbGridSpec& spec, const NvdbCoord& lo,
                         const NvdbCoord& hi) {
  ASSERT_EQ(g.nx, hi[0] - lo[0] + 3);
  ASSERT_EQ(g.ny, hi[1] - lo[1] + 3);
  ASSERT_EQ(g.nz, hi[2] - lo[2] + 3);
  for (int a = 0; a < 3; ++a) {
    const double s = spec.matrix[4 * a], t = spec.translation[a];
    EXPECT_FLOAT_EQ(g.p0[a], static_cast<float>(s * (lo[a] - 1.5) + t)) << a;
    EXPECT_FLOAT_EQ(g.p1[a], static_cast<float>(s * (hi[a] + 1.5) + t)) << a;
  }
  int mismatches = 0;
  for (int k = 0; k < g.nz; ++k) {
    for (int j = 0; j < g.ny; ++j) {
      for (int i = 0; i < g.nx; ++i) {
        const NvdbCoord ijk{lo[0] - 1 + i, lo[1] - 1 + j, lo[2] - 1 + k};
        const bool inside = i > 0 && j > 0 && k > 0 && i < g.nx - 1 && j < g.ny - 1 && k < g.nz - 1;
        const float want = inside ? test::nvdb_expected_value(spec, ijk) : 0.0f;
        if (sample_at(g, i, j, k) != want && ++mismatches < 5) {
          ADD_FAILURE() << "voxel (" << ijk[0] << ", " << ijk[1] << ", " << ijk[2] << "): got "
                        << sample_at(g, i, j, k) << ", want " << want;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// Voxels in three leaves of two upper nodes (one at negative coordinates).
NvdbGridSpec leaves_spec() {
  NvdbGridSpec spec;
  spec.voxels = {{{0, 0, 0}, 1.0f}, {{3, 1, 2}, 2.0f}, {{9, -4, 5}, 3.0f}, {{-1, 0, 1}, 0.5f}};
  spec.matrix = {0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5};
  spec.translation = {1, 2, 3};
  return spec;
}

TEST(NanoVdbGrid, LeafVoxelsLandAtTheirIndexInsideOneVoxelOfZeroPadding) {
  const NvdbGridSpec spec = leaves_spec();
  std::optional<DensityGrid> g = read_ok(test::nvdb_file({spec}));
  ASSERT_TRUE(g.has_value());
  expect_matches_spec(*g, spec, {-1, -4, 0}, {9, 1, 5});
}

TEST(NanoVdbGrid, TilesOfEveryLevelFillTheirRegionsActiveOrNot) {
  NvdbGridSpec spec;
  spec.voxels = {{{4090, 0, 0}, 1.0f}, {{8200, 7, 7}, 2.0f}};
  spec.tiles = {NvdbTile{1, {8, 0, 0}, 0.5f, true},        // a lower node's 8^3 tile
                NvdbTile{2, {128, 0, 0}, 0.25f, false},    // an upper node's 128^3 tile
                NvdbTile{3, {4096, 0, 0}, 0.75f, false}};  // a root tile (inactive: an active
                                                           // one spans 4096^3, see the limits)
  std::optional<DensityGrid> g = read_ok(test::nvdb_file({spec}));
  ASSERT_TRUE(g.has_value());
  expect_matches_spec(*g, spec, {8, 0, 0}, {8200, 7, 7});
}

// NanoVDB's SampleFromVoxels<1>: trilinear in index space between the voxel values at floor(p)
// and floor(p) + 1, from the spec.
float nanovdb_trilinear(const NvdbGridSpec& spec, const std::array<double, 3>& p) {
  const NvdbCoord c{static_cast<int>(std::floor(p[0])), static_cast<int>(std::floor(p[1])),
                    static_cast<int>(std::floor(p[2]))};
  double sum = 0;
  for (int corner = 0; corner < 8; ++corner) {
    double w = 1;
    NvdbCoord q = c;
    for (int a = 0; a < 3; ++a) {
      const double f = p[a] - c[a];
      const bool up = (corner >> a) & 1;
      q[a] += up;
      w *= up ? f : 1 - f;
    }
    sum += w * test::nvdb_expected_value(spec, q);
  }
  return static_cast<float>(sum);
}

// pbrt-v4's SampledGrid lookup of a medium-space point (density_grid.h's contract).
float sampled_grid_lookup(const DensityGrid& g, const std::array<double, 3>& world) {
  const int n[3] = {g.nx, g.ny, g.nz};
  double s[3];
  int c[3];
  for (int a = 0; a < 3; ++a) {
    s[a] = (world[a] - g.p0[a]) / (g.p1[a] - g.p0[a]) * n[a] - 0.5;
    c[a] = static_cast<int>(std::floor(s[a]));
  }
  double sum = 0;
  for (int corner = 0; corner < 8; ++corner) {
    double w = 1;
    int q[3];
    bool inside = true;
    for (int a = 0; a < 3; ++a) {
      const bool up = (corner >> a) & 1;
      q[a] = c[a] + up;
      w *= up ? s[a] - c[a] : 1 - (s[a] - c[a]);
      inside = inside && q[a] >= 0 && q[a] < n[a];
    }
    if (inside) sum += w * sample_at(g, q[0], q[1], q[2]);
  }
  return static_cast<float>(sum);
}

TEST(NanoVdbGrid, TrilinearLookupsEqualNanoVdbSamplingAroundTheBox) {
  NvdbGridSpec spec;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(0.0f, 4.0f);
  for (int z = -3; z < 9; ++z) {
    for (int y = 2; y < 11; ++y) {
      for (int x = 5; x < 17; ++x) spec.voxels[{x, y, z}] = value(rng);
    }
  }
  spec.matrix = {0.25, 0, 0, 0, 2, 0, 0, 0, 1};
  spec.translation = {-3, 0.5, 10};
  std::optional<DensityGrid> g = read_ok(test::nvdb_file({spec}));
  ASSERT_TRUE(g.has_value());
  // Index points from one voxel below the box to one above (NanoVDB reads zero beyond it).
  std::uniform_real_distribution<double> ux(4, 17), uy(1, 11), uz(-4, 9);
  for (int i = 0; i < 2000; ++i) {
    const std::array<double, 3> p{ux(rng), uy(rng), uz(rng)};
    std::array<double, 3> world;
    for (int a = 0; a < 3; ++a) world[a] = spec.matrix[4 * a] * p[a] + spec.translation[a];
    ASSERT_NEAR(sampled_grid_lookup(*g, world), nanovdb_trilinear(spec, p), 2e-4)
        << p[0] << " " << p[1] << " " << p[2];
  }
}

TEST(NanoVdbGrid, NegativeScaleMirrorsTheAxis) {
  NvdbGridSpec spec = leaves_spec();
  spec.matrix[0] = -2;
  std::optional<DensityGrid> g = read_ok(test::nvdb_file({spec}));
  ASSERT_TRUE(g.has_value());
  const NvdbCoord lo{-1, -4, 0}, hi{9, 1, 5};
  EXPECT_FLOAT_EQ(g->p0[0], static_cast<float>(-2 * (hi[0] + 1.5) + 1));
  EXPECT_FLOAT_EQ(g->p1[0], static_cast<float>(-2 * (lo[0] - 1.5) + 1));
  // Sample i along x (from p0) is voxel hi.x + 1 - i.
  for (const auto& [ijk, v] : spec.voxels) {
    EXPECT_EQ(sample_at(*g, hi[0] + 1 - ijk[0], ijk[1] - lo[1] + 1, ijk[2] - lo[2] + 1), v);
  }
}

TEST(NanoVdbGrid, MapsThatAreNotAxisAlignedAreRefused) {
  NvdbGridSpec spec = leaves_spec();
  spec.matrix[1] = 0.1;  // shear
  EXPECT_NE(read_error(test::nvdb_file({spec})).find("axis-aligned"), std::string::npos);
  spec.matrix[1] = 0;
  spec.matrix[8] = 0;  // singular
  EXPECT_NE(read_error(test::nvdb_file({spec})).find("scale"), std::string::npos);
}

TEST(NanoVdbGrid, NamedGridsAreFoundInFilesAndMissingOnesAreEmpty) {
  NvdbGridSpec density = leaves_spec(), temperature;
  temperature.name = "temperature";
  temperature.voxels = {{{100, 100, 100}, 1500.0f}};
  const std::string file = test::nvdb_file({density, temperature});
  testing::TempDir dir;
  test::write_text(dir / "fire.nvdb", file);
  Result<std::optional<DensityGrid>> t = read_nanovdb_grid(dir / "fire.nvdb", "temperature");
  ASSERT_TRUE(t.is_ok()) << t.message();
  ASSERT_TRUE(t.value().has_value());
  expect_matches_spec(*t.value(), temperature, {100, 100, 100}, {100, 100, 100});
  std::optional<DensityGrid> d = read_ok(file, "density");
  ASSERT_TRUE(d.has_value());
  expect_matches_spec(*d, density, {-1, -4, 0}, {9, 1, 5});
  EXPECT_FALSE(read_ok(file, "velocity").has_value());
  Result<std::optional<DensityGrid>> missing = read_nanovdb_grid(dir / "none.nvdb", "density");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("none.nvdb"), std::string::npos);
}

TEST(NanoVdbGrid, ZipCodecRoundTripsAndCorruptStreamsAreErrors) {
  const NvdbGridSpec spec = leaves_spec();
  std::string zip = test::nvdb_file({spec}, {test::NvdbCodec::Zip});
  EXPECT_LT(zip.size(), test::nvdb_file({spec}).size() / 10);  // it really is compressed
  std::optional<DensityGrid> g = read_ok(zip);
  ASSERT_TRUE(g.has_value());
  expect_matches_spec(*g, spec, {-1, -4, 0}, {9, 1, 5});
  const uint64_t stream = test::nvdb_first_grid_offset({spec}) + 8;
  zip[stream + 40] = static_cast<char>(zip[stream + 40] ^ 0x5a);
  EXPECT_NE(read_error(zip).find("ZIP"), std::string::npos);
}

TEST(NanoVdbGrid, UnsupportedCodecsVersionsTypesAndClassesAreNamed) {
  const NvdbGridSpec spec = leaves_spec();
  EXPECT_NE(read_error(test::nvdb_file({spec}, {test::NvdbCodec::Blosc})).find("BLOSC"),
            std::string::npos);
  test::NvdbFileOptions old;
  old.version = test::nvdb_version(29, 3, 0);
  EXPECT_NE(read_error(test::nvdb_file({spec}, old)).find("29.3.0"), std::string::npos);
  test::NvdbFileOptions swapped;
  swapped.magic = 0x4e616e6f56444230ULL;  // "NanoVDB0" written big-endian
  EXPECT_NE(read_error(test::nvdb_file({spec}, swapped)).find("big-endian"), std::string::npos);
  test::NvdbFileOptions other;
  other.magic = 0x0123456789abcdefULL;
  EXPECT_NE(read_error(test::nvdb_file({spec}, other)).find("magic"), std::string::npos);
  NvdbGridSpec s = spec;
  s.grid_type = 2;
  EXPECT_NE(read_error(test::nvdb_file({s})).find("double"), std::string::npos);
  s = spec;
  s.grid_class = 1;
  EXPECT_NE(read_error(test::nvdb_file({s})).find("level set"), std::string::npos);
  s = spec;
  s.grid_class = 0;  // unknown class: accepted, as pbrt-v4 does
  EXPECT_TRUE(read_ok(test::nvdb_file({s})).has_value());
  s = spec;
  s.version = test::nvdb_version(31, 0, 0);
  EXPECT_NE(read_error(test::nvdb_file({s})).find("31.0.0"), std::string::npos);
  s = spec;
  s.background = 0.5f;
  EXPECT_NE(read_error(test::nvdb_file({s})).find("background"), std::string::npos);
  s = spec;
  s.voxels.clear();
  EXPECT_NE(read_error(test::nvdb_file({s})).find("no active"), std::string::npos);
  s = spec;
  s.voxels[{2, 0, 0}] = -1.0f;
  EXPECT_NE(read_error(test::nvdb_file({s})).find("negative"), std::string::npos);
  s = spec;
  s.voxels[{2, 0, 0}] = std::nanf("");
  EXPECT_NE(read_error(test::nvdb_file({s})).find("not finite"), std::string::npos);
}

TEST(NanoVdbGrid, LimitsBoundTheResultAndTheBuffer) {
  NvdbGridSpec spec;
  spec.tiles = {NvdbTile{3, {0, 0, 0}, 1.0f, true}};  // an active 4096^3 root tile
  EXPECT_NE(read_error(test::nvdb_file({spec})).find("limit"), std::string::npos);
  NanoVdbLimits small;
  small.max_samples = 100;
  EXPECT_NE(read_error(test::nvdb_file({leaves_spec()}), small).find("limit"), std::string::npos);
  small = {};
  small.max_grid_bytes = 1000;
  EXPECT_NE(read_error(test::nvdb_file({leaves_spec()}), small).find("limit"), std::string::npos);
}

TEST(NanoVdbGrid, TruncatedFilesAndBuffersAreErrors) {
  NvdbGridSpec spec = leaves_spec();
  spec.tiles = {NvdbTile{1, {16, 0, 0}, 0.5f, true}};
  const std::string file = test::nvdb_file({spec});
  for (size_t cut = 0; cut < file.size(); cut += cut < 2048 ? 1 : 997) {
    Result<std::optional<DensityGrid>> r =
        parse_nanovdb_grid(std::string_view(file).substr(0, cut), "density");
    // An empty file holds no grids; any other prefix is cut inside a record.
    if (cut == 0) {
      EXPECT_TRUE(r.is_ok() && !r.value().has_value());
    } else {
      EXPECT_FALSE(r.is_ok()) << "cut at " << cut;
    }
  }
  // The grid buffer itself cut short, with the metadata's sizes made to agree.
  const uint64_t grid_at = test::nvdb_first_grid_offset({spec});
  for (uint64_t size = 0; grid_at + size < file.size(); size += size < 4096 ? 7 : 1999) {
    std::string cut = file.substr(0, grid_at + size);
    std::memcpy(cut.data() + 16, &size, 8);  // grid size
    std::memcpy(cut.data() + 24, &size, 8);  // stored size
    EXPECT_FALSE(parse_nanovdb_grid(cut, "density").is_ok()) << "buffer cut at " << size;
  }
}

// The file of leaves_spec() with a field of its grid buffer overwritten.
template <class T>
std::string with_field(uint64_t buffer_offset, T value) {
  const NvdbGridSpec spec = leaves_spec();
  std::string file = test::nvdb_file({spec});
  std::memcpy(file.data() + test::nvdb_first_grid_offset({spec}) + buffer_offset, &value,
              sizeof(T));
  return file;
}

TEST(NanoVdbGrid, CorruptSizesAndOffsetsAreErrors) {
  const NvdbGridSpec spec = leaves_spec();
  std::string file = test::nvdb_file({spec});
  auto patched = [&](uint64_t at, auto value) {
    std::string f = file;
    std::memcpy(f.data() + at, &value, sizeof(value));
    return f;
  };
  EXPECT_NE(read_error(patched(16 + 136, uint32_t{0xffffffff})).find("name"), std::string::npos);
  EXPECT_FALSE(parse_nanovdb_grid(patched(16 + 0, ~uint64_t{0}), "density").is_ok());
  EXPECT_FALSE(parse_nanovdb_grid(patched(16 + 8, ~uint64_t{0}), "density").is_ok());
  EXPECT_FALSE(parse_nanovdb_grid(patched(12, uint16_t{0}), "density").is_ok());

  test::NvdbLayout l;
  test::nvdb_grid_buffer(spec, &l);
  // Root offset, table size, a root tile's child offset, an upper node's child slot.
  EXPECT_NE(read_error(with_field(672 + 24, uint64_t{1} << 40)).find("root"), std::string::npos);
  EXPECT_NE(read_error(with_field(l.root + 24, uint32_t{0x7fffffff})).find("root table"),
            std::string::npos);
  EXPECT_FALSE(
      parse_nanovdb_grid(with_field(l.root + 64 + 8, int64_t{-(1 << 20)}), "density").is_ok());
  EXPECT_FALSE(parse_nanovdb_grid(with_field(l.root + 64 + 8, int64_t{16}), "density").is_ok());
  EXPECT_FALSE(
      parse_nanovdb_grid(with_field(l.root + 64 + 8, int64_t{1} << 62), "density").is_ok());
  // Two root tiles with one key, and a key NanoVDB cannot produce.
  const std::string dup = with_field(l.root + 64 + 32, uint64_t{0});
  EXPECT_NE(read_error(dup).find("same key"), std::string::npos);
  EXPECT_NE(read_error(with_field(l.root + 64, uint64_t{1} << 63)).find("key"), std::string::npos);
}

TEST(NanoVdbGrid, ANodeLinkedTwiceIsAnError) {
  // Two leaves in one lower node: voxels at (0,0,0) and (8,0,0) (slots 0 and 256).
  NvdbGridSpec spec;
  spec.voxels = {{{0, 0, 0}, 1.0f}, {{8, 0, 0}, 2.0f}};
  test::NvdbLayout l;
  test::nvdb_grid_buffer(spec, &l);
  ASSERT_EQ(l.lowers.size(), 1u);
  ASSERT_EQ(l.leaves.size(), 2u);
  std::string file = test::nvdb_file({spec});
  const uint64_t base = test::nvdb_first_grid_offset({spec});
  const uint64_t slot1 = base + l.lowers[0] + 1088 + 8 * 256;
  const int64_t first_leaf = static_cast<int64_t>(l.leaves[0]) - static_cast<int64_t>(l.lowers[0]);
  std::memcpy(file.data() + slot1, &first_leaf, 8);
  EXPECT_NE(read_error(file).find("linked twice"), std::string::npos);
}

TEST(NanoVdbGrid, RandomByteFlipsNeverCrash) {
  NvdbGridSpec spec = leaves_spec();
  spec.tiles = {NvdbTile{1, {16, 0, 0}, 0.5f, true}};
  const std::string file = test::nvdb_file({spec});
  std::mt19937 rng(11);
  std::uniform_int_distribution<size_t> pos(0, file.size() - 1);
  std::uniform_int_distribution<int> bit(0, 7);
  NanoVdbLimits limits;
  limits.max_samples = 1 << 20;  // a flipped bounding box must not allocate much
  int errors = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string f = file;
    for (int k = 0; k < 4; ++k) {
      const size_t p = i % 2 ? pos(rng) % 4096 : pos(rng);  // half in the headers and root
      f[p] = static_cast<char>(f[p] ^ (1 << bit(rng)));
    }
    errors += !parse_nanovdb_grid(f, "density", limits).is_ok();
  }
  EXPECT_GT(errors, 0);  // the checks do fire; the rest read (possibly wrong) values safely
}

// The stand-in grids of the scene collection (pbrt_v4_scenes/<scene>/*.nvdb, ZIP-coded): small
// blobs with the grid names and roles of pbrt-v4's files, inside each scene's medium boundary.
// Setting TF_WRITE_NVDB_STANDINS=1 rewrites them from these specs; the test reads them back.
NvdbGridSpec ball_spec(const std::string& name, int radius, double voxel,
                       const std::array<double, 3>& centre, float peak) {
  NvdbGridSpec spec;
  spec.name = name;
  spec.matrix = {voxel, 0, 0, 0, voxel, 0, 0, 0, voxel};
  spec.translation = centre;
  const int r2 = radius * radius;
  for (int z = -radius; z <= radius; ++z) {
    for (int y = -radius; y <= radius; ++y) {
      for (int x = -radius; x <= radius; ++x) {
        const int d2 = x * x + y * y + z * z;
        if (d2 < r2) spec.voxels[{x, y, z}] = peak * static_cast<float>(r2 - d2) / r2;
      }
    }
  }
  return spec;
}

struct StandIn {
  const char* file;
  std::vector<NvdbGridSpec> grids;
};

std::vector<StandIn> stand_ins() {
  return {
      {"bunny-cloud/bunny_cloud.nvdb", {ball_spec("density", 6, 5.0, {0, 0, 0}, 1.0f)}},
      {"disney-cloud/wdas_cloud_quarter.nvdb",
       {ball_spec("density", 8, 25.0, {-10, 73, -43}, 1.0f)}},
      {"explosion/fire.nvdb",
       {ball_spec("density", 5, 6.0, {0, 0, 0}, 1.0f),
        ball_spec("temperature", 5, 6.0, {0, 0, 0}, 2.0f)}},
  };
}

TEST(NanoVdbGrid, SceneCollectionStandInsHoldTheirSpecs) {
  const std::filesystem::path dir = std::filesystem::path(TF_TEST_SOURCE_DIR) / "pbrt_v4_scenes";
  const bool write = std::getenv("TF_WRITE_NVDB_STANDINS") != nullptr;
  for (const StandIn& s : stand_ins()) {
    if (write) test::write_text(dir / s.file, test::nvdb_file(s.grids, {test::NvdbCodec::Zip}));
    for (const NvdbGridSpec& spec : s.grids) {
      Result<std::optional<DensityGrid>> g = read_nanovdb_grid(dir / s.file, spec.name);
      ASSERT_TRUE(g.is_ok()) << g.message();
      ASSERT_TRUE(g.value().has_value()) << s.file << " " << spec.name;
      NvdbCoord lo{INT32_MAX, INT32_MAX, INT32_MAX}, hi{INT32_MIN, INT32_MIN, INT32_MIN};
      for (const auto& [ijk, v] : spec.voxels) {
        for (int a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], ijk[a]);
          hi[a] = std::max(hi[a], ijk[a]);
        }
      }
      expect_matches_spec(*g.value(), spec, lo, hi);
    }
  }
}

}  // namespace
}  // namespace tf::scene
