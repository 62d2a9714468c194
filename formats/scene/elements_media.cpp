#include "formats/scene/elements_media.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "formats/scene/elements_nanovdb.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace {

constexpr const char* kDirective = "MakeNamedMedium";

// The grid media of pbrt-v4 that lenient loading replaces by a homogeneous medium.
constexpr std::array<const char*, 1> kApproximatedMedia = {"rgbgrid"};

// Mean of a float parameter's values, or `def` when it is absent or empty. Marks it used.
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

// sigma_a and sigma_s times `scale`, and g: what every medium type takes.
Status read_scattering(ParamSet& params, const FileLoc& loc, double scale, IrMedium* m) {
  if (!(scale >= 0)) return error_at(loc, kDirective, "\"scale\" and \"density\" must be >= 0");
  TF_TRY(sigma_a, coefficient(params, "sigma_a", loc));
  TF_TRY(sigma_s, coefficient(params, "sigma_s", loc));
  for (size_t c = 0; c < 3; ++c) {
    m->sigma_a[c] = static_cast<float>(sigma_a[c] * scale);
    m->sigma_s[c] = static_cast<float>(sigma_s[c] * scale);
  }
  TF_TRY(g, params.get_float("g", 0));
  if (!(g > -1 && g < 1)) return error_at(loc, kDirective, "\"g\" must be in (-1, 1)");
  m->g = static_cast<float>(g);
  return Status::ok();
}

// The medium's space of grid, cloud and nanovdb media: the inverse of the CTM.
Status set_space(const FileLoc& loc, const Mat4& world_from_medium, IrMedium* m) {
  std::optional<Mat4> inverse = world_from_medium.inverse();
  if (!inverse) return error_at(loc, kDirective, "the medium's transform is singular");
  m->medium_from_world = *inverse;
  return Status::ok();
}

// The box p0..p1 (pbrt's defaults (0,0,0)..(1,1,1)) and the medium's space of grid and cloud.
Status read_space(ParamSet& params, const FileLoc& loc, const Mat4& world_from_medium,
                  IrMedium* m) {
  TF_TRY(p0, params.get_point3("p0"));
  TF_TRY(p1, params.get_point3("p1"));
  const Vec3d a = p0.value_or(Vec3d{0, 0, 0}), b = p1.value_or(Vec3d{1, 1, 1});
  m->grid.p0 = {static_cast<float>(a.x), static_cast<float>(a.y), static_cast<float>(a.z)};
  m->grid.p1 = {static_cast<float>(b.x), static_cast<float>(b.y), static_cast<float>(b.z)};
  for (size_t c = 0; c < 3; ++c) {
    if (!(m->grid.p0[c] < m->grid.p1[c]) || !std::isfinite(m->grid.p1[c] - m->grid.p0[c])) {
      return error_at(loc, kDirective, "\"p0\" must be below \"p1\" on every axis");
    }
  }
  return set_space(loc, world_from_medium, m);
}

// pbrt-v4's GridMedium::Create: "density" (required) of nx * ny * nz values.
Status read_uniform_grid(ParamSet& params, const FileLoc& loc, IrMedium* m) {
  TF_TRY(density, params.get_floats("density"));
  if (density.empty()) return error_at(loc, kDirective, "\"uniformgrid\" requires \"density\"");
  TF_TRY(nx, params.get_int("nx", 1));
  TF_TRY(ny, params.get_int("ny", 1));
  TF_TRY(nz, params.get_int("nz", 1));
  if (nx < 1 || ny < 1 || nz < 1 || static_cast<double>(nx) * ny * nz != density.size()) {
    return error_at(loc, kDirective,
                    "\"density\" has " + std::to_string(density.size()) +
                        " values; expected nx * ny * nz (each >= 1)");
  }
  m->kind = IrMedium::Kind::Grid;
  m->grid.nx = static_cast<int>(nx), m->grid.ny = static_cast<int>(ny);
  m->grid.nz = static_cast<int>(nz);
  m->grid.density.reserve(density.size());
  for (double d : density) {
    if (!(d >= 0) || !std::isfinite(d)) {
      return error_at(loc, kDirective, "\"density\" values must be finite and >= 0");
    }
    m->grid.density.push_back(static_cast<float>(d));
  }
  return Status::ok();
}

// pbrt-v4's CloudMedium::Create (density 1, wispiness 1, frequency 5 by default).
Status read_cloud(ParamSet& params, const FileLoc& loc, IrMedium* m) {
  TF_TRY(density, params.get_float("density", 1));
  TF_TRY(wispiness, params.get_float("wispiness", 1));
  TF_TRY(frequency, params.get_float("frequency", 5));
  if (!std::isfinite(density) || !std::isfinite(wispiness) || !std::isfinite(frequency)) {
    return error_at(loc, kDirective, "\"density\", \"wispiness\" and \"frequency\" must be finite");
  }
  m->kind = IrMedium::Kind::Cloud;
  m->density = static_cast<float>(density);
  m->wispiness = static_cast<float>(wispiness);
  m->frequency = static_cast<float>(frequency);
  return Status::ok();
}

// Emission is not rendered: strict loading refuses it, lenient loading drops it.
Status check_emission(ParamSet& params, const FileLoc& loc, Diagnostics& diag) {
  TF_TRY(le, params.get_rgb("Le"));
  bool emits = le && std::max({(*le)[0], (*le)[1], (*le)[2]}) > 0;
  if (const Param* scale = params.get("Lescale"); scale != nullptr) {
    params.mark_used("Lescale");
    emits = emits && std::any_of(scale->numbers.begin(), scale->numbers.end(),
                                 [](double v) { return v != 0; });
  }
  if (params.has("temperature")) {
    emits = true;
    for (const char* name :
         {"temperature", "temperaturecutoff", "temperatureoffset", "temperaturescale"}) {
      params.mark_used(name);
    }
  }
  if (emits) {
    TF_CHECK(diag.unsupported(loc, kDirective, "emissive media (\"Le\", \"temperature\")",
                              "no emission"));
  }
  return Status::ok();
}

}  // namespace

Result<std::optional<IrMedium>> make_medium(const std::string& type, ParamSet& params,
                                            const FileLoc& loc, const Mat4& world_from_medium,
                                            const std::filesystem::path& base_dir,
                                            Diagnostics& diag) {
  const bool approximated = std::find(kApproximatedMedia.begin(), kApproximatedMedia.end(), type) !=
                            kApproximatedMedia.end();
  const bool grid = type == "uniformgrid", cloud = type == "cloud", nanovdb = type == "nanovdb";
  if (type != "homogeneous" && !grid && !cloud && !nanovdb && !approximated) {
    TF_CHECK(diag.unsupported(
        loc, kDirective, "medium type \"" + type + "\"",
        "skipped (vacuum); supported: homogeneous, uniformgrid, cloud, nanovdb"));
    params.mark_all_used();
    return std::optional<IrMedium>{};
  }
  if (approximated) {
    TF_CHECK(diag.unsupported(
        loc, kDirective,
        "medium type \"" + type + "\" (supported: homogeneous, uniformgrid, cloud, nanovdb)",
        "a homogeneous medium of the grid's mean density with its sigma_a, sigma_s, scale and g"));
  }
  TF_TRY(preset, params.get_string("preset", ""));
  if (!preset.empty()) {
    TF_CHECK(diag.unsupported(loc, kDirective, "\"preset\" \"" + preset + "\" (measured data)",
                              "sigma_a and sigma_s as given (default 1)"));
  }
  IrMedium m;
  // The approximated grids: their mean density.
  const float mean_density = approximated ? mean_of(params, "density", 1.0f) : 1.0f;
  double scale = 1;
  if (!cloud) {  // pbrt's CloudMedium takes no "scale"
    TF_TRY(s, params.get_float("scale", 1));
    scale = s;
  }
  if (!(mean_density >= 0)) return error_at(loc, kDirective, "\"density\" must be >= 0");
  TF_CHECK(read_scattering(params, loc, scale * mean_density, &m));
  if (grid || cloud) TF_CHECK(read_space(params, loc, world_from_medium, &m));
  if (nanovdb) {
    TF_CHECK(set_space(loc, world_from_medium, &m));
    TF_CHECK(set_nanovdb_grid(params, base_dir, loc, diag, &m));
  }
  if (grid) TF_CHECK(read_uniform_grid(params, loc, &m));
  if (cloud) TF_CHECK(read_cloud(params, loc, &m));
  TF_CHECK(check_emission(params, loc, diag));
  if (approximated) params.mark_all_used();  // the grid's bounds, resolution, files
  return std::optional<IrMedium>{m};
}

}  // namespace tf::scene
