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

// A grid's values of parameter `name` on the medium's nx * ny * nz samples: finite, and >= 0
// when `nonnegative`.
Result<DensityGrid> grid_of(const std::vector<double>& values, const std::string& name,
                            bool nonnegative, const FileLoc& loc, const DensityGrid& shape) {
  const size_t n = static_cast<size_t>(shape.nx) * shape.ny * shape.nz;
  if (values.size() != n) {
    return error_at(loc, kDirective,
                    "\"" + name + "\" has " + std::to_string(values.size()) +
                        " values; expected nx * ny * nz = " + std::to_string(n));
  }
  DensityGrid g{shape.p0, shape.p1, shape.nx, shape.ny, shape.nz, {}};
  g.density.reserve(n);
  for (double v : values) {
    if (!std::isfinite(v) || (nonnegative && !(v >= 0))) {
      return error_at(loc, kDirective,
                      "\"" + name + "\" values must be finite" + (nonnegative ? " and >= 0" : ""));
    }
    g.density.push_back(static_cast<float>(v));
  }
  return g;
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
  TF_TRY(grid, grid_of(density, "density", true, loc, m->grid));
  m->grid = std::move(grid);
  return Status::ok();
}

// A finite "Le" >= 0 in every channel, (0, 0, 0) when absent.
Result<Rgb> read_le(ParamSet& params, const FileLoc& loc) {
  TF_TRY(le, params.get_rgb("Le"));
  const Rgb c = le.value_or(Rgb{0, 0, 0});
  for (float v : c) {
    if (!(v >= 0) || !std::isfinite(v)) {
      return error_at(loc, kDirective, "\"Le\" must be finite and >= 0 in every channel");
    }
  }
  return c;
}

// pbrt-v4's HomogeneousMedium::Create: emission "Le" (an illuminant, read as lights read
// theirs) times "float Lescale" (default 1).
Status read_homogeneous_emission(ParamSet& params, const FileLoc& loc, IrMedium* m) {
  TF_TRY(le, read_le(params, loc));
  TF_TRY(scale, params.get_float("Lescale", 1));
  if (!(scale >= 0) || !std::isfinite(scale)) {
    return error_at(loc, kDirective, "\"Lescale\" must be finite and >= 0");
  }
  for (size_t c = 0; c < 3; ++c) m->le[c] = static_cast<float>(le[c] * scale);
  m->emissive = std::max({m->le[0], m->le[1], m->le[2]}) > 0;
  return Status::ok();
}

// pbrt-v4's GridMedium::Create: emission "Le" or a "temperature" grid (not both), times a
// "Lescale" grid (nx * ny * nz values; without it pbrt's 1 x 1 x 1 grid of 1, which fades
// towards the box as any cell-centred grid does); "temperatureoffset" (default
// "temperaturecutoff", default 0) and "temperaturescale" (default 1) map samples to kelvin.
Status read_grid_emission(ParamSet& params, const FileLoc& loc, IrMedium* m) {
  TF_TRY(le, read_le(params, loc));
  TF_TRY(temperature, params.get_floats("temperature"));
  TF_TRY(scale, params.get_floats("Lescale"));
  TF_TRY(cutoff, params.get_float("temperaturecutoff", 0));
  TF_TRY(offset, params.get_float("temperatureoffset", cutoff));
  TF_TRY(kelvin_scale, params.get_float("temperaturescale", 1));
  if (params.has("Le") && !temperature.empty()) {
    return error_at(loc, kDirective, "both \"Le\" and \"temperature\" were given");
  }
  if (temperature.empty() && !(std::max({le[0], le[1], le[2]}) > 0)) return Status::ok();
  if (!std::isfinite(offset) || !std::isfinite(kelvin_scale)) {
    return error_at(loc, kDirective, "\"temperatureoffset\" and \"temperaturescale\" must be finite");
  }
  m->emissive = true;
  m->le = le;
  if (scale.empty()) {
    m->le_scale = DensityGrid{m->grid.p0, m->grid.p1, 1, 1, 1, {1.0f}};
  } else {
    TF_TRY(grid, grid_of(scale, "Lescale", false, loc, m->grid));
    m->le_scale = std::move(grid);
  }
  if (!temperature.empty()) {
    TF_TRY(grid, grid_of(temperature, "temperature", false, loc, m->grid));
    m->temperature = std::move(grid);
    m->temperature_offset = static_cast<float>(offset);
    m->temperature_scale = static_cast<float>(kelvin_scale);
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
    TF_CHECK(set_nanovdb_grid(params, base_dir, loc, &m));
  }
  if (grid) {
    TF_CHECK(read_uniform_grid(params, loc, &m));
    TF_CHECK(read_grid_emission(params, loc, &m));
  }
  if (cloud) TF_CHECK(read_cloud(params, loc, &m));
  if (type == "homogeneous") TF_CHECK(read_homogeneous_emission(params, loc, &m));
  if (approximated) params.mark_all_used();  // the grid's bounds, resolution, files
  return std::optional<IrMedium>{m};
}

}  // namespace tf::scene
