// Host-side owner of a kernel scene: the arrays of scene_types.h that backends upload as-is.
//
// Producers (formats/scene converts a parsed scene into this) fill camera, geometry, materials,
// textures and lights, then call finalize_kernel_scene(), which builds the BVH and the light
// sampling tables deterministically (same input -> same bytes, on any machine).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/render/scene_types.h"
#include "kernels/render/scene_view.h"
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
  std::vector<tf_medium> media;  // referenced by primitive flags and header.camera_medium
  std::vector<float> densities;  // samples of TF_MEDIUM_GRID media (tf_medium.offset)
  // Filled by finalize_kernel_scene():
  std::vector<tf_bvh_node> nodes;
  std::vector<uint32_t> prim_index;              // leaf entries -> primitive ids
  std::vector<tf_leaf_triangle> leaf_triangles;  // leaf entries' triangle records
  std::vector<float> distribution;  // light sampling tables (env image CDFs, light selection)
};

// Validates indices (materials, lights, textures, vertices, media) and values (finite
// positions, positive radii and IORs, media coefficients, a non-empty film), sets the header
// counts (alpha_prims: triangles with alpha cut-outs, each naming its material's alpha texture)
// and header.env_light (the one environment light, or -1), builds the SAH BVH and the
// light sampling tables, and sets each image environment light's `distribution` offset and
// each heterogeneous medium's majorant (medium_host.h). header.max_depth is kept. Errors name
// the offending element; on error `scene` is left partly updated and must not be rendered.
// Same input -> same bytes on every machine.
Status finalize_kernel_scene(KernelScene* scene);

// A view whose pointers point into `scene`'s arrays, for host-side rendering (CPU backend,
// tests). Valid while `scene` lives and its vectors are not resized.
tf_scene_view make_host_scene_view(const KernelScene& scene);

}  // namespace tf
