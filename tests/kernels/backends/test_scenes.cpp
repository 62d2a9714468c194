#include "tests/kernels/backends/test_scenes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/render/measured_host.h"
#include "kernels/render/subsurface_albedo.h"
#include "tests/kernels/render/measured_tabulation.h"

namespace tf::test {
namespace {

struct P {
  float x, y, z;
};

P sub(P a, P b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
P cross(P a, P b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
P unit(P a) {
  float l = std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z);
  return {a.x / l, a.y / l, a.z / l};
}

tf_camera camera(P pos, P target, uint32_t width, uint32_t height, float tan_half_x) {
  P f = unit(sub(target, pos));
  P r = unit(cross(f, P{0.0f, 1.0f, 0.0f}));
  P u = cross(r, f);
  tf_camera c{};
  c.pos_x = pos.x, c.pos_y = pos.y, c.pos_z = pos.z;
  c.right_x = r.x, c.right_y = r.y, c.right_z = r.z;
  c.up_x = u.x, c.up_y = u.y, c.up_z = u.z;
  c.fwd_x = f.x, c.fwd_y = f.y, c.fwd_z = f.z;
  c.tan_half_x = tan_half_x;
  c.tan_half_y = tan_half_x * static_cast<float>(height) / static_cast<float>(width);
  c.width = width;
  c.height = height;
  return c;
}

int32_t add(std::vector<tf_material>* v, tf_material m) {
  v->push_back(m);
  return static_cast<int32_t>(v->size() - 1);
}

tf_material material(uint32_t type, float r, float g, float b) {
  tf_material m{};
  m.type = type;
  m.texture = -1;
  m.r = r, m.g = g, m.b = b;
  return m;
}

tf_material conductor(float eta, float k, float alpha_u, float alpha_v) {
  tf_material m = material(TF_MAT_CONDUCTOR, 0.0f, 0.0f, 0.0f);
  m.eta_r = eta, m.eta_g = eta * 0.8f, m.eta_b = eta * 0.6f;
  m.k_r = k, m.k_g = k * 0.9f, m.k_b = k * 1.1f;
  m.alpha_u = alpha_u, m.alpha_v = alpha_v;
  return m;
}

tf_material glass(uint32_t type, float eta, float alpha) {
  tf_material m = material(type, 1.0f, 1.0f, 1.0f);
  m.eta_r = eta;
  m.alpha_u = m.alpha_v = alpha;
  return m;
}

void add_sphere(KernelScene* s, P c, float radius, int32_t mat, float emit = 0.0f, uint32_t flags = 0u) {
  tf_sphere sp{};
  sp.cx = c.x, sp.cy = c.y, sp.cz = c.z;
  sp.radius = radius;
  sp.material = static_cast<uint32_t>(mat);
  sp.light = -1;
  sp.flags = flags;
  if (emit > 0.0f) {
    tf_light l{};
    l.type = TF_LIGHT_AREA;
    l.prim = static_cast<uint32_t>(s->triangles.size() + s->spheres.size());
    l.texture = -1;
    l.r = emit, l.g = emit * 0.9f, l.b = emit * 0.7f;
    s->lights.push_back(l);
    sp.light = static_cast<int32_t>(s->lights.size() - 1);
  }
  s->spheres.push_back(sp);
}

tf_vertex vertex(P p, P n, float u, float v) {
  tf_vertex x{};
  x.px = p.x, x.py = p.y, x.pz = p.z;
  x.nx = n.x, x.ny = n.y, x.nz = n.z;
  x.u = u, x.v = v;
  return x;
}

// Quad p0, p0+e1, p0+e1+e2, p0+e2 (normal along e1 x e2) as two triangles with UVs; shading
// normals tilted slightly towards `tilt` when given. emit > 0 makes both triangles area lights.
void add_quad(KernelScene* s, P p0, P e1, P e2, int32_t mat, uint32_t flags, float emit = 0.0f,
              uint32_t two_sided = 0u) {
  P n = unit(cross(e1, e2));
  P tilted = unit(P{n.x + 0.2f, n.y + 0.1f, n.z});
  P ns[4] = {n, tilted, n, tilted};
  P ps[4] = {p0, {p0.x + e1.x, p0.y + e1.y, p0.z + e1.z},
             {p0.x + e1.x + e2.x, p0.y + e1.y + e2.y, p0.z + e1.z + e2.z}, {p0.x + e2.x, p0.y + e2.y, p0.z + e2.z}};
  const float uv[4][2] = {{0.0f, 0.0f}, {1.0f, 0.0f}, {1.0f, 1.0f}, {0.0f, 1.0f}};
  uint32_t base = static_cast<uint32_t>(s->vertices.size());
  for (int i = 0; i < 4; ++i) s->vertices.push_back(vertex(ps[i], ns[i], uv[i][0], uv[i][1]));
  const uint32_t corners[2][3] = {{0, 1, 2}, {0, 2, 3}};
  for (const auto& c : corners) {
    tf_triangle t{};
    t.v0 = base + c[0], t.v1 = base + c[1], t.v2 = base + c[2];
    t.material = static_cast<uint32_t>(mat);
    t.light = -1;
    t.flags = flags;
    if (emit > 0.0f) {
      tf_light l{};
      l.type = TF_LIGHT_AREA;
      l.prim = static_cast<uint32_t>(s->triangles.size());
      l.two_sided = two_sided;
      l.texture = -1;
      l.r = emit * 0.8f, l.g = emit, l.b = emit * 0.9f;
      s->lights.push_back(l);
      t.light = static_cast<int32_t>(s->lights.size() - 1);
    }
    s->triangles.push_back(t);
  }
}

// A width x height RGB image of smooth ramps plus a bright spot (so importance sampling of
// environment maps has something to find). Returns its texture index.
int32_t add_image(KernelScene* s, uint32_t width, uint32_t height, float scale) {
  tf_texture t{};
  t.type = TF_TEX_IMAGE;
  t.width = width;
  t.height = height;
  t.offset = static_cast<uint32_t>(s->texels.size());
  t.r = t.g = t.b = scale;
  t.uscale = t.vscale = 1.0f;
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      float fx = (static_cast<float>(x) + 0.5f) / static_cast<float>(width);
      float fy = (static_cast<float>(y) + 0.5f) / static_cast<float>(height);
      float spot = (x == width / 3 && y == height / 4) ? 20.0f : 0.0f;
      s->texels.push_back(0.2f + fx + spot);
      s->texels.push_back(0.3f + 0.5f * fy + spot);
      s->texels.push_back(0.6f - 0.4f * fx * fy + spot);
    }
  }
  s->textures.push_back(t);
  return static_cast<int32_t>(s->textures.size() - 1);
}

int32_t add_checkerboard(KernelScene* s) {
  tf_texture t{};
  t.type = TF_TEX_CHECKERBOARD;
  t.r = 0.8f, t.g = 0.7f, t.b = 0.2f;
  t.r2 = 0.1f, t.g2 = 0.2f, t.b2 = 0.6f;
  t.uscale = 8.0f, t.vscale = 4.0f, t.udelta = 0.1f, t.vdelta = 0.05f;
  s->textures.push_back(t);
  return static_cast<int32_t>(s->textures.size() - 1);
}

tf_light delta_light(uint32_t type, P p, P d, float power) {
  tf_light l{};
  l.type = type;
  l.texture = -1;
  l.r = power, l.g = power * 0.8f, l.b = power * 0.6f;
  l.px = p.x, l.py = p.y, l.pz = p.z;
  l.dx = d.x, l.dy = d.y, l.dz = d.z;
  return l;
}

tf_light uniform_env(float r, float g, float b) {
  tf_light env{};
  env.type = TF_LIGHT_ENV_UNIFORM;
  env.texture = -1;
  env.r = r, env.g = g, env.b = b;
  env.world_to_light[0] = env.world_to_light[4] = env.world_to_light[8] = 1.0f;
  return env;
}

NamedScene finalized(std::string name, KernelScene s) {
  s.header.max_depth = 6;
  Status st = finalize_kernel_scene(&s);
  EXPECT_TRUE(st) << name << ": " << st.message();
  return NamedScene{std::move(name), std::move(s)};
}

}  // namespace

NamedScene spheres_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 6.0f}, {0.0f, 0.6f, 0.0f}, 24, 16, 0.6f);
  tf_material checker = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
  checker.texture = add_checkerboard(&s);
  int32_t ground = add(&s.materials, checker);
  int32_t smooth_metal = add(&s.materials, conductor(0.2f, 3.9f, 0.0f, 0.0f));
  int32_t rough_metal = add(&s.materials, conductor(1.5f, 2.0f, 0.3f, 0.08f));
  tf_material reflective = material(TF_MAT_CONDUCTOR, 0.9f, 0.6f, 0.3f);
  reflective.flags = TF_MAT_USE_REFLECTANCE;
  reflective.alpha_u = reflective.alpha_v = 0.15f;
  int32_t by_reflectance = add(&s.materials, reflective);
  int32_t clear_glass = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.5f, 0.0f));
  int32_t frosted_glass = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.33f, 0.2f));
  int32_t thin = add(&s.materials, glass(TF_MAT_THIN_DIELECTRIC, 1.5f, 0.0f));
  int32_t white = add(&s.materials, material(TF_MAT_DIFFUSE, 0.7f, 0.7f, 0.7f));

  add_sphere(&s, {0.0f, -1000.0f, 0.0f}, 1000.0f, ground);
  add_sphere(&s, {-2.2f, 0.5f, 0.0f}, 0.5f, smooth_metal);
  add_sphere(&s, {-1.1f, 0.5f, 0.5f}, 0.5f, rough_metal);
  add_sphere(&s, {0.0f, 0.5f, 0.0f}, 0.5f, clear_glass);
  add_sphere(&s, {1.1f, 0.5f, 0.5f}, 0.5f, frosted_glass);
  add_sphere(&s, {2.2f, 0.5f, 0.0f}, 0.5f, thin);
  add_sphere(&s, {0.6f, 1.4f, -1.0f}, 0.4f, by_reflectance);
  add_sphere(&s, {-0.8f, 2.5f, 1.0f}, 0.3f, white, 8.0f);                        // area light
  add_sphere(&s, {1.5f, 0.25f, 2.0f}, 0.25f, white, 0.0f, TF_PRIM_FLIP_NORMAL);  // flipped, not emitting
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {2.0f, 3.0f, 2.0f}, {0.0f, 0.0f, 0.0f}, 12.0f));
  tf_light spot = delta_light(TF_LIGHT_SPOT, {-2.0f, 3.0f, 1.0f}, unit({0.4f, -1.0f, -0.2f}), 30.0f);
  spot.cos_total = std::cos(0.5f);
  spot.cos_falloff = std::cos(0.3f);
  s.lights.push_back(spot);
  s.lights.push_back(uniform_env(0.1f, 0.15f, 0.25f));
  return finalized("spheres", std::move(s));
}

NamedScene triangles_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 3.4f}, {0.0f, 1.0f, 0.0f}, 20, 20, 0.7f);
  s.camera.lens_radius = 0.04f;
  s.camera.focal_distance = 3.0f;
  tf_material textured = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
  textured.texture = add_image(&s, 8, 4, 0.8f);
  int32_t wall = add(&s.materials, textured);
  tf_texture constant{};
  constant.type = TF_TEX_CONSTANT;
  constant.r = 0.7f, constant.g = 0.1f, constant.b = 0.1f;
  s.textures.push_back(constant);
  tf_material red_material = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
  red_material.texture = static_cast<int32_t>(s.textures.size() - 1);
  int32_t red = add(&s.materials, red_material);
  int32_t metal = add(&s.materials, conductor(0.5f, 2.5f, 0.25f, 0.25f));
  int32_t rough_glass = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.45f, 0.1f));
  int32_t lamp = add(&s.materials, material(TF_MAT_DIFFUSE, 0.0f, 0.0f, 0.0f));
  const uint32_t smooth_uv = TF_TRI_HAS_NORMALS | TF_TRI_HAS_UV;

  add_quad(&s, {-1.0f, 0.0f, 1.0f}, {2.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -2.0f}, wall, TF_TRI_HAS_UV);  // floor
  add_quad(&s, {-1.0f, 0.0f, -1.0f}, {2.0f, 0.0f, 0.0f}, {0.0f, 2.0f, 0.0f}, wall, smooth_uv);      // back
  add_quad(&s, {-1.0f, 0.0f, 1.0f}, {0.0f, 0.0f, -2.0f}, {0.0f, 2.0f, 0.0f}, red, 0u);              // left
  add_quad(&s, {1.0f, 0.0f, -1.0f}, {0.0f, 0.0f, 2.0f}, {0.0f, 2.0f, 0.0f}, metal, TF_TRI_HAS_NORMALS);
  add_quad(&s, {-0.3f, 0.3f, 0.2f}, {0.6f, 0.1f, 0.0f}, {0.0f, 0.5f, -0.4f}, rough_glass, 0u);   // glass pane
  add_quad(&s, {-0.3f, 1.99f, 0.3f}, {0.6f, 0.0f, 0.0f}, {0.0f, 0.0f, -0.6f}, lamp, 0u, 6.0f);  // ceiling light
  add_quad(&s, {-0.9f, 0.2f, 0.6f}, {0.0f, 0.3f, 0.0f}, {0.0f, 0.0f, 0.3f}, lamp, TF_PRIM_FLIP_NORMAL, 3.0f, 1u);
  s.lights.push_back(delta_light(TF_LIGHT_DISTANT, {0.0f, 0.0f, 0.0f}, unit({0.3f, 1.0f, 0.6f}), 1.5f));
  return finalized("triangles", std::move(s));
}

// A homogeneous medium: grey absorption `a`, scattering (sr, sg, sb), asymmetry g.
tf_medium homogeneous(float a, float sr, float sg, float sb, float g) {
  tf_medium m{};
  m.sigma_a_r = m.sigma_a_g = m.sigma_a_b = a;
  m.sigma_s_r = sr, m.sigma_s_g = sg, m.sigma_s_b = sb;
  m.g = g;
  return m;
}

// The thin, bluish scattering haze the media scenes fill their world with.
tf_medium thin_haze() { return homogeneous(0.01f, 0.05f, 0.06f, 0.08f, 0.0f); }

// The stage of a media scene whose first medium is thin_haze(): the camera in it, a grey floor,
// and the interface sphere (radius 8) that bounds it; returns the white diffuse material that
// the scene's own interface spheres use.
int32_t hazy_stage(KernelScene* s) {
  s->header.camera_medium = 1;
  int32_t floor_id = add(&s->materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f));
  int32_t white = add(&s->materials, material(TF_MAT_DIFFUSE, 0.7f, 0.7f, 0.7f));
  add_quad(s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, floor_id, 0u);
  add_sphere(s, {0.0f, 0.0f, 0.0f}, 8.0f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(1u, 0u));
  return white;
}

NamedScene media_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.0f}, {0.0f, 0.6f, 0.0f}, 16, 12, 0.6f);
  auto medium = [&s](const tf_medium& m) {
    s.media.push_back(m);
    return static_cast<uint32_t>(s.media.size());  // 1 + index
  };
  const uint32_t haze = medium(thin_haze());
  const uint32_t fog = medium(homogeneous(0.1f, 1.5f, 2.0f, 3.0f, 0.5f));
  const uint32_t ink = medium(homogeneous(0.8f, 0.0f, 0.0f, 0.0f, 0.0f));
  // A "subsurface" interior.
  const uint32_t skin = medium(homogeneous(0.05f, 4.0f, 6.0f, 9.0f, 0.3f));
  s.header.camera_medium = haze;
  int32_t floor_id = add(&s.materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f));
  int32_t clear = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.5f, 0.0f));
  int32_t white = add(&s.materials, material(TF_MAT_DIFFUSE, 0.7f, 0.7f, 0.7f));
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, floor_id, 0u);
  add_sphere(&s, {0.0f, 0.0f, 0.0f}, 8.0f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(haze, 0u));
  add_sphere(&s, {-0.6f, 0.6f, 0.0f}, 0.6f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(fog, haze));
  add_sphere(&s, {0.8f, 0.5f, 0.4f}, 0.5f, clear, 0.0f, TF_PRIM_MEDIA(ink, haze));
  int32_t rough = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.33f, 0.3f));
  add_sphere(&s, {0.1f, 0.3f, 1.0f}, 0.3f, rough, 0.0f, TF_PRIM_MEDIA(skin, haze));
  add_sphere(&s, {0.5f, 2.2f, 0.5f}, 0.25f, white, 10.0f);  // area light
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {-1.5f, 2.0f, 1.5f}, {0.0f, 0.0f, 0.0f}, 6.0f));
  s.lights.push_back(uniform_env(0.3f, 0.35f, 0.45f));
  return finalized("media", std::move(s));
}

// A grid medium (rotated and scaled into its own space) and a procedural cloud, each inside an
// interface sphere within a homogeneous haze: delta tracking, ratio-tracked shadow rays
// through both kinds of media, the grid lookup and pbrt's cloud noise.
NamedScene heterogeneous_media_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.0f}, {0.0f, 0.6f, 0.0f}, 16, 12, 0.6f);
  const tf_medium haze = thin_haze();
  tf_medium grid{};
  grid.kind = TF_MEDIUM_GRID;
  grid.sigma_a_r = 0.2f, grid.sigma_a_g = 0.3f, grid.sigma_a_b = 0.1f;
  grid.sigma_s_r = 2.0f, grid.sigma_s_g = 3.0f, grid.sigma_s_b = 4.0f;
  grid.g = 0.3f;
  // medium = 0.8 * rotation about y by 30 degrees * (world - (-1.2, 0, -0.6)).
  const float c = 0.8f * 0.8660254f, sn = 0.8f * 0.5f;
  const float xf[12] = {c, 0.0f, sn, c * 1.2f + sn * 0.6f, 0.0f, 0.8f, 0.0f, 0.0f,
                        -sn, 0.0f, c, -sn * 1.2f + c * 0.6f};
  std::copy(xf, xf + 12, grid.medium_from_world);
  grid.p1[0] = grid.p1[1] = grid.p1[2] = 1.0f;
  grid.nx = 4, grid.ny = 3, grid.nz = 5;
  for (uint32_t k = 0; k < grid.nz; ++k) {
    for (uint32_t j = 0; j < grid.ny; ++j) {
      for (uint32_t i = 0; i < grid.nx; ++i) {
        s.densities.push_back(1.0f + std::sin(1.3f * i + 0.7f * j - 0.9f * k));
      }
    }
  }
  tf_medium cloud{};
  cloud.kind = TF_MEDIUM_CLOUD;
  cloud.sigma_a_r = cloud.sigma_a_g = cloud.sigma_a_b = 0.01f;
  cloud.sigma_s_r = cloud.sigma_s_g = cloud.sigma_s_b = 10.0f;
  cloud.medium_from_world[0] = cloud.medium_from_world[5] = cloud.medium_from_world[10] = 1.0f;
  cloud.medium_from_world[3] = -0.2f, cloud.medium_from_world[11] = 0.4f;
  cloud.p1[0] = cloud.p1[1] = cloud.p1[2] = 1.0f;
  cloud.density = 2.0f, cloud.wispiness = 1.0f, cloud.frequency = 5.0f;
  s.media = {haze, grid, cloud};
  const int32_t white = hazy_stage(&s);
  add_sphere(&s, {-0.6f, 0.6f, 0.0f}, 0.7f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(2u, 1u));
  add_sphere(&s, {0.8f, 0.6f, 0.2f}, 0.6f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(3u, 1u));
  add_sphere(&s, {0.5f, 2.2f, 0.5f}, 0.25f, white, 10.0f);  // area light
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {-1.5f, 2.0f, 1.5f}, {0.0f, 0.0f, 0.0f}, 6.0f));
  s.lights.push_back(uniform_env(0.3f, 0.35f, 0.45f));
  return finalized("heterogeneous media", std::move(s));
}

// Emissive media (medium_emission.h) inside interface spheres within a homogeneous haze: a
// scattering homogeneous medium with "Le", a purely absorbing one (its exact emission
// integral), a grid with "Le" and a Lescale grid, and a grid with a temperature grid on its
// own box and a blackbody table.
NamedScene emissive_media_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.0f}, {0.0f, 0.6f, 0.0f}, 16, 12, 0.6f);
  const tf_medium haze = thin_haze();
  tf_medium glow{};
  glow.sigma_a_r = 0.5f, glow.sigma_a_g = 0.8f, glow.sigma_a_b = 0.3f;
  glow.sigma_s_r = 1.0f, glow.sigma_s_g = 2.0f, glow.sigma_s_b = 3.0f;
  glow.g = -0.2f;
  glow.emissive = 1u;
  glow.le[0] = 2.0f, glow.le[1] = 1.0f, glow.le[2] = 0.5f;
  tf_medium ember{};
  ember.sigma_a_r = 1.5f, ember.sigma_a_g = 0.7f, ember.sigma_a_b = 0.0f;
  ember.emissive = 1u;
  ember.le[0] = 3.0f, ember.le[1] = 0.6f, ember.le[2] = 0.2f;
  auto push_grid = [&s](uint32_t n, float base) {
    for (uint32_t i = 0; i < n; ++i) s.densities.push_back(base + std::sin(0.9f * i) * 0.5f * base);
  };
  tf_medium lit{};
  lit.kind = TF_MEDIUM_GRID;
  lit.sigma_a_r = 1.0f, lit.sigma_a_g = 0.6f, lit.sigma_a_b = 0.4f;
  lit.sigma_s_r = 1.0f, lit.sigma_s_g = 1.5f, lit.sigma_s_b = 2.0f;
  lit.medium_from_world[0] = lit.medium_from_world[5] = lit.medium_from_world[10] = 1.0f;
  lit.medium_from_world[3] = 1.3f, lit.medium_from_world[7] = -0.1f, lit.medium_from_world[11] = 0.5f;
  lit.p1[0] = lit.p1[1] = lit.p1[2] = 1.0f;
  lit.nx = 3, lit.ny = 4, lit.nz = 2;
  lit.offset = static_cast<uint32_t>(s.densities.size());
  push_grid(24, 1.0f);
  lit.emissive = 1u;
  lit.le[0] = 0.5f, lit.le[1] = 2.0f, lit.le[2] = 1.0f;
  lit.lescale_n[0] = 2, lit.lescale_n[1] = 2, lit.lescale_n[2] = 3;
  lit.lescale_offset = static_cast<uint32_t>(s.densities.size());
  push_grid(12, 1.5f);
  tf_medium fire = lit;
  fire.medium_from_world[3] = -0.3f, fire.medium_from_world[7] = -0.2f;
  fire.le[0] = fire.le[1] = fire.le[2] = 0.0f;
  fire.lescale_n[0] = 0;
  fire.temp_n[0] = 4, fire.temp_n[1] = 3, fire.temp_n[2] = 3;
  fire.temp_offset = static_cast<uint32_t>(s.densities.size());
  push_grid(36, 20.0f);
  for (int a = 0; a < 3; ++a) fire.temp_p0[a] = 0.1f, fire.temp_p1[a] = 0.9f;
  fire.temp_shift = 2.0f, fire.temp_scale = 100.0f;
  fire.bb_count = 16, fire.bb_t0 = 100.0f, fire.bb_t1 = 3000.0f;
  fire.bb_offset = static_cast<uint32_t>(s.densities.size());
  for (uint32_t i = 0; i < 3 * fire.bb_count; ++i) {
    s.densities.push_back(0.05f * static_cast<float>(i / 3u) * (1.0f + 0.3f * (i % 3u)));
  }
  s.media = {haze, glow, ember, lit, fire};
  const int32_t white = hazy_stage(&s);
  add_sphere(&s, {-2.0f, 0.6f, 0.0f}, 0.4f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(2u, 1u));
  add_sphere(&s, {0.0f, 1.8f, 0.0f}, 0.35f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(3u, 1u));
  add_sphere(&s, {-0.8f, 0.7f, 0.0f}, 0.7f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(4u, 1u));
  add_sphere(&s, {0.8f, 0.7f, 0.0f}, 0.7f, white, 0.0f, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(5u, 1u));
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {-1.5f, 2.0f, 1.5f}, {0.0f, 0.0f, 0.0f}, 3.0f));
  return finalized("emissive media", std::move(s));
}

NamedScene environment_scene(uint32_t mapping) {
  KernelScene s;
  s.camera = camera({0.5f, 1.2f, 4.0f}, {0.0f, 0.5f, 0.0f}, 18, 12, 0.5f);
  tf_material floor_material = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
  floor_material.texture = add_checkerboard(&s);
  int32_t floor_id = add(&s.materials, floor_material);
  int32_t gloss = add(&s.materials, conductor(1.2f, 3.0f, 0.05f, 0.2f));
  int32_t clear = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.6f, 0.0f));
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, floor_id, TF_TRI_HAS_UV);
  add_sphere(&s, {-0.6f, 0.5f, 0.0f}, 0.5f, gloss);
  add_sphere(&s, {0.6f, 0.5f, 0.3f}, 0.5f, clear);

  bool octahedral = mapping == TF_ENV_OCTAHEDRAL;
  tf_light env{};
  env.type = TF_LIGHT_ENV_IMAGE;
  env.texture = add_image(&s, octahedral ? 16u : 32u, 16u, 1.0f);
  env.mapping = mapping;
  env.r = env.g = env.b = 1.0f;
  // A rotation about y by 30 degrees: world direction -> map direction.
  const float c = std::cos(0.5235988f);
  const float sn = std::sin(0.5235988f);
  const float rotation[9] = {c, 0.0f, -sn, 0.0f, 1.0f, 0.0f, sn, 0.0f, c};
  for (int i = 0; i < 9; ++i) env.world_to_light[i] = rotation[i];
  s.lights.push_back(env);
  return finalized(octahedral ? "environment-octahedral" : "environment-equirect", std::move(s));
}

NamedScene film_response_scene() {
  NamedScene n = spheres_scene();
  n.name = "spheres-film-response";
  // pbrt's cie1931 sensor at ISO 400 (sRGB -> XYZ times 4), a clamp at 2 and XYZ -> sRGB
  // after a white balance (rounded values of one).
  tf_film& f = n.scene.header.film;
  f.flags = TF_FILM_RESPONSE;
  f.max_component = 2.0f;
  const float sensor[9] = {1.6498256f, 1.4303044f, 0.72175f,  0.8506916f, 2.8606088f,
                           0.2887f,    0.0773356f, 0.476768f, 3.8012164f};
  const float output[9] = {3.0162f, -1.4061f, -0.4389f, -0.9693f, 1.8760f,
                           0.0416f, 0.0645f,  -0.2375f, 1.2273f};
  std::copy(sensor, sensor + 9, f.sensor_from_radiance);
  std::copy(output, output + 9, f.output_from_sensor);
  // A crop window's shifted raster mapping (tf_camera center_x/y).
  n.scene.camera.center_x = 0.05f;
  n.scene.camera.center_y = -0.03f;
  return n;
}

namespace {

tf_material coated(uint32_t type, float coat_eta, float coat_alpha, float thickness, float albedo) {
  tf_material m = material(type, 0.7f, 0.3f, 0.2f);
  m.coat_eta = coat_eta;
  m.coat_alpha_u = m.coat_alpha_v = coat_alpha;
  m.thickness = thickness;
  m.albedo_r = albedo, m.albedo_g = albedo * 0.8f, m.albedo_b = albedo * 0.5f;
  m.hg_g = 0.3f;
  m.max_depth = 10;
  m.n_samples = 2;
  return m;
}

}  // namespace

NamedScene coated_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 5.0f}, {0.0f, 0.5f, 0.0f}, 20, 12, 0.6f);
  int32_t ground = add(&s.materials, material(TF_MAT_DIFFUSE, 0.5f, 0.5f, 0.5f));
  int32_t varnish = add(&s.materials, coated(TF_MAT_COATED_DIFFUSE, 1.5f, 0.3f, 0.1f, 0.6f));
  int32_t lacquer = add(&s.materials, coated(TF_MAT_COATED_DIFFUSE, 1.4f, 0.0f, 0.01f, 0.0f));
  tf_material gold = coated(TF_MAT_COATED_CONDUCTOR, 1.5f, 0.2f, 0.01f, 0.0f);
  gold.eta_r = 0.28f, gold.eta_g = 0.47f, gold.eta_b = 1.45f;
  gold.k_r = 2.98f, gold.k_g = 2.50f, gold.k_b = 1.88f;
  gold.alpha_u = 0.3f, gold.alpha_v = 0.1f;
  int32_t coated_gold = add(&s.materials, gold);
  tf_material painted = coated(TF_MAT_COATED_CONDUCTOR, 1.3f, 0.0f, 0.05f, 0.4f);
  painted.flags = TF_MAT_USE_REFLECTANCE;
  painted.alpha_u = painted.alpha_v = 0.2f;
  int32_t by_reflectance = add(&s.materials, painted);
  int32_t white = add(&s.materials, material(TF_MAT_DIFFUSE, 0.7f, 0.7f, 0.7f));

  add_sphere(&s, {0.0f, -1000.0f, 0.0f}, 1000.0f, ground);
  add_sphere(&s, {-1.65f, 0.5f, 0.0f}, 0.5f, varnish);
  add_sphere(&s, {-0.55f, 0.5f, 0.3f}, 0.5f, lacquer);
  add_sphere(&s, {0.55f, 0.5f, 0.0f}, 0.5f, coated_gold);
  add_sphere(&s, {1.65f, 0.5f, 0.3f}, 0.5f, by_reflectance);
  add_sphere(&s, {-0.5f, 2.5f, 1.5f}, 0.4f, white, 6.0f);  // area light
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("coated", std::move(s));
}

namespace {

// A texture node with an identity texture-from-world transform and unit uv scale.
tf_texture tex_node(uint32_t type, uint32_t mapping, float r, float g, float b) {
  tf_texture t{};
  t.type = type;
  t.mapping = mapping;
  t.r = r, t.g = g, t.b = b;
  t.uscale = t.vscale = 1.0f;
  t.xf[0] = t.xf[5] = t.xf[10] = 1.0f;
  return t;
}

// Appends a post-order texture program; returns the index of its last node (the texture).
int32_t add_program(KernelScene* s, std::vector<tf_texture> nodes) {
  nodes.back().count = static_cast<uint32_t>(nodes.size());
  s->textures.insert(s->textures.end(), nodes.begin(), nodes.end());
  return static_cast<int32_t>(s->textures.size() - 1);
}

int32_t textured(KernelScene* s, int32_t texture) {
  tf_material m = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
  m.texture = texture;
  return add(&s->materials, m);
}

}  // namespace

// pbrt-v4's texture kinds and mappings (texture_graph.h): nested programs, noise, images.
NamedScene textures_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.2f, 5.0f}, {0.0f, 0.5f, 0.0f}, 20, 14, 0.6f);
  tf_texture checker = tex_node(TF_TEX_CHECKERBOARD, TF_MAP_POINT3D, 0.8f, 0.7f, 0.3f);
  checker.r2 = 0.1f, checker.g2 = 0.3f, checker.b2 = 0.5f;
  checker.xf[0] = checker.xf[5] = checker.xf[10] = 2.0f;
  tf_texture marble = tex_node(TF_TEX_MARBLE, TF_MAP_POINT3D, 0, 0, 0);
  marble.omega = 0.5f, marble.octaves = 8, marble.noise_scale = 3.0f, marble.variation = 0.2f;
  tf_texture amount = tex_node(TF_TEX_FBM, TF_MAP_POINT3D, 0, 0, 0);
  amount.omega = 0.5f, amount.octaves = 4;
  int32_t ground = textured(&s, add_program(&s, {checker, marble, amount,
                                                 tex_node(TF_TEX_MIX, 0, 0, 0, 0)}));
  tf_texture dots = tex_node(TF_TEX_DOTS, TF_MAP_UV, 0.9f, 0.2f, 0.2f);
  dots.r2 = 0.2f, dots.g2 = 0.6f, dots.b2 = 0.9f;
  dots.uscale = 12.0f, dots.vscale = 6.0f;
  int32_t dotted = textured(&s, add_program(&s, {dots, tex_node(TF_TEX_WINDY, TF_MAP_POINT3D, 0, 0, 0),
                                                 tex_node(TF_TEX_SCALE, 0, 0, 0, 0)}));
  tf_texture bilerp = tex_node(TF_TEX_BILERP, TF_MAP_SPHERICAL, 0.9f, 0.1f, 0.1f);
  bilerp.r2 = 0.1f, bilerp.g2 = 0.9f, bilerp.b2 = 0.1f;
  bilerp.c3[2] = 0.9f, bilerp.c4[0] = bilerp.c4[1] = bilerp.c4[2] = 0.8f;
  bilerp.xf[3] = 0.0f, bilerp.xf[7] = -0.5f;  // centred on the sphere below
  tf_texture wrinkled = tex_node(TF_TEX_WRINKLED, TF_MAP_POINT3D, 0, 0, 0);
  wrinkled.omega = 0.5f, wrinkled.octaves = 6;
  tf_texture dmix = tex_node(TF_TEX_DIRECTIONMIX, 0, 0, 0, 0);
  dmix.dir[1] = 1.0f;
  int32_t mixed = textured(&s, add_program(&s, {bilerp, wrinkled, dmix}));
  int32_t image = add_image(&s, 8, 4, 0.7f);
  s.textures[static_cast<size_t>(image)].invert = 1u;
  s.textures[static_cast<size_t>(image)].mapping = TF_MAP_CYLINDRICAL;
  s.textures[static_cast<size_t>(image)].xf[3] = -1.2f;
  s.textures[static_cast<size_t>(image)].xf[0] = s.textures[static_cast<size_t>(image)].xf[5] =
      s.textures[static_cast<size_t>(image)].xf[10] = 1.0f;
  int32_t inverted = textured(&s, image);
  tf_texture planar = tex_node(TF_TEX_CHECKERBOARD, TF_MAP_PLANAR, 0.9f, 0.9f, 0.9f);
  planar.vs[0] = 4.0f, planar.vt[1] = 4.0f, planar.udelta = 0.3f;
  int32_t plane_checked = textured(&s, add_program(&s, {planar}));

  add_sphere(&s, {0.0f, -1000.0f, 0.0f}, 1000.0f, ground);
  add_sphere(&s, {-1.2f, 0.5f, 0.0f}, 0.5f, dotted);
  add_sphere(&s, {0.0f, 0.5f, 0.0f}, 0.5f, mixed);
  add_sphere(&s, {1.2f, 0.5f, 0.0f}, 0.5f, inverted);
  add_sphere(&s, {0.6f, 1.3f, -0.8f}, 0.4f, plane_checked);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 3.0f, 2.0f}, {0.0f, 0.0f, 0.0f}, 14.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("textures", std::move(s));
}

// Bump mapping (bump.h): displacement by an image on a sphere and on quads with tilted vertex
// normals (the shading frame's derivatives), by 3D noise on a sphere and by a scaled image on a
// coated sphere.
NamedScene bump_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.5f}, {0.0f, 0.4f, 0.0f}, 20, 14, 0.6f);
  auto displaced = [&s](tf_material m, int32_t texture) {
    m.displacement = static_cast<uint32_t>(texture) + 1u;
    return add(&s.materials, m);
  };
  int32_t image = add_image(&s, 8, 4, 0.05f);
  s.textures[static_cast<size_t>(image)].uscale = 3.0f;
  tf_texture noise = tex_node(TF_TEX_FBM, TF_MAP_POINT3D, 0, 0, 0);
  noise.omega = 0.5f, noise.octaves = 5;
  noise.xf[0] = noise.xf[5] = noise.xf[10] = 6.0f;
  int32_t bumps = add_program(&s, {noise, tex_node(TF_TEX_CONSTANT, TF_MAP_UV, 0.02f, 0.02f, 0.02f),
                                   tex_node(TF_TEX_SCALE, 0, 0, 0, 0)});
  int32_t floor = displaced(material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.5f), image);
  add_quad(&s, {-3.0f, 0.0f, 2.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -5.0f}, floor,
           TF_TRI_HAS_NORMALS | TF_TRI_HAS_UV);
  add_quad(&s, {-3.0f, 0.0f, -2.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 3.0f, 0.0f}, floor, TF_TRI_HAS_UV);
  int32_t red = displaced(material(TF_MAT_DIFFUSE, 0.8f, 0.3f, 0.2f), image);
  add_sphere(&s, {-1.1f, 0.5f, 0.0f}, 0.5f, red);
  add_sphere(&s, {0.0f, 0.5f, 0.0f}, 0.5f, displaced(conductor(0.2f, 3.0f, 0.1f, 0.1f), bumps));
  int32_t coat = displaced(coated(TF_MAT_COATED_DIFFUSE, 1.5f, 0.1f, 0.01f, 0.5f), bumps);
  add_sphere(&s, {1.1f, 0.5f, 0.0f}, 0.5f, coat);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 3.0f, 2.0f}, {0.0f, 0.0f, 0.0f}, 14.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("bump", std::move(s));
}

// pbrt-v4's MixMaterial (mix_material.h) and roughness textures (material_textures.h): a floor
// mixed by a uv checkerboard, a constant mix, a mix of mixes with a bump-mapped part, and a
// conductor and a coated conductor whose roughness is a noise texture (negative values
// included).
NamedScene mix_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.5f}, {0.0f, 0.5f, 0.0f}, 20, 14, 0.6f);
  auto mix = [&s](int32_t m0, int32_t m1, float amount, int32_t amount_texture) {
    tf_material m = material(TF_MAT_MIX, 0.0f, 0.0f, 0.0f);
    m.mix_m0 = static_cast<uint32_t>(m0), m.mix_m1 = static_cast<uint32_t>(m1);
    m.mix_amount = amount;
    m.mix_amount_tex = amount_texture < 0 ? 0u : static_cast<uint32_t>(amount_texture) + 1u;
    return add(&s.materials, m);
  };
  tf_texture checker = tex_node(TF_TEX_CHECKERBOARD, TF_MAP_UV, 0.0f, 0.0f, 0.0f);
  checker.r2 = checker.g2 = checker.b2 = 1.0f;
  checker.uscale = 6.0f, checker.vscale = 4.0f;
  const int32_t mask = add_program(&s, {checker});
  tf_texture noise = tex_node(TF_TEX_FBM, TF_MAP_POINT3D, 0, 0, 0);
  noise.omega = 0.5f, noise.octaves = 4;
  noise.xf[0] = noise.xf[5] = noise.xf[10] = 4.0f;
  const int32_t roughness = add_program(
      &s, {noise, tex_node(TF_TEX_CONSTANT, TF_MAP_UV, 0.4f, 0.4f, 0.4f),
           tex_node(TF_TEX_SCALE, 0, 0, 0, 0)});
  const int32_t red = add(&s.materials, material(TF_MAT_DIFFUSE, 0.8f, 0.2f, 0.2f));
  const int32_t gold = add(&s.materials, conductor(0.2f, 3.0f, 0.05f, 0.05f));
  const int32_t glassy = add(&s.materials, glass(TF_MAT_DIELECTRIC, 1.5f, 0.1f));
  tf_material bumpy = material(TF_MAT_DIFFUSE, 0.3f, 0.6f, 0.8f);
  bumpy.displacement = static_cast<uint32_t>(add_image(&s, 8, 4, 0.05f)) + 1u;
  const int32_t bumped = add(&s.materials, bumpy);
  const int32_t floor = mix(add(&s.materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.5f)), red,
                            0.5f, mask);
  const int32_t constant = mix(red, gold, 0.4f, -1);
  const int32_t nested = mix(constant, mix(bumped, glassy, 0.5f, mask), 0.6f, -1);
  tf_material rough = conductor(0.2f, 3.0f, 0.0f, 0.2f);
  rough.rough_u_tex = static_cast<uint32_t>(roughness) + 1u;
  rough.flags = TF_MAT_REMAP_ROUGHNESS;
  tf_material coat = coated(TF_MAT_COATED_CONDUCTOR, 1.5f, 0.0f, 0.01f, 0.5f);
  coat.eta_r = coat.eta_g = coat.eta_b = 0.2f;
  coat.k_r = coat.k_g = coat.k_b = 3.0f;
  coat.coat_rough_u_tex = coat.coat_rough_v_tex = static_cast<uint32_t>(roughness) + 1u;
  add_quad(&s, {-3.0f, 0.0f, 2.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -5.0f}, floor,
           TF_TRI_HAS_UV);
  add_sphere(&s, {-1.2f, 0.5f, 0.0f}, 0.5f, constant);
  add_sphere(&s, {0.0f, 0.5f, 0.0f}, 0.5f, nested);
  add_sphere(&s, {1.2f, 0.5f, 0.0f}, 0.5f, add(&s.materials, rough));
  add_sphere(&s, {0.6f, 1.3f, -0.8f}, 0.4f, add(&s.materials, coat));
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 3.0f, 2.0f}, {0.0f, 0.0f, 0.0f}, 14.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("mix", std::move(s));
}

// Diffuse transmission: a sphere and a displaced panel lit from behind, so that both lobes
// carry light, over a diffuse floor.
NamedScene diffuse_transmission_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.5f}, {0.0f, 0.6f, 0.0f}, 20, 14, 0.6f);
  tf_material translucent = material(TF_MAT_DIFFUSE_TRANSMISSION, 0.5f, 0.3f, 0.2f);
  translucent.trans_r = 0.3f, translucent.trans_g = 0.5f, translucent.trans_b = 0.6f;
  int32_t sphere = add(&s.materials, translucent);
  translucent.displacement = static_cast<uint32_t>(add_image(&s, 8, 4, 0.05f)) + 1u;
  int32_t panel = add(&s.materials, translucent);
  int32_t floor = add(&s.materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f));
  add_quad(&s, {-3.0f, 0.0f, 2.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -5.0f}, floor, 0u);
  add_quad(&s, {0.2f, 0.1f, -0.5f}, {1.4f, 0.0f, 0.3f}, {0.0f, 1.6f, 0.0f}, panel,
           TF_TRI_HAS_NORMALS | TF_TRI_HAS_UV);
  add_sphere(&s, {-0.7f, 0.6f, 0.0f}, 0.6f, sphere);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {0.0f, 2.5f, -2.5f}, {0.0f, 0.0f, 0.0f}, 16.0f));
  s.lights.push_back(uniform_env(0.15f, 0.15f, 0.2f));
  return finalized("diffuse transmission", std::move(s));
}

// Hair: strands as thin quads (u along the strand, v across it, so h = 2 v - 1 sweeps the
// fibre), with and without vertex uv and normals, and a hair sphere, lit by a point light and a
// dim environment.
NamedScene hair_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.0f}, {0.0f, 0.8f, 0.0f}, 20, 14, 0.5f);
  tf_material fibre = material(TF_MAT_HAIR, 0.4f, 0.7f, 1.4f);
  fibre.eta_r = 1.55f;
  fibre.beta_m = 0.3f, fibre.beta_n = 0.4f, fibre.hair_alpha = 2.0f;
  int32_t brown = add(&s.materials, fibre);
  fibre.r = fibre.g = fibre.b = 0.0f;
  fibre.beta_m = 0.6f, fibre.hair_alpha = -3.0f;
  int32_t white = add(&s.materials, fibre);
  int32_t floor = add(&s.materials, material(TF_MAT_DIFFUSE, 0.5f, 0.5f, 0.5f));
  add_quad(&s, {-3.0f, 0.0f, 2.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -5.0f}, floor, 0u);
  for (int i = 0; i < 6; ++i) {
    const float x = -0.9f + 0.3f * static_cast<float>(i);
    const uint32_t uv_normals[3] = {0u, TF_TRI_HAS_UV, TF_TRI_HAS_UV | TF_TRI_HAS_NORMALS};
    add_quad(&s, {x, 0.1f, 0.2f * static_cast<float>(i % 2)}, {0.1f, 1.5f, -0.2f},
             {0.08f, 0.0f, 0.03f}, i < 3 ? brown : white, uv_normals[i % 3]);
  }
  add_sphere(&s, {0.7f, 0.5f, -0.6f}, 0.4f, brown);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 2.5f, 2.0f}, {0.0f, 0.0f, 0.0f}, 20.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("hair", std::move(s));
}

// Alpha cut-outs (alpha_cutout.h): a quad cut by a uv checkerboard standing on a floor, a pane
// of constant alpha 0.4 (the ray hash decides) in front of a sphere, lit by a point light
// whose shadow rays pass the cut-outs and a uniform environment.
NamedScene alpha_scene() {
  KernelScene s;
  s.camera = camera({0.3f, 1.0f, 4.0f}, {0.0f, 0.6f, 0.0f}, 16, 12, 0.6f);
  tf_texture checker = tex_node(TF_TEX_CHECKERBOARD, TF_MAP_UV, 1.0f, 1.0f, 1.0f);
  checker.uscale = checker.vscale = 5.0f;
  const int32_t cut = add_program(&s, {checker});
  const int32_t partial = add_program(&s, {tex_node(TF_TEX_CONSTANT, TF_MAP_UV, 0.4f, 0.4f, 0.4f)});
  tf_material leaf = material(TF_MAT_DIFFUSE, 0.2f, 0.6f, 0.25f);
  leaf.alpha_tex = static_cast<uint32_t>(cut) + 1u;
  tf_material pane = material(TF_MAT_DIFFUSE, 0.7f, 0.3f, 0.3f);
  pane.alpha_tex = static_cast<uint32_t>(partial) + 1u;
  const int32_t floor_id = add(&s.materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f));
  const int32_t leaf_id = add(&s.materials, leaf);
  const int32_t pane_id = add(&s.materials, pane);
  const uint32_t cutout = TF_TRI_HAS_UV | TF_PRIM_ALPHA;
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, floor_id, TF_TRI_HAS_UV);
  add_quad(&s, {-1.2f, 0.0f, 0.0f}, {1.4f, 0.0f, 0.0f}, {0.0f, 1.6f, 0.0f}, leaf_id, cutout);
  add_quad(&s, {0.3f, 0.1f, 1.0f}, {1.0f, 0.0f, 0.0f}, {0.0f, 1.2f, 0.0f}, pane_id, cutout);
  add_sphere(&s, {0.8f, 0.5f, -0.3f}, 0.5f, floor_id);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {-1.0f, 2.5f, 2.0f}, {0.0f, 0.0f, 0.0f}, 20.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("alpha", std::move(s));
}

// Normal maps (normal_map.h): an image of normals on a floor with vertex uvs, on a sphere (its
// uv) and on a coated sphere that also has a displacement (the map wins), under a point light
// and a uniform environment.
NamedScene normal_map_scene() {
  KernelScene s;
  s.camera = camera({0.2f, 1.2f, 4.0f}, {0.0f, 0.4f, 0.0f}, 16, 12, 0.6f);
  const uint32_t map = static_cast<uint32_t>(add_image(&s, 8, 6, 1.0f)) + 1u;
  const uint32_t bumps = static_cast<uint32_t>(add_checkerboard(&s)) + 1u;
  tf_material floor = material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f);
  floor.normal_map = map;
  tf_material shiny = material(TF_MAT_CONDUCTOR, 0.9f, 0.7f, 0.5f);
  shiny.flags = TF_MAT_USE_REFLECTANCE;
  shiny.alpha_u = shiny.alpha_v = 0.2f;
  shiny.normal_map = map;
  tf_material coated = material(TF_MAT_DIFFUSE, 0.3f, 0.5f, 0.7f);
  coated.normal_map = map;
  coated.displacement = bumps;
  const int32_t floor_id = add(&s.materials, floor);
  const int32_t shiny_id = add(&s.materials, shiny);
  const int32_t coated_id = add(&s.materials, coated);
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, floor_id, TF_TRI_HAS_UV);
  add_sphere(&s, {-0.6f, 0.5f, 0.0f}, 0.5f, shiny_id);
  add_sphere(&s, {0.7f, 0.5f, -0.2f}, 0.5f, coated_id);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 2.5f, 2.0f}, {0.0f, 0.0f, 0.0f}, 20.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("normal map", std::move(s));
}

// "subsurface" boundaries whose interior takes its albedo from the boundary's reflectance
// texture where a path enters (subsurface_albedo.h): a uv checkerboard on a sphere and a
// point-mapped one on a box-like quad pair, both walking one medium through its albedo table
// (any increasing table exercises the same code; the loader's holds the dipole inversion).
NamedScene subsurface_texture_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.0f}, {0.0f, 0.5f, 0.0f}, 16, 12, 0.6f);
  tf_medium interior{};
  interior.sigma_a_r = interior.sigma_a_g = interior.sigma_a_b = 2.0f;
  interior.sigma_s_r = 6.0f, interior.sigma_s_g = 8.0f, interior.sigma_s_b = 10.0f;
  interior.g = 0.2f;
  interior.albedo_table = static_cast<uint32_t>(s.densities.size()) + 1u;
  for (uint32_t i = 0; i < TF_ALBEDO_TABLE_N; ++i) {
    const float r = static_cast<float>(i) / static_cast<float>(TF_ALBEDO_TABLE_N - 1u);
    s.densities.push_back(std::sqrt(r));
  }
  s.media.push_back(interior);
  const uint32_t inside = static_cast<uint32_t>(s.media.size());
  tf_texture uv = tex_node(TF_TEX_CHECKERBOARD, TF_MAP_UV, 0.9f, 0.6f, 0.3f);
  uv.r2 = 0.2f, uv.g2 = 0.4f, uv.b2 = 0.95f;
  uv.uscale = 8.0f, uv.vscale = 4.0f;
  tf_material sphere_boundary = glass(TF_MAT_DIELECTRIC, 1.33f, 0.0f);
  sphere_boundary.texture = add_program(&s, {uv});
  tf_texture point = tex_node(TF_TEX_CHECKERBOARD, TF_MAP_POINT3D, 0.7f, 0.7f, 0.7f);
  point.r2 = point.g2 = point.b2 = 0.1f;
  point.xf[0] = point.xf[5] = point.xf[10] = 4.0f;
  tf_material quad_boundary = glass(TF_MAT_DIELECTRIC, 1.5f, 0.2f);
  quad_boundary.texture = add_program(&s, {point});
  int32_t floor_id = add(&s.materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f));
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, floor_id, 0u);
  add_sphere(&s, {-0.5f, 0.5f, 0.0f}, 0.5f, add(&s.materials, sphere_boundary), 0.0f,
             TF_PRIM_MEDIA(inside, 0u));
  const int32_t quad_mat = add(&s.materials, quad_boundary);
  const uint32_t slab = TF_PRIM_MEDIA(inside, 0u);
  add_quad(&s, {0.3f, 0.9f, 0.4f}, {0.8f, 0.0f, 0.0f}, {0.0f, 0.0f, -0.8f}, quad_mat, slab);
  add_quad(&s, {0.3f, 0.1f, -0.4f}, {0.8f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.8f}, quad_mat, slab);
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 2.5f, 2.0f}, {0.0f, 0.0f, 0.0f}, 20.0f));
  s.lights.push_back(uniform_env(0.2f, 0.2f, 0.25f));
  return finalized("subsurface texture", std::move(s));
}

// Textured area lights (emitter_texture.h): a two-sided quad light whose image clamps at its
// edges and a sphere light whose image repeats, over a floor and a sphere, so that camera
// paths hit both emitters and next-event estimation samples both.
NamedScene emission_texture_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.2f, 4.5f}, {0.0f, 0.6f, 0.0f}, 16, 12, 0.6f);
  const int32_t grey = add(&s.materials, material(TF_MAT_DIFFUSE, 0.6f, 0.6f, 0.6f));
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, grey, TF_TRI_HAS_UV);
  add_sphere(&s, {0.6f, 0.4f, 0.0f}, 0.4f, grey);
  const int32_t panel_image = add_image(&s, 8, 6, 1.0f);
  add_quad(&s, {-1.4f, 0.3f, -0.8f}, {1.0f, 0.0f, 0.0f}, {0.0f, 1.2f, 0.0f}, grey, TF_TRI_HAS_UV,
           2.0f, 1u);
  s.textures[static_cast<size_t>(panel_image)].wrap_s = TF_WRAP_CLAMP;
  s.textures[static_cast<size_t>(panel_image)].wrap_t = TF_WRAP_CLAMP;
  for (size_t i = s.lights.size() - 2; i < s.lights.size(); ++i) s.lights[i].texture = panel_image;
  add_sphere(&s, {-0.2f, 1.4f, 0.6f}, 0.25f, grey, 3.0f);
  s.lights.back().texture = add_image(&s, 6, 4, 0.5f);
  s.lights.push_back(uniform_env(0.05f, 0.05f, 0.06f));
  return finalized("emission texture", std::move(s));
}

// Image wrap modes and affine uv mappings (texture.h, texture_graph.h): quads whose images
// are read at uv mapped affinely (rotated, scaled, offset) well beyond [0, 1], repeating,
// clamped, mirrored and mixed per axis, a mirrored sphere, and a quad light whose emission
// image is rotated and mirrored, so that every wrap and the affine mapping reach the pixels.
NamedScene texture_wrap_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.3f, 3.8f}, {0.0f, 0.6f, 0.0f}, 16, 12, 0.7f);
  const uint32_t wraps[4][2] = {{TF_WRAP_REPEAT, TF_WRAP_REPEAT},
                                {TF_WRAP_CLAMP, TF_WRAP_CLAMP},
                                {TF_WRAP_MIRROR, TF_WRAP_MIRROR},
                                {TF_WRAP_CLAMP, TF_WRAP_MIRROR}};
  // A rotation by 0.6 rad, scale 2.5 and 1.7, offset (-0.8, 0.3): uv [0, 1] -> about [-2, 3].
  const float c = std::cos(0.6f), sn = std::sin(0.6f);
  auto affine = [&](int32_t image, const uint32_t wrap[2]) {
    tf_texture& t = s.textures[static_cast<size_t>(image)];
    t.mapping = TF_MAP_UV_AFFINE;
    t.vs[0] = 2.5f * c, t.vs[1] = 1.7f * sn;
    t.vt[0] = -2.5f * sn, t.vt[1] = 1.7f * c;
    t.udelta = -0.8f, t.vdelta = 0.3f;
    t.wrap_s = wrap[0], t.wrap_t = wrap[1];
    return image;
  };
  const int32_t grey = add(&s.materials, material(TF_MAT_DIFFUSE, 0.5f, 0.5f, 0.5f));
  for (int i = 0; i < 4; ++i) {
    tf_material m = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
    m.texture = affine(add_image(&s, 5, 3, 0.6f), wraps[i]);
    const float x = -1.6f + 0.8f * static_cast<float>(i);
    add_quad(&s, {x, 0.0f, 0.0f}, {0.7f, 0.0f, 0.0f}, {0.0f, 1.0f, -0.2f}, add(&s.materials, m),
             TF_TRI_HAS_UV);
  }
  tf_material mirrored = material(TF_MAT_DIFFUSE, 1.0f, 1.0f, 1.0f);
  mirrored.texture = affine(add_image(&s, 4, 4, 0.7f), wraps[2]);
  add_sphere(&s, {0.4f, 1.5f, 0.4f}, 0.3f, add(&s.materials, mirrored));
  add_quad(&s, {-2.0f, 0.0f, 1.5f}, {4.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -2.5f}, grey, TF_TRI_HAS_UV);
  add_quad(&s, {-0.6f, 1.9f, 0.9f}, {1.2f, 0.0f, 0.0f}, {0.0f, 0.0f, -0.8f}, grey, TF_TRI_HAS_UV,
           4.0f, 1u);
  const int32_t panel = affine(add_image(&s, 6, 4, 1.0f), wraps[2]);
  for (size_t i = s.lights.size() - 2; i < s.lights.size(); ++i) s.lights[i].texture = panel;
  s.lights.push_back(uniform_env(0.1f, 0.1f, 0.12f));
  return finalized("texture wrap", std::move(s));
}

// Measured materials (measured_bxdf.h): a tabulated GGX conductor whose vndf warp is not the
// identity on a sphere and on a floor, and an anisotropic file of a rougher one on a second
// sphere, lit by a point light and an environment, so that paths evaluate, sample and
// MIS-weight the tables (small ones: the scene is about identity).
NamedScene measured_scene() {
  KernelScene s;
  s.camera = camera({0.0f, 1.0f, 4.0f}, {0.0f, 0.5f, 0.0f}, 16, 12, 0.6f);
  auto add_measured = [&s](double alpha, uint32_t n_phi) {
    const tf::test::Tabulated t = tf::test::tabulate(
        tf::test::ggx_conductor(alpha, {0.95, 0.64, 0.54}), alpha, true, 9, 5, 1.5, n_phi);
    Result<std::vector<float>> block = build_measured_block(t.tables());
    EXPECT_TRUE(block) << block.message();
    tf_material m = material(TF_MAT_MEASURED, 0.0f, 0.0f, 0.0f);
    m.measured = static_cast<uint32_t>(s.texels.size()) + 1u;
    if (block) s.texels.insert(s.texels.end(), block->begin(), block->end());
    return add(&s.materials, m);
  };
  const int32_t metal = add_measured(0.3, 1);
  add_quad(&s, {-3.0f, 0.0f, 3.0f}, {6.0f, 0.0f, 0.0f}, {0.0f, 0.0f, -6.0f}, metal, 0u);
  add_sphere(&s, {-0.5f, 0.6f, 0.0f}, 0.6f, metal);
  add_sphere(&s, {0.8f, 0.4f, 0.4f}, 0.4f, add_measured(0.6, 5));
  s.lights.push_back(delta_light(TF_LIGHT_POINT, {1.0f, 2.5f, 2.0f}, {0.0f, 0.0f, 0.0f}, 20.0f));
  s.lights.push_back(uniform_env(0.3f, 0.3f, 0.35f));
  return finalized("measured", std::move(s));
}

std::vector<NamedScene> all_scenes() {
  std::vector<NamedScene> scenes;
  scenes.push_back(spheres_scene());
  scenes.push_back(triangles_scene());
  scenes.push_back(environment_scene(TF_ENV_EQUIRECT));
  scenes.push_back(environment_scene(TF_ENV_OCTAHEDRAL));
  scenes.push_back(media_scene());
  scenes.push_back(heterogeneous_media_scene());
  scenes.push_back(emissive_media_scene());
  scenes.push_back(film_response_scene());
  scenes.push_back(coated_scene());
  scenes.push_back(textures_scene());
  scenes.push_back(bump_scene());
  scenes.push_back(mix_scene());
  scenes.push_back(diffuse_transmission_scene());
  scenes.push_back(hair_scene());
  scenes.push_back(alpha_scene());
  scenes.push_back(normal_map_scene());
  scenes.push_back(measured_scene());
  scenes.push_back(subsurface_texture_scene());
  scenes.push_back(emission_texture_scene());
  scenes.push_back(texture_wrap_scene());
  return scenes;
}

}  // namespace tf::test
