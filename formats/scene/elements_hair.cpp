#include "formats/scene/elements_hair.h"

#include <algorithm>
#include <cmath>

#include "formats/scene/try.h"

namespace tf::scene {
namespace {

// A colour parameter (rgb, spectrum or float) or nothing; a texture is unsupported.
Result<std::optional<Rgb>> hair_color_param(ParamSet& params, const std::string& name,
                                            const FileLoc& loc, ElementContext& ctx) {
  TF_TRY(texture, texture_given(params, name, "not given", loc, ctx));
  if (texture) return std::optional<Rgb>();
  return params.get_rgb(name);
}

}  // namespace

Rgb hair_sigma_a_from_color(Rgb c, double beta_n) {
  const double bn = beta_n;
  const double denom = 5.969 - 0.215 * bn + 2.532 * bn * bn - 10.73 * std::pow(bn, 3) +
                       5.574 * std::pow(bn, 4) + 0.245 * std::pow(bn, 5);
  Rgb sigma_a;
  for (size_t i = 0; i < 3; ++i) {
    const double x = std::log(std::clamp(static_cast<double>(c[i]), 0.0, 1.0)) / denom;
    sigma_a[i] = static_cast<float>(std::min(x * x, static_cast<double>(kHairMaxSigmaA)));
  }
  return sigma_a;
}

Rgb hair_sigma_a_from_melanin(double eumelanin, double pheomelanin) {
  const double ce = std::max(0.0, eumelanin), cp = std::max(0.0, pheomelanin);
  return {static_cast<float>(ce * 0.419 + cp * 0.187), static_cast<float>(ce * 0.697 + cp * 0.4),
          static_cast<float>(ce * 1.37 + cp * 1.05)};
}

Status read_hair(ParamSet& params, const FileLoc& loc, ElementContext& ctx, IrMaterial* m) {
  m->type = IrMaterial::Type::Hair;
  TF_TRY(eta, float_or_skip(params, "eta", 1.55, loc, ctx));
  TF_TRY(beta_m, float_or_skip(params, "beta_m", 0.3, loc, ctx));
  TF_TRY(beta_n, float_or_skip(params, "beta_n", 0.3, loc, ctx));
  TF_TRY(alpha, float_or_skip(params, "alpha", 2.0, loc, ctx));
  if (!(eta > 0) || !std::isfinite(eta)) return error_at(loc, "Material", "hair 'eta' must be > 0");
  if (!std::isfinite(alpha)) return error_at(loc, "Material", "hair 'alpha' must be finite");
  if (std::isnan(beta_m) || std::isnan(beta_n)) {
    return error_at(loc, "Material", "hair 'beta_m' and 'beta_n' must be numbers");
  }
  beta_m = std::clamp(beta_m, 0.01, 1.0);
  beta_n = std::clamp(beta_n, 0.01, 1.0);
  TF_TRY(sigma_a, hair_color_param(params, "sigma_a", loc, ctx));
  TF_TRY(color, hair_color_param(params, "color", loc, ctx));
  const bool melanin = params.has("eumelanin") || params.has("pheomelanin");
  TF_TRY(eumelanin, float_or_skip(params, "eumelanin", 0.0, loc, ctx));
  TF_TRY(pheomelanin, float_or_skip(params, "pheomelanin", 0.0, loc, ctx));
  auto ignored = [&](const char* what, const char* given) {
    ctx.diag.warn(loc, "Material",
                  std::string("hair: ignoring \"") + what + "\" since \"" + given + "\" was given");
  };
  if (sigma_a) {
    if (color) ignored("color", "sigma_a");
    if (melanin) ignored("eumelanin\"/\"pheomelanin", "sigma_a");
    for (float& c : *sigma_a) c = std::isnan(c) ? 0.0f : std::max(c, 0.0f);
    m->sigma_a = *sigma_a;
  } else if (color) {
    if (melanin) ignored("eumelanin\"/\"pheomelanin", "color");
    m->sigma_a = hair_sigma_a_from_color(*color, beta_n);
  } else if (melanin) {
    m->sigma_a = hair_sigma_a_from_melanin(eumelanin, pheomelanin);
  } else {
    m->sigma_a = hair_sigma_a_from_melanin(1.3, 0.0);  // pbrt's default: brown hair
  }
  m->eta = {static_cast<float>(eta), static_cast<float>(eta), static_cast<float>(eta)};
  m->beta_m = static_cast<float>(beta_m);
  m->beta_n = static_cast<float>(beta_n);
  m->hair_alpha = static_cast<float>(alpha);
  return Status::ok();
}

}  // namespace tf::scene
