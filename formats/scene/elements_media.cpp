#include "formats/scene/elements_media.h"

#include <algorithm>
#include <array>

#include "formats/scene/try.h"

namespace tf::scene {
namespace {

constexpr const char* kDirective = "MakeNamedMedium";

// The grid media of pbrt-v4, which lenient loading replaces by a homogeneous medium.
constexpr std::array<const char*, 4> kGridMedia = {"uniformgrid", "rgbgrid", "cloud", "nanovdb"};

// Mean of a float parameter's values (uniformgrid's per-voxel density, cloud's single one),
// or `def` when it is absent or empty. Marks it used.
float mean_of(ParamSet& params, const std::string& name, float def) {
  const Param* p = params.get(name);
  params.mark_used(name);
  if (p == nullptr || p->numbers.empty()) return def;
  double sum = 0;
  for (double v : p->numbers) sum += v;
  return static_cast<float>(sum / static_cast<double>(p->numbers.size()));
}

// A coefficient: rgb, spectrum or float; default (1, 1, 1) as in pbrt-v4.
Result<Rgb> coefficient(ParamSet& params, const std::string& name, const FileLoc& loc) {
  TF_TRY(v, params.get_rgb(name));
  const Rgb c = v.value_or(Rgb{1, 1, 1});
  if (!(c[0] >= 0 && c[1] >= 0 && c[2] >= 0)) {
    return error_at(loc, kDirective, "\"" + name + "\" must be >= 0 in every channel");
  }
  return c;
}

}  // namespace

Result<std::optional<IrMedium>> make_medium(const std::string& type, ParamSet& params,
                                            const FileLoc& loc, Diagnostics& diag) {
  const bool grid = std::find(kGridMedia.begin(), kGridMedia.end(), type) != kGridMedia.end();
  if (type != "homogeneous" && !grid) {
    TF_CHECK(diag.unsupported(loc, kDirective, "medium type \"" + type + "\"",
                              "skipped (vacuum); supported: homogeneous"));
    params.mark_all_used();
    return std::optional<IrMedium>{};
  }
  if (grid) {
    TF_CHECK(diag.unsupported(loc, kDirective,
                              "medium type \"" + type + "\" (supported: homogeneous)",
                              "a homogeneous medium of the grid's mean density with its sigma_a, "
                              "sigma_s, scale and g"));
  }
  TF_TRY(preset, params.get_string("preset", ""));
  if (!preset.empty()) {
    TF_CHECK(diag.unsupported(loc, kDirective, "\"preset\" \"" + preset + "\" (measured data)",
                              "sigma_a and sigma_s as given (default 1)"));
  }
  IrMedium m;
  TF_TRY(sigma_a, coefficient(params, "sigma_a", loc));
  TF_TRY(sigma_s, coefficient(params, "sigma_s", loc));
  // uniformgrid and cloud: the mean density (cloud's is one value); nanovdb's is in its file.
  const float density = grid ? mean_of(params, "density", 1.0f) : 1.0f;
  TF_TRY(scale, params.get_float("scale", 1));
  if (!(scale >= 0) || !(density >= 0)) {
    return error_at(loc, kDirective, "\"scale\" and \"density\" must be >= 0");
  }
  for (size_t c = 0; c < 3; ++c) {
    m.sigma_a[c] = static_cast<float>(sigma_a[c] * scale * density);
    m.sigma_s[c] = static_cast<float>(sigma_s[c] * scale * density);
  }
  TF_TRY(g, params.get_float("g", 0));
  if (!(g > -1 && g < 1)) return error_at(loc, kDirective, "\"g\" must be in (-1, 1)");
  m.g = static_cast<float>(g);
  TF_TRY(le, params.get_rgb("Le"));
  TF_TRY(le_scale, params.get_float("Lescale", 1));
  const bool emits = le && std::max({(*le)[0], (*le)[1], (*le)[2]}) > 0 && le_scale != 0;
  if (emits || (grid && params.has("temperature"))) {
    TF_CHECK(diag.unsupported(loc, kDirective, "emissive media (\"Le\")", "no emission"));
  }
  if (grid) params.mark_all_used();  // the grid's bounds, resolution, files, temperature
  return std::optional<IrMedium>{m};
}

}  // namespace tf::scene
