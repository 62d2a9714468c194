// Small helpers that assemble KernelScenes for the render tests.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/backend.h"
#include "kernels/device/vec3.h"
#include "kernels/render/kernel_scene.h"

namespace tf::test {

struct V3 {
  float x, y, z;
};

// A pinhole camera at `pos` looking along unit `fwd` (up hint `up`), film width x height,
// horizontal half-angle tangent tan_half_x (square pixels).
tf_camera make_camera(V3 pos, V3 fwd, V3 up, uint32_t width, uint32_t height, float tan_half_x);

uint32_t add_material(KernelScene* s, const tf_material& m);
tf_material diffuse(float albedo);
tf_material conductor(float eta, float k, float alpha);
tf_material dielectric(float eta, float alpha);

// Quad p0, p0+e1, p0+e1+e2, p0+e2 as two triangles (winding normal e1 x e2). Returns the
// first triangle id. light: area light radiance when > 0 (one-sided, along e1 x e2).
uint32_t add_quad(KernelScene* s, V3 p0, V3 e1, V3 e2, uint32_t material, float emit = 0.0f);
uint32_t add_sphere(KernelScene* s, V3 c, float r, uint32_t material, float emit = 0.0f);

void add_env_uniform(KernelScene* s, float radiance);
void add_point_light(KernelScene* s, V3 p, float intensity);
// Spot light at p along unit `axis`, full intensity within cos_falloff, none beyond cos_total.
void add_spot_light(KernelScene* s, V3 p, V3 axis, float intensity, float cos_total, float cos_falloff);
void add_distant_light(KernelScene* s, V3 towards_light, float irradiance);
// Image environment light with a width x height RGB image (identity rotation).
void add_env_image(KernelScene* s, uint32_t mapping, uint32_t width, uint32_t height,
                   const std::vector<float>& rgb);

// Finalizes and renders the whole film with samples [0, spp) of each frame 0 .. frames-1 on
// the CPU backend; returns the per-pixel mean radiance (RGB interleaved). Spreading samples
// over frames draws them from several independent random streams. Fails the calling test on
// any error.
std::vector<float> render_mean(KernelScene* s, uint32_t spp, uint32_t max_depth, uint32_t frames = 1);

// A uniform direction on the unit sphere from two uniform numbers, in host std:: maths
// (independent of the kernel's sampling.h), for Monte Carlo integrals over directions.
tf_vec3 uniform_sphere(float u0, float u1);

// Mean and standard error (over pixels) of channel c of per-pixel means.
struct Stat {
  double mean, stderr_;
};
Stat pixel_stat(const std::vector<float>& rgb, int c);

}  // namespace tf::test
