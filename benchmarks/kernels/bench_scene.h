// Generated scenes and rays for the ray tracing benchmarks (deterministic, no files).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/render/kernel_scene.h"

namespace tf::bench {

// A bumpy sphere tessellated into 2 * rings * segments triangles (rings = segments / 2),
// diffuse, lit by a uniform environment and one emissive quad, seen by a width x height
// camera. Not finalized.
KernelScene bumpy_sphere_scene(uint32_t segments, uint32_t width, uint32_t height);

// `count` rays from a sphere of radius 3 around the origin towards random points of
// [-1, 1]^3: most hit the mesh, in incoherent order.
struct BenchRay {
  float o[3];
  float d[3];
};
std::vector<BenchRay> random_rays(uint32_t count, uint32_t seed);

}  // namespace tf::bench
