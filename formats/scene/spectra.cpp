#include "formats/scene/spectra.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace tf::scene {
namespace {

double piecewise_gaussian(double x, double mu, double sigma_lo, double sigma_hi) {
  const double t = (x - mu) / (x < mu ? sigma_lo : sigma_hi);
  return std::exp(-0.5 * t * t);
}

}  // namespace

double cie_x(double l) {
  return 1.056 * piecewise_gaussian(l, 599.8, 37.9, 31.0) +
         0.362 * piecewise_gaussian(l, 442.0, 16.0, 26.7) -
         0.065 * piecewise_gaussian(l, 501.1, 20.4, 26.2);
}
double cie_y(double l) {
  return 0.821 * piecewise_gaussian(l, 568.8, 46.9, 40.5) +
         0.286 * piecewise_gaussian(l, 530.9, 16.3, 31.1);
}
double cie_z(double l) {
  return 1.217 * piecewise_gaussian(l, 437.0, 11.8, 36.0) +
         0.681 * piecewise_gaussian(l, 459.0, 26.0, 13.8);
}

double planck(double nm, double kelvin) {
  const double c = 299792458.0, h = 6.62606957e-34, kb = 1.3806488e-23;
  const double l = nm * 1e-9;
  return (2 * h * c * c) / (std::pow(l, 5) * (std::exp((h * c) / (l * kb * kelvin)) - 1));
}

namespace {

// XYZ (D65-relative) to linear sRGB, IEC 61966-2-1.
Rgb xyz_to_srgb(double x, double y, double z) {
  return {static_cast<float>(3.2404542 * x - 1.5371385 * y - 0.4985314 * z),
          static_cast<float>(-0.9692660 * x + 1.8760108 * y + 0.0415560 * z),
          static_cast<float>(0.0556434 * x - 0.2040259 * y + 1.0572252 * z)};
}

template <class F>
void integrate_xyz(F spectrum, double* x, double* y, double* z) {
  *x = *y = *z = 0;
  for (double l = 360; l <= 830; l += 1) {
    const double s = spectrum(l);
    *x += s * cie_x(l);
    *y += s * cie_y(l);
    *z += s * cie_z(l);
  }
}

// The piecewise-linear spectrum `pairs` at wavelength l; outside the tabulated range 0, or
// the nearest end value when `clamp`.
double piecewise_at(std::span<const double> pairs, double l, bool clamp) {
  const size_t n = pairs.size() / 2;
  if (l <= pairs[0]) return l == pairs[0] || clamp ? pairs[1] : 0.0;
  if (l >= pairs[2 * (n - 1)]) return l == pairs[2 * (n - 1)] || clamp ? pairs[2 * n - 1] : 0.0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const double l0 = pairs[2 * i], l1 = pairs[2 * i + 2];
    if (l >= l0 && l <= l1) {
      const double t = l1 > l0 ? (l - l0) / (l1 - l0) : 0;
      return pairs[2 * i + 1] * (1 - t) + pairs[2 * i + 3] * t;
    }
  }
  return 0.0;
}

struct NamedRgb {
  const char* name;
  Rgb value;
};

// Conductor optical constants as one value per linear sRGB channel: the average of the
// measured n and k (the tables behind pbrt-v4's metal-* spectra: Palik's handbook data) over
// 380-780 nm, weighted by that channel's colour-matching function (the XYZ -> sRGB row applied
// to the CIE fit above, negative lobes clipped to zero), as optical_constant_rgb computes it.
// CuZn (brass) uses the widely published RGB values of the same kind. MgO and TiO2 are
// dielectrics: k is zero in the visible range. These are all of pbrt-v4's named metals.
constexpr NamedRgb kMetals[] = {
    {"metal-Ag-eta", {0.129f, 0.126f, 0.149f}},   {"metal-Ag-k", {3.736f, 3.261f, 2.485f}},
    {"metal-Al-eta", {1.219f, 0.927f, 0.625f}},   {"metal-Al-k", {7.262f, 6.570f, 5.493f}},
    {"metal-Au-eta", {0.278f, 0.470f, 1.445f}},   {"metal-Au-k", {2.980f, 2.503f, 1.876f}},
    {"metal-Cu-eta", {0.424f, 0.953f, 1.163f}},   {"metal-Cu-k", {3.057f, 2.613f, 2.396f}},
    {"metal-CuZn-eta", {0.444f, 0.527f, 1.094f}}, {"metal-CuZn-k", {3.695f, 2.765f, 1.829f}},
    {"metal-MgO-eta", {1.737f, 1.742f, 1.752f}},  {"metal-MgO-k", {0.0f, 0.0f, 0.0f}},
    {"metal-TiO2-eta", {2.908f, 2.969f, 3.166f}}, {"metal-TiO2-k", {0.0f, 0.0f, 0.0f}},
};

// Refractive index n_d (587.6 nm) from the Schott and Hoya catalogues; pbrt-v4's tables for
// these glasses give the same index at 587.6 nm to within 5e-5. pbrt-v4 names the dense flints
// SF5, SF10 and SF11 "glass-F5", "glass-F10" and "glass-F11".
constexpr NamedRgb kGlasses[] = {
    {"glass-BK7", {1.5168f, 1.5168f, 1.5168f}},   {"glass-BAF10", {1.6700f, 1.6700f, 1.6700f}},
    {"glass-FK51A", {1.4866f, 1.4866f, 1.4866f}}, {"glass-LASF9", {1.8503f, 1.8503f, 1.8503f}},
    {"glass-F5", {1.6727f, 1.6727f, 1.6727f}},    {"glass-F10", {1.7283f, 1.7283f, 1.7283f}},
    {"glass-F11", {1.7847f, 1.7847f, 1.7847f}},
};

}  // namespace

Rgb blackbody_rgb(double kelvin) {
  if (!(kelvin > 0)) return {0, 0, 0};
  double x, y, z;
  integrate_xyz([&](double l) { return planck(l, kelvin); }, &x, &y, &z);
  if (!(y > 0)) return {0, 0, 0};
  return xyz_to_srgb(x / y, 1.0, z / y);
}

Rgb blackbody_film_rgb(double kelvin) {
  if (!(kelvin > 0)) return {0, 0, 0};
  const double peak = planck(2.8977721e-3 / kelvin * 1e9, kelvin);
  double x, y, z;
  integrate_xyz([&](double l) { return planck(l, kelvin) / peak; }, &x, &y, &z);
  return xyz_to_srgb(x, y, z);
}

Rgb piecewise_spectrum_rgb(std::span<const double> pairs) {
  const size_t n = pairs.size() / 2;
  if (n == 0) return {0, 0, 0};
  bool constant = true;
  for (size_t i = 1; i < n; ++i) constant = constant && pairs[2 * i + 1] == pairs[1];
  if (constant) {
    const float c = static_cast<float>(pairs[1]);
    return {c, c, c};
  }
  auto eval = [&](double l) { return piecewise_at(pairs, l, false); };
  double x, y, z, wx, wy, wz;
  integrate_xyz(eval, &x, &y, &z);
  integrate_xyz([](double) { return 1.0; }, &wx, &wy, &wz);
  const Rgb rgb = xyz_to_srgb(x / wy, y / wy, z / wy);
  const Rgb white = xyz_to_srgb(wx / wy, 1.0, wz / wy);
  return {rgb[0] / white[0], rgb[1] / white[1], rgb[2] / white[2]};
}

Rgb optical_constant_rgb(std::span<const double> pairs) {
  if (pairs.size() < 2) return {0, 0, 0};
  double sum[3] = {0, 0, 0}, weight[3] = {0, 0, 0};
  for (double l = 380; l <= 780; l += 1) {
    const double v = piecewise_at(pairs, l, true);
    const Rgb w = xyz_to_srgb(cie_x(l), cie_y(l), cie_z(l));
    for (int c = 0; c < 3; ++c) {
      const double wc = std::max(0.0, static_cast<double>(w[c]));
      sum[c] += wc * v;
      weight[c] += wc;
    }
  }
  return {static_cast<float>(sum[0] / weight[0]), static_cast<float>(sum[1] / weight[1]),
          static_cast<float>(sum[2] / weight[2])};
}

Result<std::vector<double>> read_spectrum_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{path.string() + ": cannot open spectrum file"};
  std::vector<double> values;
  std::string line;
  int line_no = 0, last_line = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream words(line.substr(0, line.find('#')));
    std::string word;
    while (words >> word) {
      const std::string at = path.string() + ":" + std::to_string(line_no) + ": ";
      char* end = nullptr;
      const double v = std::strtod(word.c_str(), &end);
      if (end != word.c_str() + word.size() || !std::isfinite(v)) {
        return Error{at + "expected a number, got \"" + word + "\""};
      }
      if (values.size() % 2 == 0 && !values.empty() && !(v > values[values.size() - 2])) {
        return Error{at + "wavelengths must increase (" + word + " after " +
                     std::to_string(values[values.size() - 2]) + ")"};
      }
      values.push_back(v);
      last_line = line_no;
    }
  }
  if (values.empty()) return Error{path.string() + ": no (wavelength, value) pairs"};
  if (values.size() % 2 != 0) {
    return Error{path.string() + ":" + std::to_string(last_line) +
                 ": a wavelength without a value (the file must hold pairs)"};
  }
  return values;
}

std::optional<Rgb> named_spectrum_rgb(std::string_view name) {
  for (const auto& m : kMetals)
    if (name == m.name) return m.value;
  for (const auto& g : kGlasses)
    if (name == g.name) return g.value;
  return std::nullopt;
}

}  // namespace tf::scene
