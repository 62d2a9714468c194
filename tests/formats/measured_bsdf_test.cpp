// The RGL tensor-file reader (formats/scene/measured_bsdf.h) against files made by an
// independent writer (tensor_file_writer.h):
// - tables come back in pbrt-v4's order and shape (values are a formula of their indices, and
//   tables are 3 high and 4 wide so that a swap shows), with the grids, flags and description;
// - a spectrum constant over the visible range reduces to that grey (the white balance), and
//   any spectrum reduces to what piecewise_spectrum_rgb gives for it directly (the reader uses
//   the reduction's linearity); "rgb" files are taken as they are;
// - bad files give errors naming the problem, never a crash: every truncation of a good file,
//   a wrong magic, an unknown version, mismatched extents, an unknown type, data beyond the end,
//   missing fields, non-finite values, reduced anisotropic files, a missing file, and files with
//   random bytes changed.
#include "formats/scene/measured_bsdf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "formats/scene/spectra.h"
#include "tensor_file_writer.h"

namespace tf::scene {
namespace {

using test::bytes_field;
using test::float_field;
using test::TensorField;
using test::TensorFileSpec;

constexpr uint64_t kW = 4, kH = 3;  // table width (x) and height (y)

// Value of a table entry from its slice and position, so that any misplacement shows.
float cell(size_t slice, size_t y, size_t x) {
  return static_cast<float>(1000 * slice + 10 * y + x) * 0.001f;
}

std::vector<float> tables(size_t slices) {
  std::vector<float> v;
  for (size_t s = 0; s < slices; ++s)
    for (size_t y = 0; y < kH; ++y)
      for (size_t x = 0; x < kW; ++x) v.push_back(cell(s, y, x));
  return v;
}

// A well-formed file: phi_i and theta_i of the given sizes, spectra over `wavelengths` whose
// value at (slice, wavelength k, y, x) is spectrum(slice, k, y, x).
template <class F>
TensorFileSpec good_spec(std::vector<float> phi, std::vector<float> theta,
                         std::vector<float> wavelengths, F spectrum) {
  const uint64_t np = phi.size(), nt = theta.size(), nl = wavelengths.size();
  std::vector<float> spectra;
  for (size_t s = 0; s < np * nt; ++s)
    for (size_t k = 0; k < nl; ++k)
      for (size_t y = 0; y < kH; ++y)
        for (size_t x = 0; x < kW; ++x) spectra.push_back(spectrum(s, k, y, x));
  TensorFileSpec spec;
  spec.fields = {
      bytes_field("description", {'t', 'e', 's', 't'}),
      bytes_field("jacobian", {1}),
      float_field("theta_i", {nt}, theta),
      float_field("phi_i", {np}, phi),
      float_field("wavelengths", {nl}, wavelengths),
      float_field("ndf", {kH, kW}, tables(1)),
      float_field("sigma", {kH, kW}, tables(1)),
      float_field("vndf", {np, nt, kH, kW}, tables(np * nt)),
      float_field("luminance", {np, nt, kH, kW}, tables(np * nt)),
      float_field("spectra", {np, nt, nl, kH, kW}, spectra),
  };
  return spec;
}

TensorFileSpec isotropic_spec() {
  return good_spec({0.0f}, {0.0f, 0.5f, 1.0f}, {360.0f, 500.0f, 830.0f},
                   [](size_t, size_t, size_t, size_t) { return 0.5f; });
}

Result<MeasuredBsdfData> parse(const TensorFileSpec& spec) {
  return parse_measured_bsdf(test::tensor_file_bytes(spec), "test.bsdf");
}

TensorField* field(TensorFileSpec* spec, const std::string& name) {
  for (TensorField& f : spec->fields)
    if (f.name == name) return &f;
  return nullptr;
}

void expect_error(const TensorFileSpec& spec, const std::string& words) {
  auto r = parse(spec);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find("test.bsdf: "), std::string::npos) << r.message();
  EXPECT_NE(r.message().find(words), std::string::npos) << r.message();
}

TEST(MeasuredBsdf, TablesComeBackInOrderAndShape) {
  auto r = parse(isotropic_spec());
  ASSERT_TRUE(r.is_ok()) << r.message();
  const MeasuredBsdfData& d = r.value();
  EXPECT_EQ(d.description, "test");
  EXPECT_TRUE(d.jacobian);
  EXPECT_TRUE(d.isotropic);
  EXPECT_EQ(d.theta_i, (std::vector<float>{0.0f, 0.5f, 1.0f}));
  EXPECT_EQ(d.phi_i, (std::vector<float>{0.0f}));
  EXPECT_EQ(d.wavelengths, (std::vector<float>{360.0f, 500.0f, 830.0f}));
  for (const MeasuredGrid* g : {&d.ndf, &d.sigma, &d.vndf, &d.luminance, &d.rgb}) {
    EXPECT_EQ(g->width, kW);
    EXPECT_EQ(g->height, kH);
  }
  EXPECT_EQ(d.ndf.slices, 1u);
  EXPECT_EQ(d.vndf.slices, 3u);
  EXPECT_EQ(d.rgb.slices, 9u);
  for (size_t s = 0; s < 3; ++s)
    for (size_t y = 0; y < kH; ++y)
      for (size_t x = 0; x < kW; ++x) {
        EXPECT_EQ(d.vndf.values[(s * kH + y) * kW + x], cell(s, y, x));
        EXPECT_EQ(d.luminance.values[(s * kH + y) * kW + x], cell(s, y, x));
      }
  EXPECT_EQ(d.sigma.values[2 * kW + 3], cell(0, 2, 3));
}

TEST(MeasuredBsdf, AnisotropicFilesSpanningTwoPi) {
  const float pi = std::numbers::pi_v<float>;
  auto r = parse(good_spec({-pi, 0.0f, pi}, {0.0f, 1.0f}, {400.0f, 700.0f},
                           [](size_t, size_t, size_t, size_t) { return 1.0f; }));
  ASSERT_TRUE(r.is_ok()) << r.message();
  EXPECT_FALSE(r->isotropic);
  EXPECT_EQ(r->vndf.slices, 6u);
  // Half the circle: a file reduced by symmetry, which pbrt-v4 refuses too.
  expect_error(good_spec({0.0f, pi / 2, pi}, {0.0f, 1.0f}, {400.0f, 700.0f},
                         [](size_t, size_t, size_t, size_t) { return 1.0f; }),
               "span 2 pi");
}

TEST(MeasuredBsdf, ConstantSpectrumReducesToThatGrey) {
  for (float rho : {0.25f, 0.8f, 1.0f}) {
    auto r = parse(good_spec({0.0f}, {0.0f, 1.0f}, {360.0f, 450.0f, 600.0f, 700.0f, 830.0f},
                             [rho](size_t, size_t, size_t, size_t) { return rho; }));
    ASSERT_TRUE(r.is_ok()) << r.message();
    for (float v : r->rgb.values) EXPECT_NEAR(v, rho, 1e-5f * rho);
  }
}

TEST(MeasuredBsdf, SpectraReduceAsTheirDirectProjection) {
  const std::vector<float> wl = {360.0f, 420.0f, 480.0f, 550.0f, 610.0f, 700.0f, 830.0f};
  auto spectrum = [](size_t s, size_t k, size_t y, size_t x) {
    return 0.1f + 0.05f * static_cast<float>((s * 7 + k * 3 + y * 5 + x * 11) % 13);
  };
  auto r = parse(good_spec({0.0f}, {0.0f, 1.0f}, wl, spectrum));
  ASSERT_TRUE(r.is_ok()) << r.message();
  for (size_t s = 0; s < 2; ++s)
    for (size_t y = 0; y < kH; ++y)
      for (size_t x = 0; x < kW; ++x) {
        std::vector<double> pairs;
        for (size_t k = 0; k < wl.size(); ++k) {
          pairs.push_back(wl[k]);
          pairs.push_back(spectrum(s, k, y, x));
        }
        const Rgb direct = piecewise_spectrum_rgb(pairs);
        for (size_t c = 0; c < 3; ++c) {
          EXPECT_NEAR(r->rgb.values[((s * 3 + c) * kH + y) * kW + x], direct[c],
                      1e-5f * std::abs(direct[c]) + 1e-6f);
        }
      }
}

TEST(MeasuredBsdf, RgbFilesAreTakenAsTheyAre) {
  TensorFileSpec spec = isotropic_spec();
  spec.fields.pop_back();  // spectra
  spec.fields.push_back(float_field("rgb", {1, 3, 3, kH, kW}, tables(9)));
  auto r = parse(spec);
  ASSERT_TRUE(r.is_ok()) << r.message();
  EXPECT_EQ(r->rgb.values, tables(9));
  EXPECT_TRUE(r->wavelengths.empty());
}

TEST(MeasuredBsdf, HeaderErrors) {
  TensorFileSpec spec = isotropic_spec();
  spec.magic = std::string("tensor_filf", 12);
  expect_error(spec, "not a tensor file");
  spec = isotropic_spec();
  spec.major = 2;
  expect_error(spec, "version 2.0");
  spec = isotropic_spec();
  spec.minor = 1;
  expect_error(spec, "version 1.1");
  spec = isotropic_spec();
  field(&spec, "ndf")->dtype = 12;
  expect_error(spec, "unknown data type 12");
}

TEST(MeasuredBsdf, EveryTruncationIsAnError) {
  const std::vector<uint8_t> bytes = test::tensor_file_bytes(isotropic_spec());
  ASSERT_TRUE(parse_measured_bsdf(bytes, "test.bsdf").is_ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = parse_measured_bsdf(std::span(bytes.data(), n), "test.bsdf");
    ASSERT_FALSE(r.is_ok()) << n;
    EXPECT_TRUE(r.message().find("truncated") != std::string::npos) << n << ": " << r.message();
  }
}

TEST(MeasuredBsdf, MismatchedExtentsAndMissingFields) {
  TensorFileSpec spec = isotropic_spec();
  *field(&spec, "vndf") = float_field("vndf", {1, 2, kH, kW}, tables(2));  // 3 theta_i
  expect_error(spec, "\"vndf\" does not match");
  spec = isotropic_spec();
  *field(&spec, "spectra") = float_field("spectra", {1, 3, 2, kH, kW}, tables(6));  // 3 nm
  expect_error(spec, "\"spectra\" does not match");
  spec = isotropic_spec();
  *field(&spec, "ndf") = float_field("ndf", {1, kW}, tables(1));
  expect_error(spec, "smaller than 2 x 2");
  spec = isotropic_spec();
  *field(&spec, "luminance") = float_field("luminance", {1, 3, kW, kH}, tables(3));
  expect_error(spec, "differ in table size");
  spec = isotropic_spec();
  *field(&spec, "theta_i") = float_field("theta_i", {3}, {0.0f, 1.0f, 0.5f});
  expect_error(spec, "strictly increasing");
  spec = isotropic_spec();
  field(&spec, "sigma")->dtype = test::kTensorUInt8;
  expect_error(spec, "\"sigma\" must be float32");
  spec = isotropic_spec();
  spec.fields.erase(spec.fields.begin() + 1);  // jacobian
  expect_error(spec, "no field \"jacobian\"");
  spec = isotropic_spec();
  spec.fields.pop_back();  // spectra, and no rgb either
  expect_error(spec, "neither \"spectra\" nor");
  spec = isotropic_spec();
  field(&spec, "spectra")->data.resize(4);  // the last data: fewer bytes than its extents say
  expect_error(spec, "beyond the end of the file");
  spec = isotropic_spec();
  field(&spec, "sigma")->shape = {1ull << 40, 1ull << 40};
  expect_error(spec, "larger than the file");
  spec = isotropic_spec();
  *field(&spec, "ndf") = float_field("ndf", {2, 2}, {0.0f, NAN, 1.0f, 1.0f});
  expect_error(spec, "not finite");
}

TEST(MeasuredBsdf, RandomlyChangedFilesNeverCrash) {
  const std::vector<uint8_t> good = test::tensor_file_bytes(isotropic_spec());
  std::mt19937 rng(7);
  int errors = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<uint8_t> bytes = good;
    const int changes = 1 + static_cast<int>(rng() % 4);
    for (int c = 0; c < changes; ++c) bytes[rng() % bytes.size()] = static_cast<uint8_t>(rng());
    auto r = parse_measured_bsdf(bytes, "test.bsdf");
    errors += r.is_ok() ? 0 : 1;
    if (r.is_ok()) {
      EXPECT_EQ(r->vndf.values.size(), r->vndf.slices * kW * kH);
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(MeasuredBsdf, ReadsFilesAndNamesMissingOnes) {
  const auto path = std::filesystem::temp_directory_path() / "tf_measured_bsdf_test.bsdf";
  const std::vector<uint8_t> bytes = test::tensor_file_bytes(isotropic_spec());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  auto r = read_measured_bsdf(path);
  EXPECT_TRUE(r.is_ok()) << r.message();
  std::filesystem::remove(path);
  auto missing = read_measured_bsdf(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find(path.string()), std::string::npos) << missing.message();
}

}  // namespace
}  // namespace tf::scene
