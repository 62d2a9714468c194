// Textures and lights (the other half of elements.h).
#include <algorithm>
#include <cmath>
#include <numbers>

#include "formats/scene/elements.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace {

constexpr double kPi = std::numbers::pi;

// A texture operand: a value (default `def`) or a reference to an earlier texture, float
// (float_valued) or spectrum; unknown names are errors.
Result<IrOperand> operand(ParamSet& params, const std::string& name, Rgb def, bool float_valued,
                          const FileLoc& loc, ElementContext& ctx) {
  IrOperand o;
  o.value = def;
  TF_TRY(v, params.get_color_or_texture(name));
  if (!v) return o;
  if (v->texture.empty()) {
    o.value = v->rgb;
    return o;
  }
  const auto& names = float_valued ? ctx.float_textures : ctx.textures;
  auto it = names.find(v->texture);
  if (it == names.end()) {
    return error_at(loc, "Texture",
                    std::string("unknown ") + (float_valued ? "float" : "spectrum") +
                        " texture \"" + v->texture + "\" for '" + name + "'");
  }
  o.texture = it->second;
  return o;
}

// pbrt-v4's 2D mappings (TextureMapping2D::Create): "uv" (uscale, vscale, udelta, vdelta),
// "spherical", "cylindrical", "planar" (v1, v2, udelta, vdelta).
Status read_mapping(ParamSet& params, const FileLoc& loc, IrTexture* t) {
  TF_TRY(mapping, params.get_string("mapping", "uv"));
  TF_TRY(us, params.get_float("uscale", 1));
  TF_TRY(vs, params.get_float("vscale", 1));
  TF_TRY(ud, params.get_float("udelta", 0));
  TF_TRY(vd, params.get_float("vdelta", 0));
  TF_TRY(v1, params.get_vector3("v1"));
  TF_TRY(v2, params.get_vector3("v2"));
  t->udelta = static_cast<float>(ud);
  t->vdelta = static_cast<float>(vd);
  if (mapping == "uv") {
    t->uscale = static_cast<float>(us);
    t->vscale = static_cast<float>(vs);
  } else if (mapping == "spherical") {
    t->mapping = IrTexture::Mapping::Spherical;
  } else if (mapping == "cylindrical") {
    t->mapping = IrTexture::Mapping::Cylindrical;
  } else if (mapping == "planar") {
    t->mapping = IrTexture::Mapping::Planar;
    t->v1 = v1.value_or(Vec3d{1, 0, 0});
    t->v2 = v2.value_or(Vec3d{0, 1, 0});
  } else {
    return error_at(loc, "Texture", "unknown mapping \"" + mapping +
                                        "\" (uv, spherical, cylindrical, planar)");
  }
  return Status::ok();
}

Status read_noise(ParamSet& params, IrTexture* t) {
  TF_TRY(octaves, params.get_int("octaves", 8));
  TF_TRY(roughness, params.get_float("roughness", 0.5));
  t->octaves = static_cast<int>(std::clamp<int64_t>(octaves, 0, 64));
  t->omega = static_cast<float>(roughness);
  t->mapping = IrTexture::Mapping::Point3D;
  return Status::ok();
}

// A texture the loader adds to the list (the weight of a checkerboard or dots of textures).
int add_part(ElementContext& ctx, IrTexture t) {
  ctx.texture_list.push_back(std::move(t));
  return static_cast<int>(ctx.texture_list.size() - 1);
}

IrTexture node(IrTexture::Kind kind, std::vector<IrOperand> operands) {
  IrTexture t;
  t.kind = kind;
  t.operands = std::move(operands);
  return t;
}

Rgb scaled(Rgb c, double s) {
  return {static_cast<float>(c[0] * s), static_cast<float>(c[1] * s), static_cast<float>(c[2] * s)};
}

}  // namespace

Result<std::optional<IrTexture>> make_texture(const std::string& value_type,
                                              const std::string& tex_class, ParamSet& params,
                                              const FileLoc& loc, const Mat4& world_from_texture,
                                              ElementContext& ctx) {
  using Kind = IrTexture::Kind;
  const bool fv = value_type == "float";
  IrTexture t;
  std::optional<Mat4> inverse = world_from_texture.inverse();
  if (!inverse) return error_at(loc, "Texture", "the texture's transform is singular");
  t.texture_from_world = *inverse;
  if (tex_class == "constant") {
    TF_TRY(v, params.get_color_or_texture("value"));
    if (v && !v->texture.empty()) {
      return error_at(loc, "Texture", "\"constant\" takes a value, not a texture");
    }
    if (v) t.value = v->rgb;
    return std::optional<IrTexture>(t);
  }
  if (tex_class == "scale") {
    TF_TRY(tex, operand(params, "tex", {1, 1, 1}, fv, loc, ctx));
    TF_TRY(factor, operand(params, "scale", {1, 1, 1}, true, loc, ctx));
    return std::optional<IrTexture>(node(Kind::Scale, {tex, factor}));
  }
  if (tex_class == "mix" || tex_class == "directionmix") {
    TF_TRY(a, operand(params, "tex1", {0, 0, 0}, fv, loc, ctx));
    TF_TRY(b, operand(params, "tex2", {1, 1, 1}, fv, loc, ctx));
    if (tex_class == "directionmix") {
      TF_TRY(dir, params.get_vector3("dir"));
      IrTexture d = node(Kind::DirectionMix, {a, b});
      d.dir = normalize(world_from_texture.apply_vector(dir.value_or(Vec3d{0, 1, 0})));
      if (length(d.dir) == 0) return error_at(loc, "Texture", "\"directionmix\" dir is zero");
      return std::optional<IrTexture>(d);
    }
    TF_TRY(amount, operand(params, "amount", {0.5f, 0.5f, 0.5f}, true, loc, ctx));
    return std::optional<IrTexture>(node(Kind::Mix, {a, b, amount}));
  }
  if (tex_class == "checkerboard" || tex_class == "dots") {
    const bool dots = tex_class == "dots";
    TF_TRY(a, operand(params, dots ? "inside" : "tex1", {1, 1, 1}, fv, loc, ctx));
    TF_TRY(b, operand(params, dots ? "outside" : "tex2", {0, 0, 0}, fv, loc, ctx));
    t.kind = dots ? Kind::Dots : Kind::Checkerboard;
    TF_TRY(dim, params.get_int("dimension", 2));
    if (dots || dim == 2) {
      TF_CHECK(read_mapping(params, loc, &t));
    } else if (dim == 3) {
      t.mapping = IrTexture::Mapping::Point3D;
    } else {
      return error_at(loc, "Texture", std::to_string(dim) + " dimensional checkerboard");
    }
    if (a.texture < 0 && b.texture < 0) {
      t.value = a.value;
      t.value2 = b.value;
      return std::optional<IrTexture>(t);
    }
    // pbrt: (1 - w) tex1 + w tex2 with w the pattern's 0/1 weight.
    t.value = dots ? Rgb{1, 1, 1} : Rgb{0, 0, 0};
    t.value2 = dots ? Rgb{0, 0, 0} : Rgb{1, 1, 1};
    IrOperand w{add_part(ctx, t), {}};
    return std::optional<IrTexture>(
        node(Kind::Mix, dots ? std::vector<IrOperand>{b, a, w} : std::vector<IrOperand>{a, b, w}));
  }
  if (tex_class == "bilerp") {
    t.kind = Kind::Bilerp;
    Rgb* slots[4] = {&t.value, &t.value3, &t.value2, &t.value4};  // v00, v01, v10, v11
    const char* names[4] = {"v00", "v01", "v10", "v11"};
    for (int i = 0; i < 4; ++i) {
      TF_TRY(v, params.get_color_or_texture(names[i]));
      if (v && !v->texture.empty()) {
        return error_at(loc, "Texture", std::string("\"bilerp\" ") + names[i] + " is a value");
      }
      *slots[i] = v ? v->rgb : (i % 2 == 0 ? Rgb{0, 0, 0} : Rgb{1, 1, 1});
    }
    TF_CHECK(read_mapping(params, loc, &t));
    return std::optional<IrTexture>(t);
  }
  if (tex_class == "fbm" || tex_class == "wrinkled" || tex_class == "windy") {
    t.kind = tex_class == "fbm" ? Kind::FBm : tex_class == "wrinkled" ? Kind::Wrinkled : Kind::Windy;
    if (t.kind == Kind::Windy) {
      t.mapping = IrTexture::Mapping::Point3D;
    } else {
      TF_CHECK(read_noise(params, &t));
    }
    return std::optional<IrTexture>(t);
  }
  if (tex_class == "marble") {
    if (fv) return error_at(loc, "Texture", "\"marble\" is a spectrum texture only");
    t.kind = Kind::Marble;
    TF_CHECK(read_noise(params, &t));
    TF_TRY(scale, params.get_float("scale", 1));
    TF_TRY(variation, params.get_float("variation", 0.2));
    t.scale = static_cast<float>(scale);
    t.variation = static_cast<float>(variation);
    return std::optional<IrTexture>(t);
  }
  if (tex_class == "imagemap") {
    TF_TRY(filename, params.get_string("filename", ""));
    if (filename.empty())
      return error_at(loc, "Texture", "\"imagemap\" requires \"string filename\"");
    t.kind = Kind::Image;
    t.filename = resolve_scene_path(ctx.base_dir, filename);
    TF_TRY(scale, params.get_float("scale", 1));
    t.value = scaled({1, 1, 1}, scale);
    TF_TRY(invert, params.get_bool("invert", false));
    t.invert = invert;
    TF_TRY(encoding, params.get_string("encoding", "sRGB"));
    if (encoding != "sRGB") {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "encoding \"" + encoding + "\"",
                                    "sRGB for 8-bit images, linear for float images"));
    }
    // pbrt-v4's WrapMode: "repeat" and "clamp" (the edge texels extend); "black" and
    // "octahedralsphere" are approximated by repeating.
    TF_TRY(wrap, params.get_string("wrap", "repeat"));
    if (wrap == "clamp") {
      t.wrap_s = t.wrap_t = IrTexture::Wrap::Clamp;
    } else if (wrap != "repeat") {
      TF_CHECK(ctx.diag.unsupported(loc, "Texture", "wrap \"" + wrap + "\"", "repeat"));
    }
    // Filtering choices change only texture anti-aliasing, which pixel sampling covers.
    params.mark_used("filter");
    params.mark_used("maxanisotropy");
    TF_CHECK(read_mapping(params, loc, &t));
    return std::optional<IrTexture>(t);
  }
  TF_CHECK(ctx.diag.unsupported(loc, "Texture", "texture class \"" + tex_class + "\"",
                                "constant 0.5 (supported: imagemap, checkerboard, scale, "
                                "constant, mix, directionmix, bilerp, dots, fbm, wrinkled, "
                                "windy, marble)"));
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
  TF_TRY(filename, params.get_string("filename", ""));
  TF_TRY(power, params.get_float("power", -1));
  if (radiance && !filename.empty()) {
    return error_at(loc, "AreaLightSource", "\"diffuse\" takes \"L\" or \"filename\", not both");
  }
  // pbrt-v4: the image's RGB, as an illuminant in its colour space, times scale, looked up at
  // the surface uv with its edge texels extended (WrapMode::Clamp).
  if (!filename.empty()) a.image = resolve_scene_path(ctx.base_dir, filename);
  a.image_lookup.wrap_s = a.image_lookup.wrap_t = IrTexture::Wrap::Clamp;
  a.radiance = scaled(radiance.value_or(Rgb{1, 1, 1}), scale);
  a.two_sided = two_sided;
  a.power = std::max(power, 0.0);
  return std::optional<IrAreaLight>(a);
}

}  // namespace tf::scene
