// Simulation output files: .npy bytes per the NumPy format spec, PNG colours against the
// published viridis end points, meta.json contents, a whole snapshot's files.
#include "formats/sim/field_output.h"
#include "formats/sim/vtk_output.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "formats/fileio/atomic_write.h"
#include "formats/image/image_codec.h"
#include "tests/support/temp_dir.h"

namespace tf::sim {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// Writes encoded bytes to a file, for the image codec to read back.
fs::path saved(const TempDir& dir, const char* name, const Result<std::vector<uint8_t>>& bytes) {
  const fs::path path = dir.path() / name;
  const Status written = write_file_atomically(path, bytes.value());
  EXPECT_TRUE(written.is_ok()) << written.message();
  return path;
}

// An OpenEXR header attribute's value bytes (after the magic number and version: name, type
// name, 32-bit little-endian size, value; an empty name ends the header); "" when absent.
std::string exr_attribute(const std::vector<uint8_t>& exr, const std::string& wanted) {
  const std::string bytes = text(exr);
  size_t at = 8;
  while (at < bytes.size() && bytes[at] != '\0') {
    const size_t name_end = bytes.find('\0', at);
    const size_t type_end = bytes.find('\0', name_end + 1);
    if (type_end == std::string::npos || type_end + 5 > bytes.size()) break;
    uint32_t size = 0;
    std::memcpy(&size, bytes.data() + type_end + 1, 4);
    const size_t value = type_end + 5;
    if (bytes.compare(at, name_end - at, wanted) == 0) return bytes.substr(value, size);
    at = value + size;
  }
  return {};
}

TEST(Npy, HeaderFollowsTheFormatSpecAndDataIsRowZeroFirst) {
  const Extent size{3, 2, 1};
  const std::vector<float> values{0.0f, 1.0f, 2.0f, 10.0f, 11.0f, 12.5f};  // row y = 0 first
  Result<std::vector<uint8_t>> npy = npy_bytes(values, size);
  ASSERT_TRUE(npy.is_ok()) << npy.message();
  const std::string bytes = text(npy.value());
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  const std::size_t header_len =
      static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  const std::string header = bytes.substr(10, header_len);
  EXPECT_EQ((10 + header_len) % 64, 0u);  // data aligned as the spec requires
  EXPECT_EQ(header.back(), '\n');
  EXPECT_NE(header.find("'descr': '<f4'"), std::string::npos);
  EXPECT_NE(header.find("'fortran_order': False"), std::string::npos);
  EXPECT_NE(header.find("'shape': (2, 3)"), std::string::npos);  // (ny, nx)
  ASSERT_EQ(bytes.size(), 10 + header_len + values.size() * sizeof(float));
  std::vector<float> back(values.size());
  std::memcpy(back.data(), bytes.data() + 10 + header_len, back.size() * sizeof(float));
  EXPECT_EQ(back, values);
}

TEST(Npy, RejectsMismatchedSize) { EXPECT_FALSE(npy_bytes({1.0f, 2.0f}, {3, 1, 1}).is_ok()); }

TEST(Viridis, EndPointsMatchThePublishedMap) {
  // matplotlib's viridis runs from #440154 to #FDE725.
  EXPECT_EQ(viridis_rgb8(0.0f), (std::array<unsigned char, 3>{0x44, 0x01, 0x54}));
  EXPECT_EQ(viridis_rgb8(1.0f), (std::array<unsigned char, 3>{0xFD, 0xE7, 0x25}));
  EXPECT_EQ(viridis_rgb8(-3.0f), viridis_rgb8(0.0f));
  EXPECT_EQ(viridis_rgb8(std::nanf("")), viridis_rgb8(0.0f));
}

TEST(Viridis, LightnessIncreasesMonotonically) {
  // Perceptual ordering: luma rises along the whole map.
  double previous = -1.0;
  for (int i = 0; i <= 64; ++i) {
    auto c = viridis_rgb8(static_cast<float>(i) / 64.0f);
    const double luma = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    EXPECT_GE(luma, previous) << i;
    previous = luma;
  }
}

TEST(FieldPng, CellsAreSquaresLargeEnoughToSee) {
  EXPECT_EQ(png_cell_scale({4, 3, 1}), 128);      // 512 / 4
  EXPECT_EQ(png_cell_scale({129, 129, 1}), 4);    // 516 >= 512 > 387
  EXPECT_EQ(png_cell_scale({512, 100, 1}), 1);
  EXPECT_EQ(png_cell_scale({1024, 3, 1}), 1);
}

TEST(FieldPng, BottomRowIsYZeroAndLegendRunsLowToHighWithLabels) {
  TempDir dir;
  const Extent size{4, 3, 1};
  std::vector<float> values(12, 5.0f);
  values[0] = 0.0f;    // (x 0, y 0): bottom-left, low end
  values[11] = 10.0f;  // (x 3, y 2): top-right, high end
  Result<std::vector<uint8_t>> encoded = field_png_bytes(values, size, 0.0f, 10.0f);
  ASSERT_TRUE(encoded.is_ok()) << encoded.message();
  const fs::path png = saved(dir, "f.png", encoded);
  Result<DecodedImage> image = image_codec().decode(png);
  ASSERT_TRUE(image.is_ok()) << image.message();
  ASSERT_EQ(image->channels.size(), 3u);
  ASSERT_FALSE(image->floating_point);
  const int s = 128;  // pixels per cell: see CellsAreSquaresLargeEnoughToSee
  const int width = static_cast<int>(image->width), height = static_cast<int>(image->height);
  ASSERT_EQ(height, 3 * s);
  ASSERT_GT(width, 4 * s);
  EXPECT_EQ(image->description, "min=0 max=10");
  using Rgb = std::array<unsigned char, 3>;
  auto at = [&](int x, int row) {  // the 8-bit values, scaled to [0, 1] by the decoder
    const float* v = &image->values[(static_cast<std::size_t>(row) * width + x) * 3];
    auto byte = [](float f) { return static_cast<unsigned char>(std::lround(f * 255.0f)); };
    return Rgb{byte(v[0]), byte(v[1]), byte(v[2])};
  };
  // Every pixel of a cell's square has the cell's colour.
  for (int corner_x : {0, s - 1}) {
    for (int corner_row : {0, s - 1}) {
      EXPECT_EQ(at(0 * s + corner_x, 2 * s + corner_row), viridis_rgb8(0.0f));  // y 0 at bottom
      EXPECT_EQ(at(3 * s + corner_x, 0 * s + corner_row), viridis_rgb8(1.0f));  // y 2 at top
      EXPECT_EQ(at(1 * s + corner_x, 1 * s + corner_row), viridis_rgb8(0.5f));
    }
  }
  // The legend bar: the first non-white column right of the field.
  const Rgb white{255, 255, 255};
  int bar = 4 * s;
  while (bar < width && at(bar, height / 2) == white) ++bar;
  ASSERT_LT(bar, width);
  EXPECT_EQ(at(bar, height - 1), viridis_rgb8(0.0f));  // bottom: low
  EXPECT_EQ(at(bar, 0), viridis_rgb8(1.0f));                // top: high
  int bar_end = bar;
  while (bar_end < width && at(bar_end, height / 2) != white) ++bar_end;
  // Labels right of the bar: black text in the top and bottom bands only.
  const auto black_in_rows = [&](int row_begin, int row_end) {
    int count = 0;
    for (int row = row_begin; row < row_end; ++row) {
      for (int x = bar_end; x < width; ++x) count += at(x, row) == Rgb{0, 0, 0};
    }
    return count;
  };
  EXPECT_GT(black_in_rows(0, 20), 0);                                  // "10"
  EXPECT_GT(black_in_rows(height - 20, height), 0);          // "0"
  EXPECT_EQ(black_in_rows(20, height - 20), 0);
  // "10" has more ink than "0": the labels are the values, not decoration.
  EXPECT_GT(black_in_rows(0, 20), black_in_rows(height - 20, height));
}

TEST(Snapshot, HoldsFieldsPreviewAndMetadata) {
  Result<BatchSpec> batch = parse_batch(
      "[simulation]\nmodel = \"d2q9\"\ngrid = [12, 10]\nsteps = 4\n"
      "[parameters]\nre = [50, 80]\nlid_velocity = 0.05\n"
      "[boundaries]\ntop = \"moving_wall\"\n",
      "cavity.toml");
  ASSERT_TRUE(batch.is_ok()) << batch.message();
  RunSpec run = expand_runs(batch.value())[1];
  TileState state = make_initial_state(run).value();
  ASSERT_TRUE(run_steps_cpu(state, 4));
  Result<std::vector<NamedFile>> files = snapshot_files(run, state, 4);
  ASSERT_TRUE(files.is_ok()) << files.message();
  std::vector<std::string> names;
  for (const NamedFile& f : files.value()) {
    names.push_back(f.name);
    EXPECT_FALSE(f.bytes.empty()) << f.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"rho.npy", "ux.npy", "uy.npy", "fields.exr",
                                             "fields.vti", "speed.png", "meta.json"}));
  nlohmann::json meta = nlohmann::json::parse(text(files.value().back().bytes));
  EXPECT_EQ(meta["fields"], nlohmann::json({"rho.npy", "ux.npy", "uy.npy", "fields.exr",
                                            "fields.vti", "speed.png"}));
  // The .npy of ux is the x velocity of the state's macroscopic fields, byte for byte.
  Result<MacroFields> macro = macroscopic(state);
  ASSERT_TRUE(macro.is_ok());
  EXPECT_EQ(files.value()[1].bytes, npy_bytes(macro->ux, macro->size).value());
  EXPECT_EQ(meta["model"], "d2q9");
  EXPECT_EQ(meta["run"], "re=80");
  EXPECT_EQ(meta["step"], 4);
  EXPECT_EQ(meta["grid"], nlohmann::json({12, 10}));
  EXPECT_EQ(meta["boundaries"]["top"], "moving_wall");
  // nu = U L / re = 0.05 * (12 - 2) / 80; the file reports what the kernel ran with (float).
  EXPECT_NEAR(meta["lattice"]["viscosity"].get<double>(), 0.05 * 10 / 80, 1e-6);
  EXPECT_NEAR(meta["lattice"]["lid_velocity"].get<double>(), 0.05, 1e-7);
}

TEST(Vti, MismatchedFieldsAndUnsafeNamesAreRefused) {
  const std::vector<float> six(6, 1.0f), five(5, 1.0f);
  EXPECT_TRUE(vti_bytes({{"rho", &six}}, {3, 2, 1}).is_ok());
  EXPECT_FALSE(vti_bytes({{"rho", &five}}, {3, 2, 1}).is_ok());
  EXPECT_FALSE(vti_bytes({{"rho\" offset=\"9", &six}}, {3, 2, 1}).is_ok());
}

TEST(Pvd, ListsTheSnapshotsInOrderAndRefusesNamesThatBreakTheXml) {
  Result<std::string> text = pvd_document({{100, "step_000000100/fields.vti"},
                                           {250, "step_000000250/fields.vti"}});
  ASSERT_TRUE(text.is_ok()) << text.message();
  const size_t first = text->find("timestep=\"100\" part=\"0\" file=\"step_000000100/fields.vti\"");
  const size_t second = text->find("timestep=\"250\" part=\"0\" file=\"step_000000250/fields.vti\"");
  EXPECT_NE(first, std::string::npos) << text.value();
  EXPECT_NE(second, std::string::npos) << text.value();
  EXPECT_LT(first, second);
  EXPECT_FALSE(pvd_document({{1, "a\"b.vti"}}).is_ok());
}

TEST(FieldExr, ChannelsAreNamedFieldsWithTheTopRowAtTheHighestY) {
  const Extent size{3, 2, 1};
  const std::vector<float> rho{1.0f, 1.5f, 2.0f, 10.0f, 11.0f, 12.0f};  // row y = 0 first
  const std::vector<float> ux{-1.0f, 0.0f, 0.25f, 3.0f, 4.0f, 5.0f};
  TempDir dir;
  Result<std::vector<uint8_t>> encoded = field_exr_bytes({{"rho", &rho}, {"ux", &ux}}, size);
  ASSERT_TRUE(encoded.is_ok()) << encoded.message();
  const fs::path path = saved(dir, "fields.exr", encoded);
  // Same fields, same bytes: no capture date (OpenEXR's standard attribute "capDate").
  EXPECT_EQ(exr_attribute(encoded.value(), "capDate"), "");
  Result<DecodedImage> image = image_codec().decode(path);
  ASSERT_TRUE(image.is_ok()) << image.message();
  ASSERT_TRUE(image->floating_point);
  ASSERT_EQ(image->width, 3u);
  ASSERT_EQ(image->height, 2u);
  EXPECT_EQ(image->channels, (std::vector<std::string>{"rho", "ux"}));
  const std::vector<float>& pixels = image->values;
  // Image row 0 is y = 1: (10, 3) (11, 4) (12, 5); row 1 is y = 0.
  const std::vector<float> expected{10, 3, 11, 4, 12, 5, 1, -1, 1.5f, 0, 2, 0.25f};
  EXPECT_EQ(pixels, expected);
  const std::vector<float> short_field{1.0f};
  EXPECT_FALSE(field_exr_bytes({{"rho", &short_field}}, size).is_ok());
  EXPECT_FALSE(field_exr_bytes({{"rho", &rho}}, Extent{3, 1, 2}).is_ok());
}

}  // namespace
}  // namespace tf::sim
