// Textures and lights (the other half of elements.h).
#include <cmath>
#include <numbers>

#include "formats/scene/elements.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace {

constexpr double kPi = std::numbers::pi;

// A texture argument that may be a value or a reference to another texture of the same kind.
// Returns a copy of the referenced texture, or a constant texture holding the value.
Result<IrTexture> value_or_texture(ParamSet& params, const std::string& name, Rgb def,
                                   bool float_valued, const FileLoc& loc, ElementContext& ctx) {
  IrTexture t;
  t.kind = IrTexture::Kind::Constant;
  t.value = def;
  TF_TRY(v, params.get_color_or_texture(name));
  if (!v) return t;
  if (v->texture.empty()) {
    t.value = v->rgb;
    return t;
  }
  const auto& names = float_valued ? ctx.float_textures : ctx.textures;
  auto it = names.find(v->texture);
  if (it == names.end()) {
    return error_at(loc, "Texture",
                    std::string("unknown ") + (float_valued ? "float" : "spectrum") +
                        " texture \"" + v->texture + "\" for '" + name + "'");
  }
  return ctx.texture_list[static_cast<size_t>(it->second)];
}

Status read_uv_mapping(ParamSet& params, const FileLoc& loc, ElementContext& ctx, IrTexture* t) {
  TF_TRY(mapping, params.get_string("mapping", "uv"));
  if (mapping != "uv") {
    TF_CHECK(ctx.diag.unsupported(loc, "Texture", "mapping \"" + mapping + "\"", "uv mapping"));
  }
  TF_TRY(us, params.get_float("uscale", 1));
  TF_TRY(vs, params.get_float("vscale", 1));
  TF_TRY(ud, params.get_float("udelta", 0));
  TF_TRY(vd, params.get_float("vdelta", 0));
  t->uscale = static_cast<float>(us);
  t->vscale = static_cast<float>(vs);
  t->udelta = static_cast<float>(ud);
  t->vdelta = static_cast<float>(vd);
  return Status::ok();
}

Rgb scaled(Rgb c, double s) {
  return {static_cast<float>(c[0] * s), static_cast<float>(c[1] * s), static_cast<float>(c[2] * s)};
}

}  // namespace

Result<std::optional<IrTexture>> make_texture(const std::string& value_type,
                                              const std::string& tex_class, ParamSet& params,
                                              const FileLoc& loc, ElementContext& ctx) {
  const bool float_valued = value_type == "float";
  IrTexture t;
  if (tex_class == "constant") {
    TF_TRY(v, value_or_texture(params, "value", {1, 1, 1}, float_valued, loc, ctx));
    return std::optional<IrTexture>(v);
  }
  if (tex_class == "scale") {
    TF_TRY(base, value_or_texture(params, "tex", {1, 1, 1}, float_valued, loc, ctx));
    TF_TRY(factor, value_or_texture(params, "scale", {1, 1, 1}, true, loc, ctx));
    if (factor.kind != IrTexture::Kind::Constant) {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "\"scale\" by a non-constant texture",
                                    "its first value"));
    }
    for (int c = 0; c < 3; ++c) {
      base.value[static_cast<size_t>(c)] *= factor.value[static_cast<size_t>(c)];
      base.value2[static_cast<size_t>(c)] *= factor.value[static_cast<size_t>(c)];
    }
    return std::optional<IrTexture>(base);
  }
  if (tex_class == "checkerboard") {
    TF_TRY(dim, params.get_int("dimension", 2));
    if (dim != 2) {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "3D checkerboard", "a 2D checkerboard in uv"));
    }
    TF_TRY(a, value_or_texture(params, "tex1", {1, 1, 1}, float_valued, loc, ctx));
    TF_TRY(b, value_or_texture(params, "tex2", {0, 0, 0}, float_valued, loc, ctx));
    if (a.kind != IrTexture::Kind::Constant || b.kind != IrTexture::Kind::Constant) {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "checkerboard of non-constant textures",
                                    "their constant values"));
    }
    t.kind = IrTexture::Kind::Checkerboard;
    t.value = a.value;
    t.value2 = b.value;
    TF_CHECK(read_uv_mapping(params, loc, ctx, &t));
    return std::optional<IrTexture>(t);
  }
  if (tex_class == "imagemap") {
    TF_TRY(filename, params.get_string("filename", ""));
    if (filename.empty())
      return error_at(loc, "Texture", "\"imagemap\" requires \"string filename\"");
    t.kind = IrTexture::Kind::Image;
    t.filename = resolve_scene_path(ctx.base_dir, filename);
    TF_TRY(scale, params.get_float("scale", 1));
    t.value = scaled({1, 1, 1}, scale);
    TF_TRY(invert, params.get_bool("invert", false));
    if (invert) TF_CHECK(ctx.diag.unsupported(loc, "Texture", "\"invert\" true", "not inverted"));
    TF_TRY(encoding, params.get_string("encoding", "sRGB"));
    if (encoding != "sRGB") {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "encoding \"" + encoding + "\"",
                                    "sRGB for 8-bit images, linear for float images"));
    }
    TF_TRY(wrap, params.get_string("wrap", "repeat"));
    if (wrap != "repeat") {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "wrap \"" + wrap + "\"", "repeat"));
    }
    // Filtering choices change only texture anti-aliasing, which pixel sampling covers.
    params.mark_used("filter");
    params.mark_used("maxanisotropy");
    TF_CHECK(read_uv_mapping(params, loc, ctx, &t));
    return std::optional<IrTexture>(t);
  }
  TF_CHECK(ctx.diag.unsupported(loc, "Texture", "texture class \"" + tex_class + "\"",
                                "constant 0.5 (supported: imagemap, checkerboard, scale, "
                                "constant)"));
  params.mark_all_used();
  t.value = {0.5f, 0.5f, 0.5f};
  return std::optional<IrTexture>(t);
}

Result<std::optional<IrLight>> make_light(const std::string& type, ParamSet& params,
                                          const FileLoc& loc, const Mat4& world_from_light,
                                          ElementContext& ctx) {
  IrLight l;
  l.loc = loc;
  TF_TRY(scale, params.get_float("scale", 1));
  if (type == "point" || type == "spot") {
    TF_TRY(intensity, params.get_rgb("I"));
    TF_TRY(from, params.get_point3("from"));
    TF_TRY(power, params.get_float("power", -1));
    l.position = world_from_light.apply_point(from.value_or(Vec3d{}));
    double k_e = 4 * kPi;  // solid angle of a point light
    if (type == "spot") {
      l.kind = IrLight::Kind::Spot;
      TF_TRY(to, params.get_point3("to"));
      TF_TRY(cone, params.get_float("coneangle", 30));
      TF_TRY(delta, params.get_float("conedeltaangle", 5));
      const Vec3d axis = to.value_or(Vec3d{0, 0, 1}) - from.value_or(Vec3d{});
      if (length(axis) == 0) return error_at(loc, "LightSource", "spot \"from\" equals \"to\"");
      l.direction = normalize(world_from_light.apply_vector(axis));
      l.cone_degrees = static_cast<float>(cone);
      l.cone_delta_degrees = static_cast<float>(delta);
      const double cos_end = std::cos(cone * kPi / 180),
                   cos_start = std::cos((cone - delta) * kPi / 180);
      k_e = 2 * kPi * ((1 - cos_start) + (cos_start - cos_end) / 2);
    } else {
      l.kind = IrLight::Kind::Point;
    }
    const double power_factor = power > 0 ? power / k_e : 1;
    l.radiance = scaled(intensity.value_or(Rgb{1, 1, 1}), scale * power_factor);
    return std::optional<IrLight>(l);
  }
  if (type == "distant") {
    l.kind = IrLight::Kind::Distant;
    TF_TRY(radiance, params.get_rgb("L"));
    TF_TRY(from, params.get_point3("from"));
    TF_TRY(to, params.get_point3("to"));
    TF_TRY(illuminance, params.get_float("illuminance", -1));
    const Vec3d towards = from.value_or(Vec3d{}) - to.value_or(Vec3d{0, 0, 1});
    if (length(towards) == 0) return error_at(loc, "LightSource", "distant \"from\" equals \"to\"");
    l.direction = normalize(world_from_light.apply_vector(towards));
    l.radiance =
        scaled(radiance.value_or(Rgb{1, 1, 1}), scale * (illuminance > 0 ? illuminance : 1));
    return std::optional<IrLight>(l);
  }
  if (type == "infinite") {
    TF_TRY(radiance, params.get_rgb("L"));
    TF_TRY(filename, params.get_string("filename", ""));
    TF_TRY(illuminance, params.get_float("illuminance", -1));
    if (radiance && !filename.empty()) {
      return error_at(loc, "LightSource", "infinite light takes \"L\" or \"filename\", not both");
    }
    l.world_from_light = world_from_light;
    if (!filename.empty()) {
      l.kind = IrLight::Kind::EnvImage;
      l.filename = resolve_scene_path(ctx.base_dir, filename);
      if (illuminance > 0) {
        TF_CHECK(ctx.diag.unsupported(loc, "LightSource", "\"illuminance\" for an image light",
                                      "\"scale\" only"));
      }
      l.radiance = scaled({1, 1, 1}, scale);
    } else {
      l.kind = IrLight::Kind::EnvUniform;
      // A uniform sky of radiance L gives illuminance pi * L on an upward surface.
      const double factor = illuminance > 0 ? illuminance / kPi : 1;
      l.radiance = scaled(radiance.value_or(Rgb{1, 1, 1}), scale * factor);
    }
    if (params.has("portal")) {
      params.mark_used("portal");
      ctx.diag.warn(loc, "LightSource", "\"portal\" ignored (it only guides sampling)");
    }
    return std::optional<IrLight>(l);
  }
  TF_CHECK(ctx.diag.unsupported(loc, "LightSource", "light \"" + type + "\"",
                                "skipped (supported: point, spot, distant, infinite)"));
  params.mark_all_used();
  return std::optional<IrLight>();
}

Result<std::optional<IrAreaLight>> make_area_light(const std::string& type, ParamSet& params,
                                                   const FileLoc& loc, ElementContext& ctx) {
  if (type != "diffuse") {
    TF_CHECK(ctx.diag.unsupported(loc, "AreaLightSource", "area light \"" + type + "\"",
                                  "not emissive"));
    params.mark_all_used();
    return std::optional<IrAreaLight>();
  }
  IrAreaLight a;
  a.present = true;
  TF_TRY(radiance, params.get_rgb("L"));
  TF_TRY(scale, params.get_float("scale", 1));
  TF_TRY(two_sided, params.get_bool("twosided", false));
  a.radiance = scaled(radiance.value_or(Rgb{1, 1, 1}), scale);
  a.two_sided = two_sided;
  return std::optional<IrAreaLight>(a);
}

}  // namespace tf::scene
