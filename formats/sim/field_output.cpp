#include "formats/sim/field_output.h"

#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <system_error>

#include "formats/fileio/atomic_write.h"
#include "formats/sim/legend_font.h"
#include "formats/sim/viridis.h"
#include "formats/sim/vtk_output.h"

namespace tf::sim {
namespace {

namespace fs = std::filesystem;

const char* side_kind_name(SideKind k) {
  switch (k) {
    case SideKind::wall:
      return "wall";
    case SideKind::moving_wall:
      return "moving_wall";
    case SideKind::inlet:
      return "inlet";
    case SideKind::outlet:
      return "outlet";
    case SideKind::periodic:
      return "periodic";
    case SideKind::insulated:
      return "insulated";
    case SideKind::fixed:
      return "fixed";
  }
  return "unknown";
}

// Values of the mid-z slice of a field (3D) or the field itself (2D).
std::vector<float> plane(const std::vector<float>& values, Extent size) {
  const auto layer = static_cast<std::size_t>(size.nx) * static_cast<std::size_t>(size.ny);
  const auto z = static_cast<std::size_t>(size.nz / 2);
  return {values.begin() + static_cast<std::ptrdiff_t>(z * layer),
          values.begin() + static_cast<std::ptrdiff_t>((z + 1) * layer)};
}

Status write_preview(const fs::path& path, const std::vector<float>& values, Extent size) {
  std::vector<float> slice = plane(values, size);
  float lo = INFINITY, hi = -INFINITY;
  for (float v : slice) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!(lo <= hi)) lo = hi = 0.0f;
  if (hi <= lo) hi = lo + 1.0f;
  return write_field_png(path, slice, {size.nx, size.ny, 1}, lo, hi);
}

}  // namespace

Status write_npy(const fs::path& path, const std::vector<float>& values, Extent size) {
  if (values.size() != static_cast<std::size_t>(size.cell_count())) {
    return Error{"write_npy " + path.string() + ": field size does not match the grid"};
  }
  std::string shape = size.nz > 1
                          ? "(" + std::to_string(size.nz) + ", " + std::to_string(size.ny) + ", " +
                                std::to_string(size.nx) + ")"
                          : "(" + std::to_string(size.ny) + ", " + std::to_string(size.nx) + ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header, padded with spaces and a newline to a
  // multiple of 64 bytes.
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes.push_back('\x01');
  bytes.push_back('\x00');
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  const std::size_t data_at = bytes.size();
  bytes.resize(data_at + values.size() * sizeof(float));
  std::memcpy(bytes.data() + data_at, values.data(), values.size() * sizeof(float));  // x86/ARM: LE
  return write_file_atomically(path, bytes);
}

std::array<unsigned char, 3> viridis_rgb8(float t) {
  const float clamped = t > 0.0f ? (t < 1.0f ? t : 1.0f) : 0.0f;  // NaN -> 0
  const float pos = clamped * 255.0f;
  const auto i = static_cast<std::size_t>(std::min(pos, 254.0f));
  const float frac = pos - static_cast<float>(i);
  std::array<unsigned char, 3> rgb{};
  for (std::size_t c = 0; c < 3; ++c) {
    const float v = kViridis[i][c] * (1.0f - frac) + kViridis[i + 1][c] * frac;
    rgb[c] = static_cast<unsigned char>(std::lround(v * 255.0f));
  }
  return rgb;
}

int png_cell_scale(Extent size) {
  constexpr int kMinSide = 512;
  const int side = std::max(size.nx, size.ny);
  return side >= kMinSide ? 1 : (kMinSide + side - 1) / side;
}

Status write_field_png(const fs::path& path, const std::vector<float>& values, Extent size,
                       float lo, float hi) {
  if (size.nz != 1 || values.size() != static_cast<std::size_t>(size.cell_count()) ||
      values.empty()) {
    return Error{"write_field_png " + path.string() + ": expected a non-empty 2D field"};
  }
  if (!(hi > lo)) return Error{"write_field_png " + path.string() + ": need hi > lo"};
  constexpr int kGap = 8, kBar = 24, kLabelGap = 6, kTextScale = 2, kLabelChars = 10;
  constexpr int kCharStep = (kGlyphWidth + 1) * kTextScale;
  const int scale = png_cell_scale(size);
  const int field_width = size.nx * scale;
  const int height = size.ny * scale;
  const int bar_x = field_width + kGap;
  const int label_x = bar_x + kBar + kLabelGap;
  const int width = label_x + kLabelChars * kCharStep;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * height * 3, 255);
  auto put = [&](int x, int row, std::array<unsigned char, 3> rgb) {
    auto at = (static_cast<std::size_t>(row) * width + x) * 3;
    std::copy(rgb.begin(), rgb.end(), pixels.begin() + static_cast<std::ptrdiff_t>(at));
  };
  for (int row = 0; row < height; ++row) {
    const int y = size.ny - 1 - row / scale;  // image rows run top-down; y runs up
    for (int x = 0; x < field_width; ++x) {
      const float v = values[static_cast<std::size_t>(y) * size.nx + x / scale];
      put(x, row, viridis_rgb8((v - lo) / (hi - lo)));
    }
    const float t =
        height > 1 ? static_cast<float>(height - 1 - row) / static_cast<float>(height - 1) : 0.5f;
    for (int x = bar_x; x < bar_x + kBar; ++x) put(x, row, viridis_rgb8(t));
  }
  // Labels: hi beside the top of the bar, lo beside its bottom, in black.
  const auto label = [&](float value, int top) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", double{value});
    for (int i = 0; text[i] != '\0' && i < kLabelChars; ++i) {
      const std::optional<Glyph> glyph = legend_glyph(text[i]);
      if (!glyph) continue;
      for (int gy = 0; gy < kGlyphHeight * kTextScale; ++gy) {
        for (int gx = 0; gx < kGlyphWidth * kTextScale; ++gx) {
          if (((*glyph)[static_cast<std::size_t>(gy / kTextScale)] >>
               (kGlyphWidth - 1 - gx / kTextScale)) & 1) {
            put(label_x + i * kCharStep + gx, top + gy, {0, 0, 0});
          }
        }
      }
    }
  };
  constexpr int kLabelHeight = kGlyphHeight * kTextScale;
  if (height >= 2 * kLabelHeight + 4) {
    label(hi, 0);
    label(lo, height - kLabelHeight);
  }
  return replace_file_atomically(path, [&](const fs::path& tmp) -> Status {
    try {
      auto out = OIIO::ImageOutput::create(tmp.string());
      if (!out) return Error{"cannot create a PNG writer for " + path.string()};
      OIIO::ImageSpec spec(width, height, 3, OIIO::TypeDesc::UINT8);
      char description[96];
      std::snprintf(description, sizeof description, "min=%.9g max=%.9g", double{lo}, double{hi});
      spec.attribute("ImageDescription", description);
      spec.attribute("oiio:ColorSpace", "sRGB");
      if (!out->open(tmp.string(), spec) ||
          !out->write_image(OIIO::TypeDesc::UINT8, pixels.data()) || !out->close()) {
        return Error{"cannot write " + path.string() + ": " + out->geterror()};
      }
    } catch (const std::exception& e) {
      return Error{"cannot write " + path.string() + ": " + e.what()};
    }
    return Status::ok();
  });
}

Status write_meta_json(const fs::path& path, const RunSpec& run, const TileState& state,
                       long long step, const std::vector<std::string>& field_files) {
  const BatchSpec& s = run.spec;
  nlohmann::json j;
  j["model"] = std::string(model_name(s.model));
  j["kernel_version"] = std::string(kernel_version(s.model));
  j["batch"] = s.name;
  j["run"] = run.name;
  j["step"] = step;
  j["steps"] = s.steps;
  j["grid"] = dimension_count(s.model) == 3 ? nlohmann::json{s.grid.nx, s.grid.ny, s.grid.nz}
                                            : nlohmann::json{s.grid.nx, s.grid.ny};
  j["layout"] = "float32 .npy, C order, shape (ny, nx) or (nz, ny, nx), row 0 = y 0 (bottom)";
  nlohmann::json sides;
  for (int i = 0; i < 2 * dimension_count(s.model); ++i) {
    sides[std::string(kSideNames[static_cast<std::size_t>(i)])] =
        side_kind_name(s.sides[static_cast<std::size_t>(i)]);
  }
  j["boundaries"] = sides;
  j["parameters"] = s.parameters;
  nlohmann::json lattice;
  if (s.model == Model::d2q9 || s.model == Model::d3q19) {
    const double tau = 1.0 / double{state.lbm.omega};
    lattice["collision"] = s.collision == Collision::trt ? "trt" : "bgk";
    lattice["tau"] = tau;
    lattice["viscosity"] = (tau - 0.5) / 3.0;
    lattice["omega_minus"] = state.lbm.omega_minus;
    lattice["lid_velocity"] = state.lbm.wall_ux;
    lattice["force"] = {state.lbm.force_x, state.lbm.force_y, state.lbm.force_z};
    lattice["inlet_velocity"] = {state.lbm.inlet_ux, state.lbm.inlet_uy, state.lbm.inlet_uz};
    lattice["inlet_profile"] =
        s.inlet_profile == InletProfile::parabolic ? "parabolic (peak velocity)" : "uniform";
    lattice["outlet_density"] = state.lbm.outlet_rho;
    lattice["units"] = "lattice units: dx = dt = 1, reference density 1";
  } else if (s.model == Model::gray_scott) {
    lattice = {{"du", state.gray_scott.diffusion_u},
               {"dv", state.gray_scott.diffusion_v},
               {"f", state.gray_scott.feed},
               {"k", state.gray_scott.kill},
               {"dt", state.gray_scott.dt}};
  } else {
    lattice = {{"diffusivity", state.heat.diffusion_number}};
  }
  j["lattice"] = lattice;
  j["fields"] = field_files;
  return write_file_atomically(path, j.dump(2) + "\n");
}

Status write_field_exr(const fs::path& path,
                       const std::vector<std::pair<std::string, const std::vector<float>*>>& fields,
                       Extent size) {
  const auto cells = static_cast<std::size_t>(size.cell_count());
  if (size.nz != 1 || fields.empty()) return Error{"an EXR holds a 2D field set"};
  const std::size_t channels = fields.size();
  std::vector<float> pixels(cells * channels);
  for (std::size_t c = 0; c < channels; ++c) {
    const std::vector<float>& values = *fields[c].second;
    if (values.size() != cells) return Error{"field " + fields[c].first + " does not match the grid"};
    for (int y = 0; y < size.ny; ++y) {
      const std::size_t row = static_cast<std::size_t>(size.ny - 1 - y) * size.nx;
      for (int x = 0; x < size.nx; ++x) {
        pixels[(row + x) * channels + c] = values[static_cast<std::size_t>(y) * size.nx + x];
      }
    }
  }
  OIIO::ImageSpec spec(size.nx, size.ny, static_cast<int>(channels), OIIO::TypeDesc::FLOAT);
  spec.channelnames.clear();
  for (const auto& field : fields) spec.channelnames.push_back(field.first);
  spec.attribute("compression", "zip");
  spec.attribute("DateTime", "");  // no capture date: same fields, same bytes (see write_exr)
  Status written = replace_file_atomically(path, [&](const fs::path& tmp) -> Status {
    auto out = OIIO::ImageOutput::create(path.string());
    if (!out) return Error{"no EXR writer (" + OIIO::geterror() + ")"};
    if (!out->open(tmp.string(), spec) || !out->write_image(OIIO::TypeDesc::FLOAT, pixels.data()) ||
        !out->close()) {
      return Error{out->geterror()};
    }
    return Status::ok();
  });
  if (!written) return Error{"cannot write " + path.string() + ": " + written.message()};
  return Status::ok();
}

Status write_snapshot(const fs::path& folder, const RunSpec& run, const TileState& state,
                      long long step) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Error{"cannot create folder " + folder.string() + ": " + ec.message()};
  Result<MacroFields> macro = macroscopic(state);
  if (!macro) return macro.status();
  const MacroFields& m = macro.value();
  std::vector<std::pair<std::string, const std::vector<float>*>> fields;
  std::vector<float> speed;
  std::string preview;
  const std::vector<float>* preview_values = nullptr;
  if (state.model == Model::d2q9 || state.model == Model::d3q19) {
    fields = {{"rho", &m.rho}, {"ux", &m.ux}, {"uy", &m.uy}};
    if (!m.uz.empty()) fields.push_back({"uz", &m.uz});
    speed.resize(m.ux.size());
    for (std::size_t i = 0; i < speed.size(); ++i) {
      const float uz = m.uz.empty() ? 0.0f : m.uz[i];
      speed[i] = std::sqrt(m.ux[i] * m.ux[i] + m.uy[i] * m.uy[i] + uz * uz);
    }
    preview = "speed.png";
    preview_values = &speed;
  } else if (state.model == Model::gray_scott) {
    fields = {{"u", &m.components[0]}, {"v", &m.components[1]}};
    preview = "v.png";
    preview_values = &m.components[1];
  } else {
    fields = {{"temperature", &m.components[0]}};
    preview = "temperature.png";
    preview_values = &m.components[0];
  }
  // The files are independent (each one's bytes depend on the fields alone), so each is
  // written on its own thread: the snapshot takes as long as its slowest file (compression,
  // fsync), not their sum. The first error in the order below is reported.
  std::vector<std::string> files;
  std::vector<std::function<Status()>> writes;
  for (const auto& [name, values] : fields) {
    files.push_back(name + ".npy");
    writes.push_back([&, file = folder / files.back(), values = values] {
      return write_npy(file, *values, m.size);
    });
  }
  if (m.size.nz == 1) {
    files.push_back("fields.exr");
    writes.push_back([&] { return write_field_exr(folder / "fields.exr", fields, m.size); });
  }
  files.push_back(kSnapshotVtiName);
  writes.push_back([&] { return write_vti(folder / kSnapshotVtiName, fields, m.size); });
  files.push_back(preview);
  writes.push_back([&] { return write_preview(folder / preview, *preview_values, m.size); });
  writes.push_back([&] { return write_meta_json(folder / "meta.json", run, state, step, files); });
  std::vector<std::future<Status>> written;
  for (const std::function<Status()>& write : writes) written.push_back(std::async(write));
  Status first_error = Status::ok();
  for (std::future<Status>& w : written) {
    Status s = w.get();
    if (first_error && !s) first_error = std::move(s);
  }
  return first_error;
}

}  // namespace tf::sim
