#include "formats/scene/elements_nanovdb.h"

#include <cmath>

#include "formats/scene/diagnostics.h"
#include "formats/scene/elements.h"
#include "formats/scene/nanovdb_grid.h"
#include "formats/scene/try.h"

namespace tf::scene {

Result<NanoVdbMedium> read_nanovdb_medium(ParamSet& params, const std::filesystem::path& base_dir,
                                          const FileLoc& loc) {
  const std::string d = "MakeNamedMedium";
  TF_TRY(filename, params.get_string("filename", ""));
  if (filename.empty()) return error_at(loc, d, "\"nanovdb\" requires \"string filename\"");
  TF_TRY(grid_name, params.get_string("gridname", "density"));
  TF_TRY(temperature_name, params.get_string("temperaturename", "temperature"));
  const std::filesystem::path path = resolve_scene_path(base_dir, filename);
  Result<std::optional<DensityGrid>> density = read_nanovdb_grid(path, grid_name);
  if (density.is_ok() && !density.value()) {
    return error_at(loc, d, "'" + path.string() + "' has no grid named \"" + grid_name + "\"");
  }
  Result<std::optional<DensityGrid>> temperature =
      density ? read_nanovdb_grid(path, temperature_name) : density;
  if (!temperature) return error_at(loc, d, temperature.message());
  NanoVdbMedium m{std::move(*density.value()), std::move(temperature.value())};
  TF_TRY(le_scale_old, params.get_float("LeScale", 1));
  TF_TRY(le_scale, params.get_float("Lescale", le_scale_old));
  TF_TRY(cutoff, params.get_float("temperaturecutoff", 0));
  TF_TRY(offset, params.get_float("temperatureoffset", cutoff));
  TF_TRY(scale, params.get_float("temperaturescale", 1));
  m.le_scale = static_cast<float>(le_scale);
  m.temperature_offset = static_cast<float>(offset);
  m.temperature_scale = static_cast<float>(scale);
  return m;
}

Status set_nanovdb_grid(ParamSet& params, const std::filesystem::path& base_dir, const FileLoc& loc,
                        IrMedium* m) {
  TF_TRY(nanovdb, read_nanovdb_medium(params, base_dir, loc));
  if (nanovdb.emissive()) {
    if (!std::isfinite(nanovdb.temperature_offset) || !std::isfinite(nanovdb.temperature_scale) ||
        !std::isfinite(nanovdb.le_scale)) {
      return error_at(loc, "MakeNamedMedium",
                      "\"Lescale\", \"temperatureoffset\" and \"temperaturescale\" must be finite");
    }
    m->emissive = true;
    m->temperature = std::move(nanovdb.temperature);
    m->temperature_offset = nanovdb.temperature_offset;
    m->temperature_scale = nanovdb.temperature_scale;
    m->blackbody_scale = nanovdb.le_scale;
  }
  m->kind = IrMedium::Kind::Grid;
  m->grid = std::move(nanovdb.density);
  return Status::ok();
}

}  // namespace tf::scene
