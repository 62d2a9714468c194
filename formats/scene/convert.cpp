#include "formats/scene/convert.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <numeric>

#include "formats/image/image_io.h"
#include "formats/scene/convert_emission.h"
#include "formats/scene/elements.h"
#include "formats/scene/film_sensor.h"
#include "formats/scene/measured_tables.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace {

float f(double v) { return static_cast<float>(v); }

void scale_radiance(tf_light* l, double k) {
  l->r = f(l->r * k), l->g = f(l->g * k), l->b = f(l->b * k);
}

tf_camera make_camera(const SceneIr& ir, const Mat4& world_from_camera) {
  tf_camera c{};
  const Vec3d pos = world_from_camera.apply_point({0, 0, 0});
  const Vec3d right = normalize(world_from_camera.apply_vector({1, 0, 0}));
  const Vec3d up = normalize(world_from_camera.apply_vector({0, 1, 0}));
  const Vec3d fwd = normalize(world_from_camera.apply_vector({0, 0, 1}));
  c.pos_x = f(pos.x), c.pos_y = f(pos.y), c.pos_z = f(pos.z);
  c.right_x = f(right.x), c.right_y = f(right.y), c.right_z = f(right.z);
  c.up_x = f(up.x), c.up_y = f(up.y), c.up_z = f(up.z);
  c.fwd_x = f(fwd.x), c.fwd_y = f(fwd.y), c.fwd_z = f(fwd.z);
  // pbrt: the field of view spans the shorter image axis.
  const double t = std::tan(ir.camera.fov_degrees * std::numbers::pi / 360.0);
  const double aspect = static_cast<double>(ir.width) / ir.height;
  const double tan_x = aspect > 1 ? t * aspect : t, tan_y = aspect > 1 ? t : t / aspect;
  c.tan_half_x = f(tan_x);
  c.tan_half_y = f(tan_y);
  c.lens_radius = ir.camera.lens_radius;
  c.focal_distance = ir.camera.focal_distance;
  c.width = ir.image_width();
  c.height = ir.image_height();
  if (ir.crop) {
    // Crop raster x' is whole-film x = x' + x0: (2 (x' + x0) / W - 1) tan_x
    // = (2 x' / w - 1) tan_x w / W + tan_x (2 x0 + w - W) / W; likewise for y.
    const double W = ir.width, H = ir.height, w = c.width, h = c.height;
    c.tan_half_x = f(tan_x * w / W);
    c.tan_half_y = f(tan_y * h / H);
    c.center_x = f(tan_x * (2 * ir.crop->x0 + w - W) / W);
    c.center_y = f(tan_y * (H - 2 * ir.crop->y0 - h) / H);
  }
  return c;
}

class Converter {
 public:
  explicit Converter(const SceneIr& ir) : ir_(ir) {}
  Result<KernelScene> run();

 private:
  // The kernel texture program of IR texture `ir_index` (scene_types.h): its nodes in post
  // order, ending at the returned index. Errors name the texture when its program needs more
  // than TF_TEX_STACK stack entries or TF_TEX_MAX_NODES nodes.
  Result<int32_t> kernel_texture(int ir_index);
  // A material's reference to IR texture `ir_index` as the kernel names it: 1 + the kernel
  // texture's index, 0 for -1 (none).
  Result<uint32_t> texture_ref(int ir_index);
  // Appends the nodes of `op` (a texture or a constant) after `first`; returns the stack
  // entries its evaluation needs.
  Result<uint32_t> emit_texture_nodes(const IrOperand& op, size_t first, const IrTexture& root);
  // Appends an image node of `file` (or of mapping->texels) times `multiplier`, with
  // `mapping`'s mapping, wrap modes and encoding (nullptr: uv, repeating, by extension);
  // returns its index and, if image_out, sets its size there.
  Result<int32_t> image_texture(const std::filesystem::path& file, Rgb multiplier,
                                const IrTexture* mapping, ImageRGB* image_out);
  Status emit_shape(const IrShape& s, const Mat4& world_from_object);
  Status emit_mesh(const IrShape& s, const Mat4& m);
  // The area light of shape s (s.area.present) without its prim; its image, if any, becomes
  // one kernel texture shared by all of the shape's primitives.
  Result<tf_light> area_light(const IrShape& s);
  // For "power" (IrAreaLight::power): the factor that scales light l of shape s, whose pbrt
  // shapes have area 1, to emit that power (pbrt-v4's phi_v / k_e without the area); 1 without.
  double power_per_unit_area(const IrShape& s, const tf_light& l) const;
  // Kernel `material` with IR float texture `alpha_texture` as its alpha_tex: one copy per
  // pair, since the cut-out belongs to the shape, not to the material (alpha_cutout.h).
  Result<uint32_t> cutout_material(uint32_t material, int alpha_texture);
  Status emit_sphere(const IrShape& s, const Mat4& m);
  Status emit_light(const IrLight& l);
  // The medium interface of a shape as primitive flags (scene_types.h); a "subsurface"
  // material's interior medium replaces the inside one.
  uint32_t media_flags(const IrShape& s) const;
  // Appends a medium to the kernel scene; returns 1 + its index.
  uint32_t add_medium(const IrMedium& m);
  // Folds merged uniform infinite lights into an image light's texels: radiance is
  // texel * scale, so texel' = texel + uniform / scale per channel.
  void add_uniform_radiance(const IrLight& src, tf_light* l, int32_t texture);

  const SceneIr& ir_;
  KernelScene k_;
  std::map<int, int32_t> texture_map_;
  std::vector<uint32_t> material_map_;
  std::vector<uint32_t> interior_map_;  // per IR material: 1 + kernel media index, 0: none
  std::map<std::pair<uint32_t, int>, uint32_t> cutout_materials_;  // cutout_material's copies
  std::vector<uint32_t> emissive_spheres_;  // their lights' prim is set at the end
  std::map<std::filesystem::path, uint32_t> measured_blocks_;  // file -> tf_material.measured
};

// The kernel fields every node kind shares: mapping, texture-from-world, noise parameters.
void set_texture_fields(const IrTexture& src, tf_texture* t) {
  using M = IrTexture::Mapping;
  t->mapping = src.mapping == M::UV            ? TF_MAP_UV
               : src.mapping == M::Spherical   ? TF_MAP_SPHERICAL
               : src.mapping == M::Cylindrical ? TF_MAP_CYLINDRICAL
               : src.mapping == M::Planar      ? TF_MAP_PLANAR
               : src.mapping == M::UVAffine    ? TF_MAP_UV_AFFINE
                                               : TF_MAP_POINT3D;
  auto wrap = [](IrTexture::Wrap w) {
    return w == IrTexture::Wrap::Clamp    ? TF_WRAP_CLAMP
           : w == IrTexture::Wrap::Mirror ? TF_WRAP_MIRROR
                                          : TF_WRAP_REPEAT;
  };
  t->wrap_s = wrap(src.wrap_s);
  t->wrap_t = wrap(src.wrap_t);
  for (size_t r = 0; r < 3; ++r) {
    for (size_t c = 0; c < 4; ++c) t->xf[4 * r + c] = static_cast<float>(src.texture_from_world.m[r][c]);
  }
  const Vec3d axes[2] = {src.v1, src.v2};
  float* dst[2] = {t->vs, t->vt};
  for (size_t a = 0; a < 2; ++a) {
    dst[a][0] = static_cast<float>(axes[a].x);
    dst[a][1] = static_cast<float>(axes[a].y);
    dst[a][2] = static_cast<float>(axes[a].z);
  }
  t->uscale = src.uscale, t->vscale = src.vscale, t->udelta = src.udelta, t->vdelta = src.vdelta;
  t->invert = src.invert ? 1u : 0u;
  t->octaves = static_cast<uint32_t>(src.octaves);
  t->omega = src.omega, t->noise_scale = src.scale, t->variation = src.variation;
  t->dir[0] = static_cast<float>(src.dir.x);
  t->dir[1] = static_cast<float>(src.dir.y);
  t->dir[2] = static_cast<float>(src.dir.z);
  t->r = src.value[0], t->g = src.value[1], t->b = src.value[2];
  t->r2 = src.value2[0], t->g2 = src.value2[1], t->b2 = src.value2[2];
  for (size_t c = 0; c < 3; ++c) t->c3[c] = src.value3[c], t->c4[c] = src.value4[c];
}

Result<int32_t> Converter::image_texture(const std::filesystem::path& file, Rgb multiplier,
                                         const IrTexture* mapping, ImageRGB* image_out) {
  const ImageEncoding encoding =
      mapping && mapping->linear ? ImageEncoding::kLinear : ImageEncoding::kAuto;
  Result<ImageRGB> image = mapping && mapping->texels ? Result<ImageRGB>(*mapping->texels)
                                                      : read_image(file, encoding);
  if (!image) return Error{image.message()};
  if (k_.texels.size() + image->rgb.size() > kMaxKernelTexels) {
    return Error{"image '" + file.string() + "': scene textures exceed 4 GiB of texels"};
  }
  tf_texture t{};
  set_texture_fields(mapping ? *mapping : IrTexture{}, &t);
  t.type = TF_TEX_IMAGE;
  t.width = image->width;
  t.height = image->height;
  t.offset = static_cast<uint32_t>(k_.texels.size());
  t.r = multiplier[0], t.g = multiplier[1], t.b = multiplier[2];
  k_.texels.insert(k_.texels.end(), image->rgb.begin(), image->rgb.end());
  if (image_out) {
    image_out->width = image->width;
    image_out->height = image->height;
  }
  k_.textures.push_back(t);
  return static_cast<int32_t>(k_.textures.size() - 1);
}

uint32_t kernel_texture_type(IrTexture::Kind kind) {
  using K = IrTexture::Kind;
  switch (kind) {
    case K::Constant: return TF_TEX_CONSTANT;
    case K::Image: return TF_TEX_IMAGE;
    case K::Checkerboard: return TF_TEX_CHECKERBOARD;
    case K::Bilerp: return TF_TEX_BILERP;
    case K::Dots: return TF_TEX_DOTS;
    case K::FBm: return TF_TEX_FBM;
    case K::Wrinkled: return TF_TEX_WRINKLED;
    case K::Windy: return TF_TEX_WINDY;
    case K::Marble: return TF_TEX_MARBLE;
    case K::Mix: return TF_TEX_MIX;
    case K::DirectionMix: return TF_TEX_DIRECTIONMIX;
    case K::Scale: return TF_TEX_SCALE;
  }
  return TF_TEX_CONSTANT;
}

Result<uint32_t> Converter::emit_texture_nodes(const IrOperand& op, size_t first,
                                               const IrTexture& root) {
  if (k_.textures.size() - first >= TF_TEX_MAX_NODES) {
    return error_at(root.loc, "Texture",
                    "texture \"" + root.name + "\" has more than " +
                        std::to_string(TF_TEX_MAX_NODES) + " nodes in its graph");
  }
  if (op.texture < 0) {
    tf_texture t{};
    t.type = TF_TEX_CONSTANT;
    t.r = op.value[0], t.g = op.value[1], t.b = op.value[2];
    k_.textures.push_back(t);
    return 1u;
  }
  const IrTexture& src = ir_.textures[static_cast<size_t>(op.texture)];
  const size_t start = k_.textures.size();  // a node's subtree is its own program
  uint32_t depth = 1;
  for (size_t i = 0; i < src.operands.size(); ++i) {
    TF_TRY(d, emit_texture_nodes(src.operands[i], first, root));
    depth = std::max(depth, static_cast<uint32_t>(i) + d);
  }
  if (src.kind == IrTexture::Kind::Image) {
    TF_TRY(i, image_texture(src.filename, src.value, &src, nullptr));
    (void)i;
  } else {
    k_.textures.push_back(tf_texture{});
    set_texture_fields(src, &k_.textures.back());
    k_.textures.back().type = kernel_texture_type(src.kind);
  }
  k_.textures.back().count = static_cast<uint32_t>(k_.textures.size() - start);
  return depth;
}

Result<int32_t> Converter::kernel_texture(int ir_index) {
  if (auto it = texture_map_.find(ir_index); it != texture_map_.end()) return it->second;
  const IrTexture& root = ir_.textures[static_cast<size_t>(ir_index)];
  const size_t first = k_.textures.size();
  TF_TRY(depth, emit_texture_nodes(IrOperand{ir_index, {}}, first, root));
  if (depth > TF_TEX_STACK) {
    return error_at(root.loc, "Texture",
                    "texture \"" + root.name + "\" nests too deeply: its graph needs " +
                        std::to_string(depth) + " values at once, at most " +
                        std::to_string(TF_TEX_STACK));
  }
  const int32_t index = static_cast<int32_t>(k_.textures.size() - 1);
  texture_map_[ir_index] = index;
  return index;
}

Result<uint32_t> Converter::texture_ref(int ir_index) {
  if (ir_index < 0) return 0u;
  TF_TRY(t, kernel_texture(ir_index));
  return static_cast<uint32_t>(t) + 1u;
}

uint32_t Converter::add_medium(const IrMedium& m) {
  tf_medium km{};
  km.sigma_a_r = m.sigma_a[0], km.sigma_a_g = m.sigma_a[1], km.sigma_a_b = m.sigma_a[2];
  km.sigma_s_r = m.sigma_s[0], km.sigma_s_g = m.sigma_s[1], km.sigma_s_b = m.sigma_s[2];
  km.g = m.g;
  if (m.kind != IrMedium::Kind::Homogeneous) {
    km.kind = m.kind == IrMedium::Kind::Grid ? TF_MEDIUM_GRID : TF_MEDIUM_CLOUD;
    for (size_t r = 0; r < 3; ++r) {
      for (size_t c = 0; c < 4; ++c) {
        km.medium_from_world[4 * r + c] = static_cast<float>(m.medium_from_world.m[r][c]);
      }
      km.p0[r] = m.grid.p0[r], km.p1[r] = m.grid.p1[r];
    }
    km.density = m.density, km.wispiness = m.wispiness, km.frequency = m.frequency;
  }
  if (m.kind == IrMedium::Kind::Grid) {
    km.nx = static_cast<uint32_t>(m.grid.nx), km.ny = static_cast<uint32_t>(m.grid.ny);
    km.nz = static_cast<uint32_t>(m.grid.nz);
    km.offset = static_cast<uint32_t>(k_.densities.size());
    k_.densities.insert(k_.densities.end(), m.grid.density.begin(), m.grid.density.end());
  }
  convert_medium_emission(m, &km, &k_.densities);
  if (!m.albedo_table.empty()) {
    km.albedo_table = static_cast<uint32_t>(k_.densities.size()) + 1u;
    k_.densities.insert(k_.densities.end(), m.albedo_table.begin(), m.albedo_table.end());
  }
  k_.media.push_back(km);
  return static_cast<uint32_t>(k_.media.size());
}

uint32_t Converter::media_flags(const IrShape& s) const {
  const uint32_t interior = s.interface ? 0u : interior_map_[static_cast<size_t>(s.material)];
  const uint32_t inside = interior != 0u ? interior : static_cast<uint32_t>(s.medium_inside + 1);
  return TF_PRIM_MEDIA(inside, s.medium_outside + 1) |
         (s.interface ? TF_PRIM_NO_SURFACE : 0u);
}

namespace {

// The area of the pbrt-v4 shape each triangle of mesh shape s (world transform m) belongs to
// (IrShape::triangles_per_pbrt_shape), by triangle.
std::vector<double> pbrt_shape_areas(const IrShape& s, const Mat4& m) {
  const std::vector<uint32_t>& idx = s.mesh.indices;
  std::vector<double> area(idx.size() / 3);
  for (size_t t = 0; t < area.size(); ++t) {
    const Vec3d a = m.apply_point(s.mesh.positions[idx[3 * t]]);
    const Vec3d b = m.apply_point(s.mesh.positions[idx[3 * t + 1]]);
    const Vec3d c = m.apply_point(s.mesh.positions[idx[3 * t + 2]]);
    area[t] = 0.5 * length(cross(b - a, c - a));
  }
  const size_t group = s.triangles_per_pbrt_shape;
  if (group == 1) return area;
  if (group == 0) {
    double total = s.pbrt_area;
    if (!(total > 0)) total = std::accumulate(area.begin(), area.end(), 0.0);
    return std::vector<double>(area.size(), total);
  }
  for (size_t t = 0; t < area.size(); t += group) {
    const size_t end = std::min(area.size(), t + group);
    const double sum = std::accumulate(area.begin() + t, area.begin() + end, 0.0);
    std::fill(area.begin() + t, area.begin() + end, sum);
  }
  return area;
}

}  // namespace

Status Converter::emit_shape(const IrShape& s, const Mat4& m) {
  if (s.interface && ir_.media.empty()) return Status::ok();  // bounds no medium: invisible
  return s.kind == IrShape::Kind::Sphere ? emit_sphere(s, m) : emit_mesh(s, m);
}

Result<uint32_t> Converter::cutout_material(uint32_t material, int alpha_texture) {
  auto found = cutout_materials_.find({material, alpha_texture});
  if (found != cutout_materials_.end()) return found->second;
  TF_TRY(ref, texture_ref(alpha_texture));
  tf_material copy = k_.materials[material];
  copy.alpha_tex = ref;
  const auto index = static_cast<uint32_t>(k_.materials.size());
  k_.materials.push_back(copy);
  cutout_materials_[{material, alpha_texture}] = index;
  return index;
}

Status Converter::emit_mesh(const IrShape& s, const Mat4& m) {
  const IrMesh& mesh = s.mesh;
  std::optional<Mat4> inv = m.inverse();
  if (!inv) return error_at(s.loc, "Shape", "the shape's transform is singular");
  const uint32_t base = static_cast<uint32_t>(k_.vertices.size());
  const bool has_n = !mesh.normals.empty(), has_uv = !mesh.uvs.empty();
  for (size_t i = 0; i < mesh.positions.size(); ++i) {
    tf_vertex v{};
    const Vec3d p = m.apply_point(mesh.positions[i]);
    v.px = f(p.x), v.py = f(p.y), v.pz = f(p.z);
    if (has_n) {
      Vec3d n = normalize(Mat4::apply_normal(*inv, mesh.normals[i]));
      if (s.reverse_orientation) n = n * -1.0;  // pbrt-v4 flips mesh normals too
      v.nx = f(n.x), v.ny = f(n.y), v.nz = f(n.z);
    }
    if (has_uv) v.u = mesh.uvs[i][0], v.v = mesh.uvs[i][1];
    k_.vertices.push_back(v);
  }
  const bool flip_without_normals = s.reverse_orientation != m.swaps_handedness();
  uint32_t material = material_map_[static_cast<size_t>(s.material)];
  if (s.alpha_texture >= 0) {
    TF_TRY(cut, cutout_material(material, s.alpha_texture));
    material = cut;
  }
  tf_light light{};
  double power_factor = 0;  // > 0: divided by each pbrt shape's area, light's radiance scale
  std::vector<double> shape_areas;
  if (s.area.present) {
    TF_TRY(l, area_light(s));
    light = l;
    if (s.area.power > 0) {
      power_factor = power_per_unit_area(s, light);
      shape_areas = pbrt_shape_areas(s, m);
    }
  }
  for (size_t t = 0; t < mesh.indices.size(); t += 3) {
    tf_triangle tri{};
    tri.v0 = base + mesh.indices[t];
    tri.v1 = base + mesh.indices[t + 1];
    tri.v2 = base + mesh.indices[t + 2];
    tri.material = material;
    tri.light = -1;
    tri.flags =
        (has_n ? TF_TRI_HAS_NORMALS : 0u) | (has_uv ? TF_TRI_HAS_UV : 0u) | media_flags(s) |
        (s.alpha_texture >= 0 ? TF_PRIM_ALPHA : 0u);
    const tf_vertex& a = k_.vertices[tri.v0];
    const tf_vertex& b = k_.vertices[tri.v1];
    const tf_vertex& c = k_.vertices[tri.v2];
    const Vec3d geometric = cross(Vec3d{b.px - a.px, b.py - a.py, b.pz - a.pz},
                                  Vec3d{c.px - a.px, c.py - a.py, c.pz - a.pz});
    bool flip = flip_without_normals;
    if (has_n) {
      // pbrt-v4 orients the geometric normal towards the interpolated shading normal.
      const Vec3d ns{a.nx + b.nx + c.nx, a.ny + b.ny + c.ny, a.nz + b.nz + c.nz};
      flip = dot(geometric, ns) < 0;
    }
    if (flip) tri.flags |= TF_PRIM_FLIP_NORMAL;
    if (s.area.present && length(geometric) > 0) {
      tf_light l = light;
      if (power_factor > 0) scale_radiance(&l, power_factor / shape_areas[t / 3]);
      l.prim = static_cast<uint32_t>(k_.triangles.size());
      tri.light = static_cast<int32_t>(k_.lights.size());
      k_.lights.push_back(l);
    }
    k_.triangles.push_back(tri);
  }
  return Status::ok();
}

Result<tf_light> Converter::area_light(const IrShape& s) {
  tf_light l{};
  l.type = TF_LIGHT_AREA;
  l.two_sided = s.area.two_sided ? 1u : 0u;
  l.texture = -1;
  l.r = s.area.radiance[0], l.g = s.area.radiance[1], l.b = s.area.radiance[2];
  if (!s.area.image.empty()) {
    Result<int32_t> tex = image_texture(s.area.image, {1, 1, 1}, &s.area.image_lookup, nullptr);
    if (!tex) return error_at(s.loc, "AreaLightSource", tex.message());
    l.texture = tex.value();
  }
  return l;
}

double Converter::power_per_unit_area(const IrShape& s, const tf_light& l) const {
  if (!(s.area.power > 0)) return 1;
  double k_e = std::numbers::pi * (s.area.two_sided ? 2 : 1);
  if (l.texture >= 0) {  // times the image's mean luminance (its colour space's Y row)
    const tf_texture& t = k_.textures[static_cast<size_t>(l.texture)];
    const Mat3& xyz = xyz_from_linear_srgb();
    const size_t n = static_cast<size_t>(t.width) * t.height;
    double sum = 0;
    for (size_t p = 0; p < n; ++p) {
      const float* texel = &k_.texels[t.offset + 3 * p];
      sum += xyz[3] * texel[0] + xyz[4] * texel[1] + xyz[5] * texel[2];
    }
    k_e *= n > 0 ? sum / static_cast<double>(n) : 0.0;
  }
  return k_e > 0 ? s.area.power / k_e : 1;  // an image of no luminance stays dark
}

Status Converter::emit_sphere(const IrShape& s, const Mat4& m) {
  const Vec3d c0 = m.apply_vector({1, 0, 0}), c1 = m.apply_vector({0, 1, 0}),
              c2 = m.apply_vector({0, 0, 1});
  const double l0 = length(c0), l1 = length(c1), l2 = length(c2);
  const double tol = 1e-5 * std::max({l0, l1, l2});
  if (!(l0 > 0) || std::abs(l0 - l1) > tol || std::abs(l0 - l2) > tol ||
      std::abs(dot(c0, c1)) > tol * l0 || std::abs(dot(c0, c2)) > tol * l0 ||
      std::abs(dot(c1, c2)) > tol * l0) {
    // Under a non-uniform scale or a shear pbrt's sphere is an ellipsoid, which the kernel's
    // spheres cannot hold: it becomes a mesh (a singular transform stays an error there).
    IrShape mesh = s;
    mesh.kind = IrShape::Kind::Mesh;
    mesh.mesh = tessellate_sphere(s.radius);
    return emit_mesh(mesh, m);
  }
  const Vec3d center = m.apply_point({0, 0, 0});
  tf_sphere sp{};
  sp.cx = f(center.x), sp.cy = f(center.y), sp.cz = f(center.z);
  sp.radius = f(s.radius * l0);
  sp.material = material_map_[static_cast<size_t>(s.material)];
  sp.light = -1;
  // The outward normal stays outward under mirroring (pbrt flips dpdu x dpdv back);
  // only ReverseOrientation turns it inward.
  sp.flags = (s.reverse_orientation ? TF_PRIM_FLIP_NORMAL : 0u) | media_flags(s);
  if (s.area.present) {
    TF_TRY(l, area_light(s));
    if (s.area.power > 0) {  // pbrt-v4's Sphere::Area(): the object-space radius
      scale_radiance(&l, power_per_unit_area(s, l) / s.pbrt_area);
    }
    sp.light = static_cast<int32_t>(k_.lights.size());
    emissive_spheres_.push_back(static_cast<uint32_t>(k_.spheres.size()));
    k_.lights.push_back(l);  // prim filled once the triangle count is final
  }
  k_.spheres.push_back(sp);
  return Status::ok();
}

void Converter::add_uniform_radiance(const IrLight& src, tf_light* l, int32_t texture) {
  if (src.uniform_added == Rgb{0, 0, 0}) return;
  const tf_texture& t = k_.textures[static_cast<size_t>(texture)];
  float* scale[3] = {&l->r, &l->g, &l->b};
  const size_t n = static_cast<size_t>(t.width) * t.height;
  for (size_t c = 0; c < 3; ++c) {
    if (*scale[c] == 0.f) {  // the image contributes nothing in this channel: use the uniform
      for (size_t p = 0; p < n; ++p) k_.texels[t.offset + 3 * p + c] = 0.f;
      *scale[c] = 1.f;
    }
    const float add = src.uniform_added[c] / *scale[c];
    for (size_t p = 0; p < n; ++p) k_.texels[t.offset + 3 * p + c] += add;
  }
}

Status Converter::emit_light(const IrLight& src) {
  tf_light l{};
  l.texture = -1;
  l.r = src.radiance[0], l.g = src.radiance[1], l.b = src.radiance[2];
  switch (src.kind) {
    case IrLight::Kind::Point:
    case IrLight::Kind::Spot:
      l.type = src.kind == IrLight::Kind::Point ? TF_LIGHT_POINT : TF_LIGHT_SPOT;
      l.px = f(src.position.x), l.py = f(src.position.y), l.pz = f(src.position.z);
      l.dx = f(src.direction.x), l.dy = f(src.direction.y), l.dz = f(src.direction.z);
      l.cos_total = f(std::cos(src.cone_degrees * std::numbers::pi / 180.0));
      l.cos_falloff =
          f(std::cos((src.cone_degrees - src.cone_delta_degrees) * std::numbers::pi / 180.0));
      break;
    case IrLight::Kind::Distant:
      l.type = TF_LIGHT_DISTANT;
      l.dx = f(src.direction.x), l.dy = f(src.direction.y), l.dz = f(src.direction.z);
      break;
    case IrLight::Kind::EnvUniform:
    case IrLight::Kind::EnvImage: {
      std::optional<Mat4> light_from_world = src.world_from_light.inverse();
      if (!light_from_world)
        return error_at(src.loc, "LightSource", "the light's transform is singular");
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
          l.world_to_light[r * 3 + c] =
              f(light_from_world->m[static_cast<size_t>(r)][static_cast<size_t>(c)]);
        }
      l.type = TF_LIGHT_ENV_UNIFORM;
      if (src.kind == IrLight::Kind::EnvImage) {
        ImageRGB size;
        Result<int32_t> tex = image_texture(src.filename, {1, 1, 1}, nullptr, &size);
        if (!tex) return error_at(src.loc, "LightSource", tex.message());
        add_uniform_radiance(src, &l, tex.value());
        if (size.width == size.height) {
          l.mapping = TF_ENV_OCTAHEDRAL;
        } else if (size.width == 2 * size.height) {
          l.mapping = TF_ENV_EQUIRECT;
        } else {
          return error_at(src.loc, "LightSource",
                          "environment image '" + src.filename.string() + "' is " +
                              std::to_string(size.width) + "x" + std::to_string(size.height) +
                              ": expected a square equal-area octahedral map or a 2:1 "
                              "equirectangular map");
        }
        l.type = TF_LIGHT_ENV_IMAGE;
        l.texture = tex.value();
      }
      k_.header.env_light = static_cast<int32_t>(k_.lights.size());
      break;
    }
  }
  k_.lights.push_back(l);
  return Status::ok();
}

uint64_t primitive_count(const IrShape& s) {
  return s.kind == IrShape::Kind::Sphere ? 1 : s.mesh.indices.size() / 3;
}

// Counts primitives (and vertices) after instancing before allocating any of them, so that
// an instancing "bomb" fails fast.
Status check_expanded_size(const SceneIr& ir) {
  uint64_t prims = 0, verts = 0;
  for (const IrShape& s : ir.shapes) prims += primitive_count(s), verts += s.mesh.positions.size();
  std::vector<std::pair<uint64_t, uint64_t>> per_object;
  for (const IrObject& o : ir.objects) {
    uint64_t p = 0, v = 0;
    for (const IrShape& s : o.shapes) p += primitive_count(s), v += s.mesh.positions.size();
    per_object.push_back({p, v});
  }
  for (const IrInstance& inst : ir.instances) {
    prims += per_object[static_cast<size_t>(inst.object)].first;
    verts += per_object[static_cast<size_t>(inst.object)].second;
    if (prims > kMaxKernelPrimitives || verts > 3 * kMaxKernelPrimitives) {
      return error_at(inst.loc, "ObjectInstance",
                      "the scene exceeds 2^26 primitives (or 3 * 2^26 vertices) after instancing");
    }
  }
  if (prims > kMaxKernelPrimitives || verts > 3 * kMaxKernelPrimitives) {
    return Error{"the scene exceeds 2^26 primitives (or 3 * 2^26 vertices)"};
  }
  return Status::ok();
}

Result<KernelScene> Converter::run() {
  TF_CHECK(check_expanded_size(ir_));
  k_.header.env_light = -1;
  k_.header.max_depth = ir_.max_depth;
  k_.header.film = film_response(ir_.film);
  Mat4 world_from_camera;
  if (ir_.has_camera) {
    std::optional<Mat4> inv = ir_.camera.camera_from_world.inverse();
    if (!inv) return Error{"Camera: the camera transform is singular"};
    world_from_camera = *inv;
  }
  k_.camera = make_camera(ir_, world_from_camera);
  k_.header.camera_medium = static_cast<uint32_t>(ir_.camera_medium + 1);
  for (const IrMedium& m : ir_.media) add_medium(m);
  for (const IrMaterial& m : ir_.materials) {
    interior_map_.push_back(m.interior ? add_medium(*m.interior) : 0u);
    tf_material km{};
    switch (m.type) {
      case IrMaterial::Type::Diffuse:
        km.type = TF_MAT_DIFFUSE;
        break;
      case IrMaterial::Type::Conductor:
        km.type = TF_MAT_CONDUCTOR;
        break;
      case IrMaterial::Type::Dielectric:
        km.type = TF_MAT_DIELECTRIC;
        break;
      case IrMaterial::Type::ThinDielectric:
        km.type = TF_MAT_THIN_DIELECTRIC;
        break;
      case IrMaterial::Type::CoatedDiffuse:
        km.type = TF_MAT_COATED_DIFFUSE;
        break;
      case IrMaterial::Type::CoatedConductor:
        km.type = TF_MAT_COATED_CONDUCTOR;
        break;
      case IrMaterial::Type::DiffuseTransmission:
        km.type = TF_MAT_DIFFUSE_TRANSMISSION;
        break;
      case IrMaterial::Type::Mix:  // parts defined earlier: already in material_map_
        km.type = TF_MAT_MIX;
        km.mix_m0 = material_map_[static_cast<size_t>(m.mix[0])];
        km.mix_m1 = material_map_[static_cast<size_t>(m.mix[1])];
        km.mix_amount = m.amount;
        break;
      case IrMaterial::Type::Hair:
        km.type = TF_MAT_HAIR;
        break;
      case IrMaterial::Type::Measured: {
        km.type = TF_MAT_MEASURED;
        // One block per file, as pbrt-v4's MeasuredMaterial::Create caches files by name: a
        // file that several materials use is read and checked once.
        const std::filesystem::path file = m.measured_file.lexically_normal();
        auto cached = measured_blocks_.find(file);
        if (cached == measured_blocks_.end()) {
          TF_TRY(tables, add_measured_tables(file, &k_.texels, kMaxKernelTexels));
          cached = measured_blocks_.emplace(file, tables).first;
        }
        km.measured = cached->second;
        break;
      }
    }
    km.texture = -1;
    if (m.texture >= 0) {
      TF_TRY(t, kernel_texture(m.texture));
      km.texture = t;
    }
    TF_TRY(displacement, texture_ref(m.displacement));
    TF_TRY(normal_map, texture_ref(m.normal_map));
    TF_TRY(amount, texture_ref(m.amount_texture));
    TF_TRY(rough_u, texture_ref(m.roughness_texture[0]));
    TF_TRY(rough_v, texture_ref(m.roughness_texture[1]));
    TF_TRY(coat_rough_u, texture_ref(m.coat_roughness_texture[0]));
    TF_TRY(coat_rough_v, texture_ref(m.coat_roughness_texture[1]));
    km.displacement = displacement;
    km.normal_map = normal_map;
    km.mix_amount_tex = amount;
    km.rough_u_tex = rough_u, km.rough_v_tex = rough_v;
    km.coat_rough_u_tex = coat_rough_u, km.coat_rough_v_tex = coat_rough_v;
    km.r = m.reflectance[0], km.g = m.reflectance[1], km.b = m.reflectance[2];
    if (m.type == IrMaterial::Type::Hair) {
      km.r = m.sigma_a[0], km.g = m.sigma_a[1], km.b = m.sigma_a[2];
    }
    km.beta_m = m.beta_m, km.beta_n = m.beta_n, km.hair_alpha = m.hair_alpha;
    km.eta_r = m.eta[0], km.eta_g = m.eta[1], km.eta_b = m.eta[2];
    km.k_r = m.k[0], km.k_g = m.k[1], km.k_b = m.k[2];
    km.trans_r = m.transmittance[0], km.trans_g = m.transmittance[1];
    km.trans_b = m.transmittance[2];
    km.alpha_u = m.alpha_u, km.alpha_v = m.alpha_v;
    km.flags = (m.use_reflectance ? TF_MAT_USE_REFLECTANCE : 0u) |
               (m.remap_roughness ? TF_MAT_REMAP_ROUGHNESS : 0u);
    km.coat_eta = m.coat_eta;
    km.coat_alpha_u = m.coat_alpha_u, km.coat_alpha_v = m.coat_alpha_v;
    km.thickness = m.thickness, km.hg_g = m.g;
    km.albedo_r = m.albedo[0], km.albedo_g = m.albedo[1], km.albedo_b = m.albedo[2];
    km.max_depth = m.max_depth, km.n_samples = m.n_samples;
    material_map_.push_back(static_cast<uint32_t>(k_.materials.size()));
    k_.materials.push_back(km);
  }
  for (const IrShape& s : ir_.shapes) TF_CHECK(emit_shape(s, s.world_from_object));
  for (const IrInstance& inst : ir_.instances) {
    for (const IrShape& s : ir_.objects[static_cast<size_t>(inst.object)].shapes) {
      Status st = emit_shape(s, inst.world_from_instance * s.world_from_object);
      if (!st) return Error{st.message() + " (instanced at " + inst.loc.str() + ")"};
    }
  }
  for (uint32_t sphere : emissive_spheres_) {
    const int32_t index = k_.spheres[sphere].light;
    k_.lights[static_cast<size_t>(index)].prim =
        static_cast<uint32_t>(k_.triangles.size()) + sphere;
  }
  for (const IrLight& l : ir_.lights) TF_CHECK(emit_light(l));
  return std::move(k_);
}

}  // namespace

Result<KernelScene> convert_to_kernel(const SceneIr& ir) {
  Converter c(ir);
  return c.run();
}

}  // namespace tf::scene
