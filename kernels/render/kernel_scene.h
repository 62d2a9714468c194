// Host-side owner of a kernel scene: the arrays of scene_types.h that backends upload as-is.
//
// Producers (formats/scene converts a parsed scene into this) fill camera, geometry, materials,
// textures and lights, then call finalize_kernel_scene(), which builds the BVH and the light
// sampling tables deterministically (same input -> same bytes, on any machine).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/render/scene_types.h"
#include "kernels/status.h"

namespace tf {

struct KernelScene {
  tf_scene_header header{};
  tf_camera camera{};
  std::vector<tf_vertex> vertices;
  std::vector<tf_triangle> triangles;
  std::vector<tf_sphere> spheres;
  std::vector<tf_material> materials;
  std::vector<tf_texture> textures;
  std::vector<float> texels;  // RGB floats for TF_TEX_IMAGE textures
  std::vector<tf_light> lights;
  // Filled by finalize_kernel_scene():
  std::vector<tf_bvh_node> nodes;
  std::vector<uint32_t> prim_index;
  std::vector<float> distribution;  // light sampling tables (env image CDFs, light selection)
};

// Validates indices (materials, lights, textures, vertices), sets header counts, builds the
// SAH BVH and sampling tables. Errors name the offending element.
Status finalize_kernel_scene(KernelScene* scene);

}  // namespace tf
