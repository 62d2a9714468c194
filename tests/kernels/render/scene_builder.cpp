#include "tests/kernels/render/scene_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace tf::test {
namespace {

V3 cross(V3 a, V3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
V3 normalized(V3 a) {
  float l = std::sqrt(a.x * a.x + a.y * a.y + a.z * a.z);
  return {a.x / l, a.y / l, a.z / l};
}

tf_vertex vertex(V3 p) {
  tf_vertex v{};
  v.px = p.x;
  v.py = p.y;
  v.pz = p.z;
  return v;
}

int32_t add_area_light(KernelScene* s, uint32_t prim, float emit) {
  tf_light l{};
  l.type = TF_LIGHT_AREA;
  l.prim = prim;
  l.texture = -1;
  l.r = l.g = l.b = emit;
  s->lights.push_back(l);
  return static_cast<int32_t>(s->lights.size() - 1);
}

}  // namespace

tf_camera make_camera(V3 pos, V3 fwd, V3 up, uint32_t width, uint32_t height, float tan_half_x) {
  V3 f = normalized(fwd);
  V3 r = normalized(cross(f, up));
  V3 u = cross(r, f);
  tf_camera c{};
  c.pos_x = pos.x; c.pos_y = pos.y; c.pos_z = pos.z;
  c.right_x = r.x; c.right_y = r.y; c.right_z = r.z;
  c.up_x = u.x; c.up_y = u.y; c.up_z = u.z;
  c.fwd_x = f.x; c.fwd_y = f.y; c.fwd_z = f.z;
  c.tan_half_x = tan_half_x;
  c.tan_half_y = tan_half_x * static_cast<float>(height) / static_cast<float>(width);
  c.width = width;
  c.height = height;
  return c;
}

uint32_t add_material(KernelScene* s, const tf_material& m) {
  s->materials.push_back(m);
  return static_cast<uint32_t>(s->materials.size() - 1);
}

tf_material diffuse(float albedo) {
  tf_material m{};
  m.type = TF_MAT_DIFFUSE;
  m.texture = -1;
  m.r = m.g = m.b = albedo;
  return m;
}

tf_material conductor(float eta, float k, float alpha) {
  tf_material m{};
  m.type = TF_MAT_CONDUCTOR;
  m.texture = -1;
  m.eta_r = m.eta_g = m.eta_b = eta;
  m.k_r = m.k_g = m.k_b = k;
  m.alpha_u = m.alpha_v = alpha;
  return m;
}

tf_material dielectric(float eta, float alpha) {
  tf_material m{};
  m.type = TF_MAT_DIELECTRIC;
  m.texture = -1;
  m.eta_r = m.eta_g = m.eta_b = eta;
  m.alpha_u = m.alpha_v = alpha;
  return m;
}

uint32_t add_quad(KernelScene* s, V3 p0, V3 e1, V3 e2, uint32_t material, float emit) {
  // Sphere primitive ids follow the triangles: adding triangles later would renumber them.
  EXPECT_TRUE(s->spheres.empty()) << "add quads before spheres";
  uint32_t base = static_cast<uint32_t>(s->vertices.size());
  s->vertices.push_back(vertex(p0));
  s->vertices.push_back(vertex({p0.x + e1.x, p0.y + e1.y, p0.z + e1.z}));
  s->vertices.push_back(vertex({p0.x + e1.x + e2.x, p0.y + e1.y + e2.y, p0.z + e1.z + e2.z}));
  s->vertices.push_back(vertex({p0.x + e2.x, p0.y + e2.y, p0.z + e2.z}));
  uint32_t first = static_cast<uint32_t>(s->triangles.size());
  const uint32_t idx[2][3] = {{0, 1, 2}, {0, 2, 3}};
  for (const auto& t : idx) {
    tf_triangle tri{};
    tri.v0 = base + t[0];
    tri.v1 = base + t[1];
    tri.v2 = base + t[2];
    tri.material = material;
    tri.light = -1;
    s->triangles.push_back(tri);
  }
  if (emit > 0.0f) {
    for (uint32_t i = 0; i < 2; ++i) s->triangles[first + i].light = add_area_light(s, first + i, emit);
  }
  return first;
}

uint32_t add_sphere(KernelScene* s, V3 c, float r, uint32_t material, float emit) {
  tf_sphere sp{};
  sp.cx = c.x; sp.cy = c.y; sp.cz = c.z;
  sp.radius = r;
  sp.material = material;
  sp.light = -1;
  s->spheres.push_back(sp);
  uint32_t id = static_cast<uint32_t>(s->spheres.size() - 1);
  if (emit > 0.0f) {
    s->spheres[id].light = add_area_light(s, static_cast<uint32_t>(s->triangles.size()) + id, emit);
  }
  return id;
}

void add_env_uniform(KernelScene* s, float radiance) {
  tf_light l{};
  l.type = TF_LIGHT_ENV_UNIFORM;
  l.texture = -1;
  l.r = l.g = l.b = radiance;
  s->lights.push_back(l);
}

void add_point_light(KernelScene* s, V3 p, float intensity) {
  tf_light l{};
  l.type = TF_LIGHT_POINT;
  l.texture = -1;
  l.r = l.g = l.b = intensity;
  l.px = p.x; l.py = p.y; l.pz = p.z;
  s->lights.push_back(l);
}

void add_spot_light(KernelScene* s, V3 p, V3 axis, float intensity, float cos_total, float cos_falloff) {
  add_point_light(s, p, intensity);
  tf_light& l = s->lights.back();
  l.type = TF_LIGHT_SPOT;
  l.dx = axis.x; l.dy = axis.y; l.dz = axis.z;
  l.cos_total = cos_total;
  l.cos_falloff = cos_falloff;
}

void add_distant_light(KernelScene* s, V3 towards_light, float irradiance) {
  tf_light l{};
  l.type = TF_LIGHT_DISTANT;
  l.texture = -1;
  l.r = l.g = l.b = irradiance;
  l.dx = towards_light.x; l.dy = towards_light.y; l.dz = towards_light.z;
  s->lights.push_back(l);
}

void add_env_image(KernelScene* s, uint32_t mapping, uint32_t width, uint32_t height,
                   const std::vector<float>& rgb) {
  tf_texture t{};
  t.type = TF_TEX_IMAGE;
  t.width = width;
  t.height = height;
  t.offset = static_cast<uint32_t>(s->texels.size());
  t.r = t.g = t.b = 1.0f;
  t.uscale = t.vscale = 1.0f;
  s->texels.insert(s->texels.end(), rgb.begin(), rgb.end());
  s->textures.push_back(t);
  tf_light l{};
  l.type = TF_LIGHT_ENV_IMAGE;
  l.texture = static_cast<int32_t>(s->textures.size() - 1);
  l.r = l.g = l.b = 1.0f;
  l.mapping = mapping;
  l.world_to_light[0] = l.world_to_light[4] = l.world_to_light[8] = 1.0f;
  s->lights.push_back(l);
}

std::vector<float> render_mean(KernelScene* s, uint32_t spp, uint32_t max_depth, uint32_t frames) {
  s->header.max_depth = max_depth;
  Status st = finalize_kernel_scene(s);
  EXPECT_TRUE(st.is_ok()) << st.message();
  std::unique_ptr<Backend> backend = make_cpu_backend();
  st = backend->load_scene(*s);
  EXPECT_TRUE(st.is_ok()) << st.message();
  RenderUnit unit;
  unit.x1 = s->camera.width;
  unit.y1 = s->camera.height;
  unit.s1 = spp;
  std::vector<float> mean(static_cast<size_t>(unit.x1) * unit.y1 * 3, 0.0f);
  for (unit.frame = 0; unit.frame < frames; ++unit.frame) {
    TileResult out;
    st = backend->render(unit, &out);
    EXPECT_TRUE(st.is_ok()) << st.message();
    if (out.rgb.size() != mean.size()) return mean;
    for (size_t i = 0; i < mean.size(); ++i) mean[i] += out.rgb[i] / static_cast<float>(spp * frames);
  }
  return mean;
}

Stat pixel_stat(const std::vector<float>& rgb, int c) {
  size_t n = rgb.size() / 3;
  double sum = 0.0, sum2 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double v = rgb[3 * i + static_cast<size_t>(c)];
    sum += v;
    sum2 += v * v;
  }
  double mean = sum / static_cast<double>(n);
  double var = std::max(0.0, sum2 / static_cast<double>(n) - mean * mean) * static_cast<double>(n) /
               static_cast<double>(n - 1);
  return {mean, std::sqrt(var / static_cast<double>(n))};
}

tf_vec3 uniform_sphere(float u0, float u1) {
  const float z = 1.0f - 2.0f * u0;
  const float r = std::sqrt(std::max(0.0f, 1.0f - z * z));
  const float phi = 2.0f * 3.14159265358979323846f * u1;
  return v3(r * std::cos(phi), r * std::sin(phi), z);
}

}  // namespace tf::test
