#include "formats/sim/field_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "formats/image/image_writer.h"
#include "formats/sim/legend_font.h"
#include "formats/sim/viridis.h"
#include "formats/sim/vtk_output.h"
#include "kernels/parallel_for.h"

namespace tf::sim {
namespace {

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

Result<std::vector<uint8_t>> preview_bytes(const std::vector<float>& values, Extent size) {
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
  return field_png_bytes(slice, {size.nx, size.ny, 1}, lo, hi);
}

}  // namespace

Result<std::vector<uint8_t>> npy_bytes(const std::vector<float>& values, Extent size) {
  if (values.size() != static_cast<std::size_t>(size.cell_count())) {
    return Error{"an .npy field's size does not match the grid"};
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
  const std::size_t data_at = 10 + header.size();
  const uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              static_cast<uint8_t>(header.size() & 0xff),
                              static_cast<uint8_t>(header.size() >> 8)};
  const auto* data = reinterpret_cast<const uint8_t*>(values.data());  // x86/ARM: little-endian
  std::vector<uint8_t> bytes;
  bytes.reserve(data_at + values.size() * sizeof(float));
  bytes.insert(bytes.end(), prefix, prefix + sizeof prefix);
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data, data + values.size() * sizeof(float));
  return bytes;
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

Result<std::vector<uint8_t>> field_png_bytes(const std::vector<float>& values, Extent size,
                                             float lo, float hi) {
  if (size.nz != 1 || values.size() != static_cast<std::size_t>(size.cell_count()) ||
      values.empty()) {
    return Error{"a field's PNG needs a non-empty 2D field"};
  }
  if (!(hi > lo)) return Error{"a field's PNG needs hi > lo"};
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
    for (int cell = 0; cell < size.nx; ++cell) {  // each cell's colour once, `scale` pixels wide
      const float v = values[static_cast<std::size_t>(y) * size.nx + cell];
      const std::array<unsigned char, 3> rgb = viridis_rgb8((v - lo) / (hi - lo));
      for (int x = cell * scale; x < (cell + 1) * scale; ++x) put(x, row, rgb);
    }
    const float t =
        height > 1 ? static_cast<float>(height - 1 - row) / static_cast<float>(height - 1) : 0.5f;
    const std::array<unsigned char, 3> bar = viridis_rgb8(t);
    for (int x = bar_x; x < bar_x + kBar; ++x) put(x, row, bar);
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
  char description[96];
  std::snprintf(description, sizeof description, "min=%.9g max=%.9g", double{lo}, double{hi});
  ImageToEncode preview = rgb_image("preview.png", static_cast<uint32_t>(width),
                                    static_cast<uint32_t>(height), PixelType::kUint8,
                                    pixels.data());
  preview.description = description;
  preview.png_filter = PngFilter::kNone;
  return encode_image(preview);
}

std::string meta_json_text(const RunSpec& run, const TileState& state, long long step,
                           const std::vector<std::string>& field_files) {
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
  return j.dump(2) + "\n";
}

Result<std::vector<uint8_t>> field_exr_bytes(
    const std::vector<std::pair<std::string, const std::vector<float>*>>& fields, Extent size) {
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
  std::vector<std::string> names;
  for (const auto& field : fields) names.push_back(field.first);
  return encode_image({"fields.exr", static_cast<uint32_t>(size.nx),
                       static_cast<uint32_t>(size.ny), std::move(names), PixelType::kFloat32,
                       pixels.data(), {}, {}});
}

Result<std::vector<NamedFile>> snapshot_files(const RunSpec& run, const TileState& state,
                                              long long step) {
  Result<MacroFields> macro = macroscopic(state);
  if (!macro) return Error{macro.message()};
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
  // The files are independent (each one's bytes depend on the fields alone), so they are
  // encoded on every core (parallel_for, whose kept threads find their last buffers' memory
  // again: on new threads the first touches of fresh pages doubled a snapshot's time).
  using Encoded = Result<std::vector<uint8_t>>;
  std::vector<std::string> files;
  std::vector<std::function<Encoded()>> encoders;
  for (const auto& [name, values] : fields) {
    files.push_back(name + ".npy");
    encoders.push_back([&, values = values] { return npy_bytes(*values, m.size); });
  }
  if (m.size.nz == 1) {
    files.push_back("fields.exr");
    encoders.push_back([&] { return field_exr_bytes(fields, m.size); });
  }
  files.push_back(kSnapshotVtiName);
  encoders.push_back([&] { return vti_bytes(fields, m.size); });
  files.push_back(preview);
  encoders.push_back([&] { return preview_bytes(*preview_values, m.size); });
  files.push_back("meta.json");
  encoders.push_back([&]() -> Encoded {
    const std::string text = meta_json_text(run, state, step, {files.begin(), files.end() - 1});
    return std::vector<uint8_t>(text.begin(), text.end());
  });
  std::vector<Encoded> encoded(encoders.size(), Encoded(Error{"not encoded"}));
  parallel_for(encoders.size(), [&](size_t i) { encoded[i] = encoders[i](); });
  std::vector<NamedFile> out;
  Status first_error = Status::ok();
  for (size_t i = 0; i < encoded.size(); ++i) {
    Encoded& bytes = encoded[i];
    if (!bytes) {
      if (first_error) first_error = Error{"cannot encode " + files[i] + ": " + bytes.message()};
      continue;
    }
    out.push_back({files[i], std::move(bytes.value())});
  }
  if (!first_error) return Error{first_error.message()};
  return out;
}

}  // namespace tf::sim
