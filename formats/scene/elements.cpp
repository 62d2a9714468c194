#include "formats/scene/elements.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "formats/scene/curve_shape.h"
#include "formats/scene/elements_hair.h"
#include "formats/scene/elements_subsurface.h"
#include "formats/scene/loop_subdivision.h"
#include "formats/scene/ply_reader.h"
#include "formats/scene/spectra.h"
#include "formats/scene/try.h"
#include "kernels/render/scene_types.h"

namespace tf::scene {
namespace {

constexpr double kDegToRad = std::numbers::pi / 180.0;
// Segments per full turn of the round shapes we tessellate (disk, cylinder): chords stay within
// r (1 - cos(pi / 64)) < 0.0013 r of the surface and the area within 0.2 % of it; the
// cylinder's shading normals are the exact ones at the vertices.
constexpr int kCircleSegments = 64;

int circle_segments(double phimax_deg) {
  return std::max(1, static_cast<int>(std::ceil(kCircleSegments * phimax_deg / 360.0)));
}

// Checks a mesh read from a file or from parameters: index count and range, attribute counts.
Status validate_mesh(const IrMesh& m, const FileLoc& loc, const std::string& shape) {
  if (m.indices.size() % 3 != 0) {
    return error_at(loc, "Shape",
                    "\"" + shape + "\": index count " + std::to_string(m.indices.size()) +
                        " is not a multiple of 3");
  }
  for (uint32_t i : m.indices) {
    if (i >= m.positions.size()) {
      return error_at(loc, "Shape",
                      "\"" + shape + "\": vertex index " + std::to_string(i) + " out of range (" +
                          std::to_string(m.positions.size()) + " vertices)");
    }
  }
  if (!m.normals.empty() && m.normals.size() != m.positions.size()) {
    return error_at(loc, "Shape",
                    "\"" + shape + "\": " + std::to_string(m.normals.size()) + " normals for " +
                        std::to_string(m.positions.size()) + " vertices");
  }
  if (!m.uvs.empty() && m.uvs.size() != m.positions.size()) {
    return error_at(loc, "Shape",
                    "\"" + shape + "\": " + std::to_string(m.uvs.size()) + " uvs for " +
                        std::to_string(m.positions.size()) + " vertices");
  }
  return Status::ok();
}

// Reads P, N, uv and `indices` (with `per_face` indices per primitive); missing indices are
// allowed when P holds exactly one primitive.
Result<IrMesh> mesh_from_params(ParamSet& params, const FileLoc& loc, const std::string& shape,
                                size_t per_face) {
  IrMesh m;
  TF_TRY(p, params.get_point3s("P"));
  TF_TRY(idx, params.get_ints("indices"));
  TF_TRY(n, params.get_normals("N"));
  TF_TRY(uv, params.get_point2s("uv"));
  if (p.empty()) return error_at(loc, "Shape", "\"" + shape + "\" requires \"point3 P\"");
  if (idx.empty()) {
    if (p.size() != per_face) {
      return error_at(loc, "Shape",
                      "\"" + shape + "\" requires \"integer indices\" when P has " +
                          std::to_string(p.size()) + " points");
    }
    for (size_t i = 0; i < per_face; ++i) idx.push_back(static_cast<int64_t>(i));
  }
  if (idx.size() % per_face != 0) {
    return error_at(loc, "Shape",
                    "\"" + shape + "\": index count " + std::to_string(idx.size()) +
                        " is not a multiple of " + std::to_string(per_face));
  }
  for (int64_t i : idx) {
    if (i < 0 || static_cast<uint64_t>(i) >= p.size()) {
      return error_at(loc, "Shape",
                      "\"" + shape + "\": vertex index " + std::to_string(i) + " out of range (" +
                          std::to_string(p.size()) + " vertices)");
    }
  }
  m.positions = std::move(p);
  m.normals = std::move(n);
  m.uvs = std::move(uv);
  if (per_face == 3) {
    for (int64_t i : idx) m.indices.push_back(static_cast<uint32_t>(i));
  } else {
    // Bilinear patch (p00, p10, p01, p11) -> triangles (p00, p10, p11), (p00, p11, p01):
    // exact for planar patches, and the winding keeps pbrt's normal cross(dpdu, dpdv).
    for (size_t f = 0; f < idx.size(); f += 4) {
      const auto a = static_cast<uint32_t>(idx[f]), b = static_cast<uint32_t>(idx[f + 1]),
                 c = static_cast<uint32_t>(idx[f + 2]), d = static_cast<uint32_t>(idx[f + 3]);
      m.indices.insert(m.indices.end(), {a, b, d, a, d, c});
    }
  }
  TF_CHECK(validate_mesh(m, loc, shape));
  return m;
}

// pbrt's disk (normal +z at height h), as a fan or ring of kCircleSegments * phimax/360 quads.
IrMesh tessellate_disk(double height, double radius, double inner, double phimax_deg) {
  IrMesh m;
  const int segs = circle_segments(phimax_deg);
  const double phimax = phimax_deg * kDegToRad;
  for (int i = 0; i <= segs; ++i) {
    const double phi = phimax * i / segs;
    const double c = std::cos(phi), s = std::sin(phi);
    const float u = static_cast<float>(static_cast<double>(i) / segs);
    m.positions.push_back({radius * c, radius * s, height});
    m.uvs.push_back({u, 0.f});
    m.positions.push_back({inner * c, inner * s, height});
    m.uvs.push_back({u, 1.f});
  }
  for (int i = 0; i < segs; ++i) {
    const uint32_t o0 = 2 * static_cast<uint32_t>(i), i0 = o0 + 1, o1 = o0 + 2, i1 = o0 + 3;
    m.indices.insert(m.indices.end(), {i0, o0, o1});  // counter-clockwise seen from +z
    if (inner > 0) m.indices.insert(m.indices.end(), {i0, o1, i1});
  }
  return m;
}

// pbrt's cylinder about the z axis (normal outwards, u = phi / phimax, v along z), as
// kCircleSegments * phimax/360 quads with per-vertex normals.
IrMesh tessellate_cylinder(double radius, double zmin, double zmax, double phimax_deg) {
  IrMesh m;
  const int segs = circle_segments(phimax_deg);
  const double phimax = phimax_deg * kDegToRad;
  for (int i = 0; i <= segs; ++i) {
    const double phi = phimax * i / segs;
    const double c = std::cos(phi), s = std::sin(phi);
    const float u = static_cast<float>(static_cast<double>(i) / segs);
    for (int end = 0; end < 2; ++end) {
      m.positions.push_back({radius * c, radius * s, end ? zmax : zmin});
      m.normals.push_back({c, s, 0});
      m.uvs.push_back({u, static_cast<float>(end)});
    }
  }
  for (int i = 0; i < segs; ++i) {
    const uint32_t b0 = 2 * static_cast<uint32_t>(i), t0 = b0 + 1, b1 = b0 + 2, t1 = b0 + 3;
    // Winding normal cross(dp/dphi, dp/dz): outwards, as pbrt's.
    m.indices.insert(m.indices.end(), {b0, b1, t1, b0, t1, t0});
  }
  return m;
}

Status check_full_quadric(ParamSet& params, const FileLoc& loc, ElementContext& ctx,
                          const std::string& shape, double radius) {
  TF_TRY(zmin, params.get_float("zmin", -radius));
  TF_TRY(zmax, params.get_float("zmax", radius));
  TF_TRY(phimax, params.get_float("phimax", 360));
  if (zmin > -radius || zmax < radius || phimax < 360) {
    return ctx.diag.unsupported(loc, "Shape", "partial " + shape + " (zmin/zmax/phimax)",
                                "the full " + shape);
  }
  return Status::ok();
}

}  // namespace

IrMesh tessellate_sphere(double radius) {
  IrMesh m;
  const int segs = kCircleSegments, rings = kCircleSegments / 2;
  for (int j = 0; j <= rings; ++j) {
    const double theta = std::numbers::pi * j / rings;
    // The poles and the seam are exact, so that the mesh closes.
    const double z = j == 0 ? 1 : j == rings ? -1 : std::cos(theta);
    const double st = j == 0 || j == rings ? 0 : std::sin(theta);
    for (int i = 0; i <= segs; ++i) {
      const double phi = 2 * std::numbers::pi * i / segs;
      const double c = i == segs ? 1 : std::cos(phi), s = i == segs ? 0 : std::sin(phi);
      m.positions.push_back({radius * st * c, radius * st * s, radius * z});
      m.normals.push_back({st * c, st * s, z});
      m.uvs.push_back({static_cast<float>(static_cast<double>(i) / segs),
                       static_cast<float>(1 - static_cast<double>(j) / rings)});
    }
  }
  const auto at = [&](int i, int j) { return static_cast<uint32_t>(j * (segs + 1) + i); };
  for (int j = 0; j < rings; ++j) {
    for (int i = 0; i < segs; ++i) {
      // Winding normal cross(dp/dtheta, dp/dphi): outwards; none of zero area at the poles.
      if (j > 0) m.indices.insert(m.indices.end(), {at(i, j), at(i, j + 1), at(i + 1, j)});
      if (j < rings - 1) {
        m.indices.insert(m.indices.end(), {at(i + 1, j), at(i, j + 1), at(i + 1, j + 1)});
      }
    }
  }
  return m;
}

std::filesystem::path resolve_scene_path(const std::filesystem::path& base_dir,
                                         const std::string& name) {
  const std::filesystem::path p(name);
  return p.is_absolute() ? p : base_dir / p;
}

Result<bool> make_shape(const std::string& type, ParamSet& params, const FileLoc& loc,
                        ElementContext& ctx, IrShape* out) {
  out->loc = loc;
  out->kind = IrShape::Kind::Mesh;
  if (type == "trianglemesh" || type == "loopsubdiv") {
    TF_TRY(mesh, mesh_from_params(params, loc, type, 3));
    out->mesh = std::move(mesh);
    if (type == "loopsubdiv") {
      TF_TRY(levels, params.get_int("levels", 3));
      Result<IrMesh> surface = loop_subdivide(out->mesh, static_cast<int>(std::clamp<int64_t>(
                                                             levels, -1, kMaxLoopLevels + 1)));
      if (!surface) return error_at(loc, "Shape", "\"loopsubdiv\": " + surface.message());
      out->mesh = std::move(surface.value());
    }
    // Per-vertex tangents and face indices (for ptex) change nothing the kernel shades.
    params.mark_used("S");
    params.mark_used("faceIndices");
    return true;
  }
  if (type == "bilinearmesh") {
    TF_TRY(mesh, mesh_from_params(params, loc, type, 4));
    out->mesh = std::move(mesh);
    out->triangles_per_pbrt_shape = 2;
    return true;
  }
  if (type == "plymesh") {
    TF_TRY(filename, params.get_string("filename", ""));
    if (filename.empty()) return error_at(loc, "Shape", "\"plymesh\" requires \"string filename\"");
    Result<IrMesh> mesh = read_ply(resolve_scene_path(ctx.base_dir, filename));
    if (!mesh) return error_at(loc, "Shape", mesh.message());
    TF_CHECK(validate_mesh(mesh.value(), loc, type));
    out->mesh = std::move(mesh.value());
    return true;
  }
  if (type == "sphere") {
    TF_TRY(radius, params.get_float("radius", 1));
    if (!(radius > 0)) return error_at(loc, "Shape", "\"sphere\" radius must be > 0");
    TF_CHECK(check_full_quadric(params, loc, ctx, "sphere", radius));
    out->kind = IrShape::Kind::Sphere;
    out->radius = radius;
    out->triangles_per_pbrt_shape = 0;
    out->pbrt_area = 4 * std::numbers::pi * radius * radius;
    return true;
  }
  if (type == "disk") {
    TF_TRY(height, params.get_float("height", 0));
    TF_TRY(radius, params.get_float("radius", 1));
    TF_TRY(inner, params.get_float("innerradius", 0));
    TF_TRY(phimax, params.get_float("phimax", 360));
    if (!(radius > 0) || inner < 0 || !(inner < radius) || !(phimax > 0)) {
      return error_at(loc, "Shape", "\"disk\" needs radius > innerradius >= 0 and phimax > 0");
    }
    out->mesh = tessellate_disk(height, radius, inner, std::min(phimax, 360.0));
    out->triangles_per_pbrt_shape = 0;
    out->pbrt_area =
        std::min(phimax, 360.0) * std::numbers::pi / 180 * 0.5 * (radius * radius - inner * inner);
    return true;
  }
  if (type == "cylinder") {
    TF_TRY(radius, params.get_float("radius", 1));
    TF_TRY(z0, params.get_float("zmin", -1));
    TF_TRY(z1, params.get_float("zmax", 1));
    TF_TRY(phimax, params.get_float("phimax", 360));
    if (!(radius > 0) || !(z0 != z1) || !(phimax > 0)) {
      return error_at(loc, "Shape", "\"cylinder\" needs radius > 0, zmin != zmax and phimax > 0");
    }
    out->mesh =
        tessellate_cylinder(radius, std::min(z0, z1), std::max(z0, z1), std::min(phimax, 360.0));
    out->triangles_per_pbrt_shape = 0;
    out->pbrt_area = std::abs(z1 - z0) * radius * std::min(phimax, 360.0) * std::numbers::pi / 180;
    return true;
  }
  if (type == "curve") {
    TF_CHECK(make_curve(params, loc, ctx, out));
    out->triangles_per_pbrt_shape = 0;
    return true;
  }
  TF_CHECK(ctx.diag.unsupported(loc, "Shape", "shape \"" + type + "\"",
                                "skipped (supported: trianglemesh, plymesh, sphere, disk, "
                                "cylinder, bilinearmesh, curve)"));
  return false;
}

namespace {

// Reflectance-like parameter: a colour or a spectrum texture reference.
Status read_reflectance(ParamSet& params, const std::string& name, const FileLoc& loc,
                        ElementContext& ctx, IrMaterial* m) {
  TF_TRY(value, params.get_color_or_texture(name));
  if (!value) return Status::ok();
  if (value->texture.empty()) {
    m->reflectance = value->rgb;
    return Status::ok();
  }
  auto it = ctx.textures.find(value->texture);
  if (it == ctx.textures.end()) {
    return error_at(loc, "Material",
                    "unknown texture \"" + value->texture + "\" for '" + name +
                        "' (define it with Texture \"" + value->texture +
                        "\" \"spectrum\" ... first)");
  }
  m->texture = it->second;
  m->reflectance = {1, 1, 1};
  return Status::ok();
}

}  // namespace

Result<bool> texture_given(ParamSet& params, const std::string& name, const std::string& fallback,
                           const FileLoc& loc, ElementContext& ctx) {
  const Param* p = params.get(name);
  if (!p || p->type != "texture") return false;
  params.mark_used(name);
  TF_CHECK(ctx.diag.unsupported(loc, "Material", "texture for '" + name + "'", fallback));
  return true;
}

Result<double> float_or_skip(ParamSet& params, const std::string& name, double def,
                             const FileLoc& loc, ElementContext& ctx) {
  TF_TRY(texture, texture_given(params, name, "constant " + std::to_string(def), loc, ctx));
  if (texture) return def;
  return params.get_float(name, def);
}

namespace {

// The float texture that parameter `name` names (index into the scene's textures): an error
// when the parameter is not one texture name or names no float texture.
Result<int> float_texture_param(ParamSet& params, const std::string& name, const FileLoc& loc,
                                ElementContext& ctx) {
  const Param* p = params.get(name);
  if (!p || p->type != "texture" || p->strings.size() != 1) {
    return error_at(loc, "Material", "'" + name + "' must be one float texture or a float");
  }
  const std::string texture = p->strings[0];
  params.mark_used(name);
  auto it = ctx.float_textures.find(texture);
  if (it == ctx.float_textures.end()) {
    return error_at(loc, "Material",
                    "unknown float texture \"" + texture + "\" for '" + name +
                        "' (define it with Texture \"" + texture + "\" \"float\" ... first)");
  }
  return it->second;
}

// A parameter pbrt-v4 reads as a float texture: a constant, or a float texture (`texture` >= 0,
// an index into the scene's textures).
struct FloatOrTexture {
  double value = 0;
  int texture = -1;
};

// Parameter `name` as a float or a float texture; `def` when absent.
Result<FloatOrTexture> float_or_texture(ParamSet& params, const std::string& name,
                                        FloatOrTexture def, const FileLoc& loc,
                                        ElementContext& ctx) {
  const Param* p = params.get(name);
  if (!p) return def;
  if (p->type == "texture") {
    TF_TRY(texture, float_texture_param(params, name, loc, ctx));
    return FloatOrTexture{0, texture};
  }
  TF_TRY(value, params.get_float(name, def.value));
  return FloatOrTexture{value, -1};
}

// <prefix>roughness / uroughness / vroughness (u and v default to roughness, default 0) and
// remaproughness, as pbrt-v4 reads them: constants become GGX alphas here (alpha =
// sqrt(roughness) when remapping), textures are named in `textures` (u, v) and remapped per
// hit (kernels/render/material_textures.h).
Status read_roughness(ParamSet& params, const FileLoc& loc, ElementContext& ctx,
                      const std::string& prefix, float* alpha_u, float* alpha_v,
                      std::array<int, 2>* textures, bool* remap_roughness) {
  TF_TRY(rough, float_or_texture(params, prefix + "roughness", {}, loc, ctx));
  TF_TRY(urough, float_or_texture(params, prefix + "uroughness", rough, loc, ctx));
  TF_TRY(vrough, float_or_texture(params, prefix + "vroughness", rough, loc, ctx));
  TF_TRY(remap, params.get_bool("remaproughness", true));
  if (!(urough.value >= 0) || !(vrough.value >= 0)) {
    return error_at(loc, "Material", "'" + prefix + "roughness' must be >= 0");
  }
  *alpha_u = static_cast<float>(remap ? std::sqrt(urough.value) : urough.value);
  *alpha_v = static_cast<float>(remap ? std::sqrt(vrough.value) : vrough.value);
  *textures = {urough.texture, vrough.texture};
  *remap_roughness = remap;
  return Status::ok();
}

// An optical constant (a real or imaginary IOR): rgb or float as given, a named spectrum from
// the table, or a spectrum (pairs, or a file of pairs as pbrt-v4 reads it) reduced by
// optical_constant_rgb. Empty when absent. Errors point at the parameter.
Result<std::optional<Rgb>> read_optical_constant(ParamSet& params, const std::string& name,
                                                 ElementContext& ctx) {
  const Param* p = params.get(name);
  if (!p || p->type != "spectrum") return params.get_rgb(name);
  params.mark_used(name);
  if (p->strings.empty()) return std::optional<Rgb>(optical_constant_rgb(p->numbers));
  const std::string& given = p->strings[0];
  if (std::optional<Rgb> named = named_spectrum_rgb(given)) return named;
  const std::filesystem::path file = resolve_scene_path(ctx.base_dir, given);
  if (!std::filesystem::exists(file)) {
    return error_at(p->loc, p->directive,
                    "parameter '" + name + "': unknown named spectrum \"" + given +
                        "\" and no spectrum file " + file.string());
  }
  Result<std::vector<double>> pairs = read_spectrum_file(file);
  if (!pairs) return error_at(p->loc, p->directive, "parameter '" + name + "': " + pairs.message());
  return std::optional<Rgb>(optical_constant_rgb(pairs.value()));
}

// A dielectric's IOR `name` as a float, a spectrum or a named glass; one value (default 1.5).
Result<float> read_scalar_eta(ParamSet& params, const std::string& name, const FileLoc& loc,
                              ElementContext& ctx) {
  TF_TRY(texture, texture_given(params, name, "eta 1.5", loc, ctx));
  if (texture) return 1.5f;
  TF_TRY(eta, read_optical_constant(params, name, ctx));
  if (!eta) return 1.5f;
  const Rgb e = *eta;
  if (e[0] != e[1] || e[1] != e[2]) {
    TF_CHECK(ctx.diag.unsupported(loc, "Material", "wavelength-dependent eta (dispersion)",
                                  "its green-channel value"));
  }
  if (!(e[1] > 0)) return error_at(loc, "Material", "'" + name + "' must be > 0");
  return e[1];
}

// A conductor's Fresnel term, in either of pbrt-v4's parameterizations: "reflectance", or
// <prefix>eta and <prefix>k (default: copper); and its roughness (<prefix>roughness ...).
Status read_conductor(ParamSet& params, const std::string& directive, const FileLoc& loc,
                      ElementContext& ctx, const std::string& prefix, IrMaterial* m) {
  TF_TRY(refl, params.get_color_or_texture("reflectance"));
  if (refl) {
    if (!refl->texture.empty()) {
      TF_CHECK(
          ctx.diag.unsupported(loc, directive, "conductor reflectance texture", "reflectance 1"));
      m->reflectance = {1, 1, 1};
    } else {
      m->reflectance = refl->rgb;
    }
    m->use_reflectance = true;
  }
  TF_TRY(eta, read_optical_constant(params, prefix + "eta", ctx));
  TF_TRY(k, read_optical_constant(params, prefix + "k", ctx));
  if (refl && (eta || k)) {
    return error_at(loc, directive,
                    "conductor takes either \"reflectance\" or \"" + prefix + "eta\"/\"" +
                        prefix + "k\"");
  }
  m->eta = eta ? *eta : named_spectrum_rgb("metal-Cu-eta").value();  // pbrt-v4 defaults
  m->k = k ? *k : named_spectrum_rgb("metal-Cu-k").value();
  return read_roughness(params, loc, ctx, prefix, &m->alpha_u, &m->alpha_v,
                        &m->roughness_texture, &m->remap_roughness);
}

// The layer under a coating and its random walk: thickness, albedo, g, maxdepth, nsamples.
// The walk's length and count are bounded so that one shading point stays cheap.
Status read_layer(ParamSet& params, const std::string& directive, const FileLoc& loc,
                  ElementContext& ctx, IrMaterial* m) {
  constexpr int64_t kMaxWalk = 1000;
  TF_TRY(thickness, float_or_skip(params, "thickness", m->thickness, loc, ctx));
  TF_TRY(g, float_or_skip(params, "g", m->g, loc, ctx));
  TF_TRY(albedo_texture, texture_given(params, "albedo", "albedo 0", loc, ctx));
  std::optional<Rgb> albedo;
  if (!albedo_texture) {
    TF_TRY(given, params.get_rgb("albedo"));
    albedo = given;
  }
  TF_TRY(max_depth, params.get_int("maxdepth", m->max_depth));
  TF_TRY(n_samples, params.get_int("nsamples", m->n_samples));
  auto bad = [&](const char* name, const char* what) {
    return error_at(loc, directive, std::string("'") + name + "' must be " + what);
  };
  if (!(thickness >= 0) || !std::isfinite(thickness)) return bad("thickness", "finite and >= 0");
  if (albedo) {
    for (float a : *albedo) {
      if (!(a >= 0 && a <= 1)) return bad("albedo", "in [0, 1]");
    }
    m->albedo = *albedo;
  }
  if (!(g > -1 && g < 1)) return bad("g", "in (-1, 1)");
  if (max_depth < 1 || max_depth > kMaxWalk) return bad("maxdepth", "in [1, 1000]");
  if (n_samples < 1 || n_samples > kMaxWalk) return bad("nsamples", "in [1, 1000]");
  m->thickness = static_cast<float>(thickness);
  m->g = static_cast<float>(g);
  m->max_depth = static_cast<uint32_t>(max_depth);
  m->n_samples = static_cast<uint32_t>(n_samples);
  return Status::ok();
}

// The dielectric coating of a layered material: <prefix>roughness (and u/v, remaproughness),
// <prefix>eta, then the layer between coating and base (read_layer).
Status read_coating(ParamSet& params, const std::string& directive, const FileLoc& loc,
                    ElementContext& ctx, const std::string& prefix, IrMaterial* m) {
  TF_CHECK(read_roughness(params, loc, ctx, prefix, &m->coat_alpha_u, &m->coat_alpha_v,
                          &m->coat_roughness_texture, &m->remap_roughness));
  TF_TRY(eta, read_scalar_eta(params, prefix + "eta", loc, ctx));
  m->coat_eta = eta;
  return read_layer(params, directive, loc, ctx, m);
}

}  // namespace

// "texture displacement": a float texture that bump-maps the shading normal (every material
// type but mix and interface takes it in pbrt-v4). A constant ("float displacement") has no
// gradient and leaves the shading normal's direction as it is (bump.h), so it is dropped.
Status read_displacement(ParamSet& params, const FileLoc& loc, ElementContext& ctx,
                         IrMaterial* m) {
  const Param* p = params.get("displacement");
  if (!p) return Status::ok();
  if (p->type == "float") return params.get_float("displacement", 0).status();
  TF_TRY(texture, float_texture_param(params, "displacement", loc, ctx));
  m->displacement = texture;
  return Status::ok();
}

// "string normalmap": an image of tangent-space normals (kernels/render/normal_map.h) beside
// the scene file, read without sRGB decoding as pbrt-v4 reads it. pbrt-v4 reads the parameter
// for every material; a mix ignores it there, and here with a warning.
Status read_normal_map(ParamSet& params, const std::string& directive, const std::string& type,
                       const FileLoc& loc, ElementContext& ctx, IrMaterial* m) {
  TF_TRY(file, params.get_string("normalmap", ""));
  if (file.empty()) return Status::ok();
  if (type == "mix") {
    ctx.diag.warn(loc, directive, "\"normalmap\" of a mix ignored (its parts shade)");
    return Status::ok();
  }
  IrTexture t;
  t.kind = IrTexture::Kind::Image;
  t.filename = resolve_scene_path(ctx.base_dir, file);
  t.linear = true;
  ctx.texture_list.push_back(t);
  m->normal_map = static_cast<int>(ctx.texture_list.size() - 1);
  return Status::ok();
}

Rgb clamp01(Rgb c, double scale) {
  for (float& x : c) x = static_cast<float>(std::clamp(x * scale, 0.0, 1.0));
  return c;
}

// pbrt-v4's "diffusetransmission": reflectance and transmittance (default 0.25 each) times
// "scale", clamped to [0, 1]. A reflectance texture is supported at scale 1; a transmittance
// texture is not.
Status read_diffuse_transmission(ParamSet& params, const std::string& directive,
                                 const FileLoc& loc, ElementContext& ctx, IrMaterial* m) {
  m->type = IrMaterial::Type::DiffuseTransmission;
  m->reflectance = {0.25f, 0.25f, 0.25f};
  TF_CHECK(read_reflectance(params, "reflectance", loc, ctx, m));
  TF_TRY(texture, texture_given(params, "transmittance", "transmittance 0.25", loc, ctx));
  if (!texture) {
    TF_TRY(t, params.get_rgb("transmittance"));
    if (t) m->transmittance = *t;
  }
  TF_TRY(scale, params.get_float("scale", 1));
  if (m->texture >= 0 && scale != 1) {
    TF_CHECK(ctx.diag.unsupported(loc, directive, "\"scale\" of a reflectance texture",
                                  "scale 1 for the reflectance"));
  }
  if (m->texture < 0) m->reflectance = clamp01(m->reflectance, scale);
  m->transmittance = clamp01(m->transmittance, scale);
  return Status::ok();
}

// How deeply mixes nest under material m (0: m is no mix).
uint32_t mix_depth(const std::vector<IrMaterial>& materials, const IrMaterial& m) {
  if (m.type != IrMaterial::Type::Mix) return 0;
  return 1 + std::max(mix_depth(materials, materials[static_cast<size_t>(m.mix[0])]),
                      mix_depth(materials, materials[static_cast<size_t>(m.mix[1])]));
}

// pbrt-v4's "mix": "materials" names two materials defined before it, one of which shades each
// hit, the second with probability "amount" (a float or a float texture, default 0.5).
// A subsurface part keeps its boundary but not its interior medium (that belongs to the
// shapes, which a mix shares between its parts).
Status read_mix(ParamSet& params, const std::string& directive, const FileLoc& loc,
                ElementContext& ctx, IrMaterial* m) {
  m->type = IrMaterial::Type::Mix;
  TF_TRY(names, params.get_strings("materials"));
  if (names.size() != 2) {
    return error_at(loc, directive, "\"mix\" requires \"string materials\" with two names");
  }
  for (size_t i = 0; i < 2; ++i) {
    auto it = ctx.named_materials.find(names[i]);
    if (it == ctx.named_materials.end()) {
      return error_at(loc, directive,
                      "\"mix\" refers to unknown named material \"" + names[i] + "\"");
    }
    if (it->second == kNoSurfaceMaterial) {
      return error_at(loc, directive,
                      "\"mix\" of \"" + names[i] + "\", a medium boundary with no surface");
    }
    if (ctx.materials[static_cast<size_t>(it->second)].interior) {
      TF_CHECK(ctx.diag.unsupported(loc, directive,
                                    "\"mix\" of the subsurface material \"" + names[i] + "\"",
                                    "its boundary without its interior medium"));
    }
    m->mix[i] = it->second;
  }
  TF_TRY(amount, float_or_texture(params, "amount", {0.5}, loc, ctx));
  m->amount = static_cast<float>(amount.value);
  m->amount_texture = amount.texture;
  if (mix_depth(ctx.materials, *m) > TF_MIX_MAX_DEPTH) {
    return error_at(loc, directive,
                    "mixes of mixes nest deeper than " + std::to_string(TF_MIX_MAX_DEPTH) +
                        " levels");
  }
  return Status::ok();
}

Result<std::optional<IrMaterial>> make_material(const std::string& directive,
                                                const std::string& type, ParamSet& params,
                                                const FileLoc& loc, ElementContext& ctx) {
  IrMaterial m;
  if (type != "mix") TF_CHECK(read_displacement(params, loc, ctx, &m));
  TF_CHECK(read_normal_map(params, directive, type, loc, ctx, &m));
  if (type == "diffuse") {
    TF_CHECK(read_reflectance(params, "reflectance", loc, ctx, &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "diffusetransmission") {
    TF_CHECK(read_diffuse_transmission(params, directive, loc, ctx, &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "hair") {
    TF_CHECK(read_hair(params, loc, ctx, &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "coateddiffuse") {
    m.type = IrMaterial::Type::CoatedDiffuse;
    TF_CHECK(read_reflectance(params, "reflectance", loc, ctx, &m));
    TF_CHECK(read_coating(params, directive, loc, ctx, "", &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "coatedconductor") {
    m.type = IrMaterial::Type::CoatedConductor;
    TF_CHECK(read_conductor(params, directive, loc, ctx, "conductor.", &m));
    TF_CHECK(read_coating(params, directive, loc, ctx, "interface.", &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "conductor") {
    m.type = IrMaterial::Type::Conductor;
    TF_CHECK(read_conductor(params, directive, loc, ctx, "", &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "dielectric" || type == "thindielectric") {
    m.type = type == "dielectric" ? IrMaterial::Type::Dielectric : IrMaterial::Type::ThinDielectric;
    TF_TRY(eta, read_scalar_eta(params, "eta", loc, ctx));
    m.eta = {eta, eta, eta};
    if (type == "dielectric") {
      TF_CHECK(read_roughness(params, loc, ctx, "", &m.alpha_u, &m.alpha_v,
                              &m.roughness_texture, &m.remap_roughness));
    }
    return std::optional<IrMaterial>(m);
  }
  if (type == "subsurface") {
    m.type = IrMaterial::Type::Dielectric;
    float eta = 1.33f;  // pbrt-v4's default for subsurface
    if (params.has("eta")) {
      TF_TRY(given, read_scalar_eta(params, "eta", loc, ctx));
      eta = given;
    }
    m.eta = {eta, eta, eta};
    TF_CHECK(read_roughness(params, loc, ctx, "", &m.alpha_u, &m.alpha_v, &m.roughness_texture,
                            &m.remap_roughness));
    // A reflectance texture is the boundary's texture (evaluated per hit by the kernel, which
    // inverts it to the interior's albedo where a path enters; the dielectric ignores it).
    const Param* reflectance = params.get("reflectance");
    if (reflectance && reflectance->type == "texture") {
      TF_CHECK(read_reflectance(params, "reflectance", loc, ctx, &m));
    }
    TF_TRY(interior, make_subsurface_medium(params, loc, eta, m.texture >= 0, ctx.diag));
    m.interior = interior;
    return std::optional<IrMaterial>(m);
  }
  if (type == "mix") {
    TF_CHECK(read_mix(params, directive, loc, ctx, &m));
    return std::optional<IrMaterial>(m);
  }
  if (type == "measured") {  // pbrt-v4's MeasuredMaterial: an RGL file (measured_bsdf.h)
    TF_TRY(file, params.get_string("filename", ""));
    if (file.empty()) {
      return error_at(loc, directive, "\"measured\" requires \"string filename\"");
    }
    m.type = IrMaterial::Type::Measured;
    m.measured_file = resolve_scene_path(ctx.base_dir, file);
    return std::optional<IrMaterial>(m);
  }
  TF_CHECK(ctx.diag.unsupported(loc, directive, "material \"" + type + "\"",
                                "grey diffuse (supported: diffuse, conductor, dielectric, "
                                "thindielectric, coateddiffuse, coatedconductor, subsurface, "
                                "diffusetransmission, hair, mix, measured)"));
  params.mark_all_used();  // its parameters belong to the unsupported material
  return std::optional<IrMaterial>(m);
}

}  // namespace tf::scene
