#include "benchmarks/kernels/bench_scene.h"

#include <cmath>
#include <random>

namespace tf::bench {

KernelScene bumpy_sphere_scene(uint32_t segments, uint32_t width, uint32_t height) {
  const uint32_t rings = segments / 2;
  const double pi = 3.14159265358979323846;
  KernelScene s;
  for (uint32_t i = 0; i <= rings; ++i) {
    double theta = pi * i / rings;
    for (uint32_t j = 0; j < segments; ++j) {
      double phi = 2 * pi * j / segments;
      double r = 1.0 + 0.05 * std::sin(8 * theta) * std::cos(12 * phi);
      tf_vertex v{};
      v.px = static_cast<float>(r * std::sin(theta) * std::cos(phi));
      v.py = static_cast<float>(r * std::sin(theta) * std::sin(phi));
      v.pz = static_cast<float>(r * std::cos(theta));
      s.vertices.push_back(v);
    }
  }
  tf_material m{};
  m.type = TF_MAT_DIFFUSE;
  m.texture = -1;
  m.r = m.g = m.b = 0.6f;
  s.materials.push_back(m);
  auto at = [&](uint32_t i, uint32_t j) { return i * segments + j % segments; };
  for (uint32_t i = 0; i < rings; ++i) {
    for (uint32_t j = 0; j < segments; ++j) {
      tf_triangle a{at(i, j), at(i + 1, j), at(i + 1, j + 1), 0, -1, 0};
      tf_triangle b{at(i, j), at(i + 1, j + 1), at(i, j + 1), 0, -1, 0};
      s.triangles.push_back(a);
      s.triangles.push_back(b);
    }
  }
  // An emissive quad above the sphere (two triangles facing down).
  uint32_t base = static_cast<uint32_t>(s.vertices.size());
  const float quad[4][3] = {{-0.5f, -0.5f, 2.0f}, {0.5f, -0.5f, 2.0f}, {0.5f, 0.5f, 2.0f}, {-0.5f, 0.5f, 2.0f}};
  for (const auto& q : quad) {
    tf_vertex v{};
    v.px = q[0]; v.py = q[1]; v.pz = q[2];
    s.vertices.push_back(v);
  }
  for (uint32_t k = 0; k < 2; ++k) {
    uint32_t id = static_cast<uint32_t>(s.triangles.size());
    tf_triangle t{base, k == 0 ? base + 2 : base + 3, k == 0 ? base + 1 : base + 2, 0,
                  static_cast<int32_t>(s.lights.size()), 0};
    s.triangles.push_back(t);
    tf_light l{};
    l.type = TF_LIGHT_AREA;
    l.prim = id;
    l.texture = -1;
    l.r = l.g = l.b = 8.0f;
    s.lights.push_back(l);
  }
  tf_light env{};
  env.type = TF_LIGHT_ENV_UNIFORM;
  env.texture = -1;
  env.r = env.g = env.b = 0.3f;
  s.lights.push_back(env);
  // Camera at (0, -3.5, 0.5) looking at the origin, z up.
  tf_camera& c = s.camera;
  c.pos_x = 0; c.pos_y = -3.5f; c.pos_z = 0.5f;
  float fy = 3.5f, fz = -0.5f, len = std::sqrt(fy * fy + fz * fz);
  c.fwd_x = 0; c.fwd_y = fy / len; c.fwd_z = fz / len;
  c.right_x = 1; c.right_y = 0; c.right_z = 0;
  c.up_x = 0; c.up_y = -c.fwd_z; c.up_z = c.fwd_y;
  c.tan_half_x = 0.45f;
  c.tan_half_y = 0.45f * static_cast<float>(height) / static_cast<float>(width);
  c.width = width;
  c.height = height;
  s.header.max_depth = 5;
  return s;
}

std::vector<BenchRay> random_rays(uint32_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<BenchRay> rays(count);
  for (BenchRay& r : rays) {
    float o[3];
    float len2;
    do {
      o[0] = u(rng); o[1] = u(rng); o[2] = u(rng);
      len2 = o[0] * o[0] + o[1] * o[1] + o[2] * o[2];
    } while (len2 > 1.0f || len2 < 1e-4f);
    float scale = 3.0f / std::sqrt(len2);
    float d[3];
    for (int a = 0; a < 3; ++a) {
      r.o[a] = o[a] * scale;
      d[a] = u(rng) - r.o[a];
    }
    float dl = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    for (int a = 0; a < 3; ++a) r.d[a] = d[a] / dl;
  }
  return rays;
}

}  // namespace tf::bench
