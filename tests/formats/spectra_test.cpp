// Spectral data reduced to RGB (formats/scene/spectra.h) against published data, and pbrt-v4
// spectrum files:
// - the named metals' RGB optical constants are what optical_constant_rgb gives for pbrt-v4's
//   tabulated spectra (its Au and Cu tables, excerpted below for 380-780 nm);
// - the normal-incidence reflectance ((n-1)^2 + k^2) / ((n+1)^2 + k^2) of each channel's RGB
//   constants is one that the tabulated data give at some wavelength of that channel's band;
// - spectrum files: a good file (comments, any line breaks), a malformed line, a file of odd
//   length, decreasing wavelengths and a missing file, whose errors name file and line.
#include "formats/scene/spectra.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tf::scene {
namespace {

// pbrt-v4 src/pbrt/util/spectrum.cpp, Au_eta / Au_k / Cu_eta / Cu_k (Palik), the samples from
// 375 to 800 nm: interleaved (wavelength nm, value).
const std::vector<double> kAuEta = {
    375.709625, 1.696000, 381.489777, 1.684750, 387.450562, 1.674000, 393.600555, 1.666000,
    399.948975, 1.658000, 406.505493, 1.647250, 413.280579, 1.636000, 420.285339, 1.628000,
    427.531647, 1.616000, 435.032196, 1.596250, 442.800629, 1.562000, 450.851562, 1.502125,
    459.200653, 1.426000, 467.864838, 1.345875, 476.862213, 1.242000, 486.212463, 1.086750,
    495.936707, 0.916000, 506.057861, 0.754500, 516.600769, 0.608000, 527.592224, 0.491750,
    539.061646, 0.402000, 551.040771, 0.345500, 563.564453, 0.306000, 576.670593, 0.267625,
    590.400818, 0.236000, 604.800842, 0.212375, 619.920898, 0.194000, 635.816284, 0.177750,
    652.548279, 0.166000, 670.184753, 0.161000, 688.800964, 0.160000, 708.481018, 0.160875,
    729.318665, 0.164000, 751.419250, 0.169500, 774.901123, 0.176000, 799.897949, 0.181375};
const std::vector<double> kAuK = {
    375.709625, 1.906000, 381.489777, 1.922500, 387.450562, 1.936000, 393.600555, 1.947750,
    399.948975, 1.956000, 406.505493, 1.959375, 413.280579, 1.958000, 420.285339, 1.951375,
    427.531647, 1.940000, 435.032196, 1.924500, 442.800629, 1.904000, 450.851562, 1.875875,
    459.200653, 1.846000, 467.864838, 1.814625, 476.862213, 1.796000, 486.212463, 1.797375,
    495.936707, 1.840000, 506.057861, 1.956500, 516.600769, 2.120000, 527.592224, 2.326250,
    539.061646, 2.540000, 551.040771, 2.730625, 563.564453, 2.880000, 576.670593, 2.940625,
    590.400818, 2.970000, 604.800842, 3.015000, 619.920898, 3.060000, 635.816284, 3.070000,
    652.548279, 3.150000, 670.184753, 3.445812, 688.800964, 3.800000, 708.481018, 4.087687,
    729.318665, 4.357000, 751.419250, 4.610188, 774.901123, 4.860000, 799.897949, 5.125813};
const std::vector<double> kCuEta = {
    375.709625, 1.225000, 381.489777, 1.200000, 387.450562, 1.180000, 393.600555, 1.174375,
    399.948975, 1.175000, 406.505493, 1.177500, 413.280579, 1.180000, 420.285339, 1.178125,
    427.531647, 1.175000, 435.032196, 1.172812, 442.800629, 1.170000, 450.851562, 1.165312,
    459.200653, 1.160000, 467.864838, 1.155312, 476.862213, 1.150000, 486.212463, 1.142812,
    495.936707, 1.135000, 506.057861, 1.131562, 516.600769, 1.120000, 527.592224, 1.092437,
    539.061646, 1.040000, 551.040771, 0.950375, 563.564453, 0.826000, 576.670593, 0.645875,
    590.400818, 0.468000, 604.800842, 0.351250, 619.920898, 0.272000, 635.816284, 0.230813,
    652.548279, 0.214000, 670.184753, 0.209250, 688.800964, 0.213000, 708.481018, 0.216250,
    729.318665, 0.223000, 751.419250, 0.236500, 774.901123, 0.250000, 799.897949, 0.254188};
const std::vector<double> kCuK = {
    375.709625, 2.015000, 381.489777, 2.121562, 387.450562, 2.210000, 393.600555, 2.177188,
    399.948975, 2.130000, 406.505493, 2.160063, 413.280579, 2.210000, 420.285339, 2.249938,
    427.531647, 2.289000, 435.032196, 2.326000, 442.800629, 2.362000, 450.851562, 2.397625,
    459.200653, 2.433000, 467.864838, 2.469187, 476.862213, 2.504000, 486.212463, 2.535875,
    495.936707, 2.564000, 506.057861, 2.589625, 516.600769, 2.605000, 527.592224, 2.595562,
    539.061646, 2.583000, 551.040771, 2.576500, 563.564453, 2.599000, 576.670593, 2.678062,
    590.400818, 2.809000, 604.800842, 3.010750, 619.920898, 3.240000, 635.816284, 3.458187,
    652.548279, 3.670000, 670.184753, 3.863125, 688.800964, 4.050000, 708.481018, 4.239563,
    729.318665, 4.430000, 751.419250, 4.619563, 774.901123, 4.817000, 799.897949, 5.034125};

struct Metal {
  const char* name;
  const std::vector<double>* eta;
  const std::vector<double>* k;
};
const Metal kMetals[] = {{"Au", &kAuEta, &kAuK}, {"Cu", &kCuEta, &kCuK}};

// Linear interpolation of interleaved pairs at l (inside their range).
double at(const std::vector<double>& pairs, double l) {
  for (size_t i = 0; i + 3 < pairs.size(); i += 2) {
    if (l >= pairs[i] && l <= pairs[i + 2]) {
      const double t = (l - pairs[i]) / (pairs[i + 2] - pairs[i]);
      return pairs[i + 1] + t * (pairs[i + 3] - pairs[i + 1]);
    }
  }
  ADD_FAILURE() << l << " nm is outside the table";
  return 0;
}

double normal_reflectance(double n, double k) {
  return ((n - 1) * (n - 1) + k * k) / ((n + 1) * (n + 1) + k * k);
}

// The table in spectra.cpp is rounded to three decimals; the excerpt starts at 375.7 nm, so
// the reduction sees the same data over 380-780 nm.
TEST(Spectra, NamedMetalsAreTheReductionOfThePublishedTables) {
  for (const Metal& m : kMetals) {
    const Rgb eta = optical_constant_rgb(*m.eta), k = optical_constant_rgb(*m.k);
    const Rgb named_eta = named_spectrum_rgb(std::string("metal-") + m.name + "-eta").value();
    const Rgb named_k = named_spectrum_rgb(std::string("metal-") + m.name + "-k").value();
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(eta[c], named_eta[c], 6e-4) << m.name << " eta, channel " << c;
      EXPECT_NEAR(k[c], named_k[c], 6e-4) << m.name << " k, channel " << c;
    }
  }
}

// A channel's constants average n and k over that channel's band, so the reflectance they give
// is not the reflectance at one wavelength: across the bands gold's and copper's reflectance
// changes by up to 0.4 (their absorption edge lies at 500-600 nm). What must hold is that it
// is a reflectance the metal has within the band: between the smallest and the largest
// spectral reflectance sampled every 5 nm across the channel's half-maximum band (red 580-650,
// green 500-590, blue 430-490 nm), give or take 0.01 (R is not linear in n and k).
TEST(Spectra, NormalIncidenceReflectanceMatchesTheTabulatedData) {
  const double band[3][2] = {{580, 650}, {500, 590}, {430, 490}};
  for (const Metal& m : kMetals) {
    const Rgb eta = named_spectrum_rgb(std::string("metal-") + m.name + "-eta").value();
    const Rgb k = named_spectrum_rgb(std::string("metal-") + m.name + "-k").value();
    for (int c = 0; c < 3; ++c) {
      double lo = 1, hi = 0;
      for (double l = band[c][0]; l <= band[c][1]; l += 5) {
        const double r = normal_reflectance(at(*m.eta, l), at(*m.k, l));
        lo = std::min(lo, r);
        hi = std::max(hi, r);
      }
      const double rgb = normal_reflectance(eta[c], k[c]);
      EXPECT_GE(rgb, lo - 0.01) << m.name << ", channel " << c;
      EXPECT_LE(rgb, hi + 0.01) << m.name << ", channel " << c;
      EXPECT_LT(hi - lo, 0.45) << m.name << ", channel " << c;  // the bands are not the whole range
    }
  }
}

TEST(Spectra, OpticalConstantReduction) {
  const std::vector<double> flat = {300, 1.7, 900, 1.7};
  for (float v : optical_constant_rgb(flat)) EXPECT_FLOAT_EQ(v, 1.7f);
  // Rising with wavelength: red gets the largest value, blue the smallest, all within range.
  const std::vector<double> ramp = {380, 1.0, 780, 2.0};
  const Rgb r = optical_constant_rgb(ramp);
  EXPECT_GT(r[0], r[1]);
  EXPECT_GT(r[1], r[2]);
  EXPECT_GE(r[2], 1.0f);
  EXPECT_LE(r[0], 2.0f);
}

class SpectrumFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const std::filesystem::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tf_spectra_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SpectrumFile, ReadsPairsWithCommentsAndAnyLayout) {
  const auto p = write("good.spd", "# gold-ish\n400 0.5   450 0.6 # inline comment\n500\n0.7\n\n");
  Result<std::vector<double>> r = read_spectrum_file(p);
  ASSERT_TRUE(r.is_ok()) << r.message();
  EXPECT_EQ(r.value(), (std::vector<double>{400, 0.5, 450, 0.6, 500, 0.7}));
}

TEST_F(SpectrumFile, MalformedLineIsNamed) {
  const auto p = write("bad.spd", "400 1.0\n450 1.1\n500 abc\n");
  Result<std::vector<double>> r = read_spectrum_file(p);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find(p.string() + ":3:"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("abc"), std::string::npos) << r.message();
}

TEST_F(SpectrumFile, OddCountAndDecreasingWavelengthsAreErrors) {
  const auto odd = write("odd.spd", "400 1.0\n450\n");
  Result<std::vector<double>> r = read_spectrum_file(odd);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find(odd.string() + ":2:"), std::string::npos) << r.message();
  const auto down = write("down.spd", "500 1.0\n450 1.1\n");
  r = read_spectrum_file(down);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find(down.string() + ":2:"), std::string::npos) << r.message();
  r = read_spectrum_file(write("empty.spd", "# nothing\n"));
  EXPECT_FALSE(r.is_ok());
}

TEST_F(SpectrumFile, MissingFileIsNamed) {
  const auto p = dir_ / "missing.spd";
  Result<std::vector<double>> r = read_spectrum_file(p);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find(p.string()), std::string::npos) << r.message();
}

}  // namespace
}  // namespace tf::scene
