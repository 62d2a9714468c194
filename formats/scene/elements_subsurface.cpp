#include "formats/scene/elements_subsurface.h"

#include <array>
#include <cmath>

#include "formats/scene/try.h"
#include "kernels/render/subsurface_albedo.h"

namespace tf::scene {
namespace {

constexpr const char* kDirective = "Material";

struct NamedScattering {
  const char* name;
  MeasuredScattering coefficients;
};

// Jensen, Marschner, Levoy and Hanrahan 2001, Table 1: sigma_s' and sigma_a in mm^-1 (R, G, B).
constexpr std::array<NamedScattering, 12> kJensen2001 = {{
    {"Apple", {{2.29f, 2.39f, 1.97f}, {0.0030f, 0.0034f, 0.046f}}},
    {"Chicken1", {{0.15f, 0.21f, 0.38f}, {0.015f, 0.077f, 0.19f}}},
    {"Chicken2", {{0.19f, 0.25f, 0.32f}, {0.018f, 0.088f, 0.20f}}},
    {"Cream", {{7.38f, 5.47f, 3.15f}, {0.0002f, 0.0028f, 0.0163f}}},
    {"Ketchup", {{0.18f, 0.07f, 0.03f}, {0.061f, 0.97f, 1.45f}}},
    {"Marble", {{2.19f, 2.62f, 3.00f}, {0.0021f, 0.0041f, 0.0071f}}},
    {"Potato", {{0.68f, 0.70f, 0.55f}, {0.0024f, 0.0090f, 0.12f}}},
    {"Skimmilk", {{0.70f, 1.22f, 1.90f}, {0.0014f, 0.0025f, 0.0142f}}},
    {"Skin1", {{0.74f, 0.88f, 1.01f}, {0.032f, 0.17f, 0.48f}}},
    {"Skin2", {{1.09f, 1.59f, 1.79f}, {0.013f, 0.070f, 0.145f}}},
    {"Spectralon", {{11.6f, 20.4f, 14.9f}, {0.00f, 0.00f, 0.00f}}},
    {"Wholemilk", {{2.55f, 3.21f, 3.77f}, {0.0011f, 0.0024f, 0.014f}}},
}};

// pbrt-v4's coefficients when none are given (its "Wholemilk" row).
constexpr MeasuredScattering kDefault = {{2.55f, 3.21f, 3.77f}, {0.0011f, 0.0024f, 0.014f}};

// The reflectance behind the constant coefficients of a medium whose reflectance is a
// texture: they split its extinction where a path is inside without having entered through
// its boundary (a camera inside it); paths that enter through it use the texture.
constexpr Rgb kTexturedFallbackReflectance = {0.5f, 0.5f, 0.5f};

// A constant colour parameter, or empty when absent; a texture is unsupported (strict: an
// error; lenient: empty, so that the caller's default applies).
Result<std::optional<Rgb>> constant_color(ParamSet& params, const std::string& name,
                                          const FileLoc& loc, const std::string& fallback,
                                          Diagnostics& diag) {
  TF_TRY(given, params.get_color_or_texture(name));
  if (!given) return std::optional<Rgb>{};
  if (!given->texture.empty()) {
    TF_CHECK(diag.unsupported(loc, kDirective, "subsurface \"" + name + "\" texture", fallback));
    return std::optional<Rgb>{};
  }
  for (float v : given->rgb) {
    if (!(v >= 0)) return error_at(loc, kDirective, "\"" + name + "\" must be >= 0");
  }
  return std::optional<Rgb>{given->rgb};
}

// The medium of phase asymmetry g and single-scattering albedo per channel whose dipole
// reflectance is `reflectance` and whose extinction is 1 / mfp.
IrMedium from_diffuse_reflectance(const Rgb& reflectance, const Rgb& mfp, float eta, float g) {
  IrMedium m;
  m.g = g;
  for (size_t c = 0; c < 3; ++c) {
    const double sigma_t = mfp[c] > 0 ? 1.0 / mfp[c] : 0.0;
    const double albedo = albedo_from_diffuse_reflectance(reflectance[c], eta);
    m.sigma_s[c] = static_cast<float>(albedo * sigma_t);
    m.sigma_a[c] = static_cast<float>((1 - albedo) * sigma_t);
  }
  return m;
}

}  // namespace

std::vector<float> albedo_table(float eta) {
  std::vector<float> table(TF_ALBEDO_TABLE_N);
  for (uint32_t i = 0; i < TF_ALBEDO_TABLE_N; ++i) {
    const double reflectance = static_cast<double>(i) / (TF_ALBEDO_TABLE_N - 1u);
    table[i] = static_cast<float>(albedo_from_diffuse_reflectance(reflectance, eta));
  }
  return table;
}

std::optional<MeasuredScattering> named_scattering(const std::string& name) {
  for (const NamedScattering& n : kJensen2001) {
    if (name == n.name) return n.coefficients;
  }
  return std::nullopt;
}

double dipole_diffuse_reflectance(double albedo, double eta) {
  const double fdr = -1.440 / (eta * eta) + 0.710 / eta + 0.668 + 0.0636 * eta;
  const double a = (1 + fdr) / (1 - fdr);
  const double root = std::sqrt(3 * (1 - albedo));
  return albedo / 2 * (1 + std::exp(-4.0 / 3.0 * a * root)) * std::exp(-root);
}

double albedo_from_diffuse_reflectance(double rd, double eta) {
  rd = std::fmin(std::fmax(rd, 0.0), 1.0);
  double lo = 0, hi = 1;
  for (int i = 0; i < 60; ++i) {  // bisection: 2^-60 of the unit interval
    const double mid = (lo + hi) / 2;
    (dipole_diffuse_reflectance(mid, eta) < rd ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

Result<IrMedium> make_subsurface_medium(ParamSet& params, const FileLoc& loc, float eta,
                                        bool reflectance_texture, Diagnostics& diag) {
  TF_TRY(scale, params.get_float("scale", 1));
  if (!(scale >= 0) || !std::isfinite(scale)) {
    return error_at(loc, kDirective, "\"scale\" must be finite and >= 0");
  }
  TF_TRY(g, params.get_float("g", 0));
  if (!(g > -1 && g < 1)) return error_at(loc, kDirective, "\"g\" must be in (-1, 1)");
  TF_TRY(name, params.get_string("name", ""));
  const std::string defaults = "pbrt's default coefficients";
  TF_TRY(sigma_a, constant_color(params, "sigma_a", loc, defaults, diag));
  TF_TRY(sigma_s, constant_color(params, "sigma_s", loc, defaults, diag));
  std::optional<Rgb> reflectance;  // a texture was consumed by the caller
  if (!reflectance_texture) {
    TF_TRY(constant, constant_color(params, "reflectance", loc, defaults, diag));
    reflectance = constant;
  }
  TF_TRY(mfp, constant_color(params, "mfp", loc, "mfp 1", diag));
  IrMedium m;
  m.g = static_cast<float>(g);
  MeasuredScattering coefficients = kDefault;
  if (!name.empty()) {
    std::optional<MeasuredScattering> named = named_scattering(name);
    if (!named) {
      TF_CHECK(diag.unsupported(loc, kDirective, "named medium \"" + name + "\"",
                                defaults + " (supported: the media of Jensen et al. 2001)"));
    }
    if (g != 0) {
      diag.warn(loc, kDirective, "non-zero \"g\" ignored with named scattering coefficients");
    }
    m.g = 0;  // the table holds reduced scattering coefficients
    coefficients = named.value_or(kDefault);
  } else if (params.has("sigma_a") != params.has("sigma_s")) {
    return error_at(loc, kDirective, "\"sigma_a\" and \"sigma_s\" must be given together");
  } else if (sigma_a && sigma_s) {
    coefficients = {*sigma_s, *sigma_a};
  } else if ((reflectance || reflectance_texture) && !params.has("sigma_a")) {
    const Rgb r = reflectance.value_or(kTexturedFallbackReflectance);
    for (float v : r) {
      if (v > 1) return error_at(loc, kDirective, "\"reflectance\" must be in [0, 1]");
    }
    Rgb mfree = mfp.value_or(Rgb{1, 1, 1});
    for (float& v : mfree) v = static_cast<float>(v * scale);
    IrMedium textured = from_diffuse_reflectance(r, mfree, eta, m.g);
    if (reflectance_texture) textured.albedo_table = albedo_table(eta);
    return textured;
  }
  for (size_t c = 0; c < 3; ++c) {
    m.sigma_a[c] = static_cast<float>(coefficients.sigma_a[c] * scale);
    m.sigma_s[c] = static_cast<float>(coefficients.sigma_prime_s[c] * scale);
  }
  return m;
}

}  // namespace tf::scene
