/* tf_scene_view: what device code sees of a loaded scene (pointers into device buffers plus
 * the per-scene values). Backends fill one per launch; device code only reads through it. */
#ifndef TF_KERNELS_RENDER_SCENE_VIEW_H
#define TF_KERNELS_RENDER_SCENE_VIEW_H

#include "scene_types.h"

typedef struct tf_scene_view {
  tf_scene_header header;
  tf_camera camera;
  TF_GLOBAL const tf_vertex* vertices;
  TF_GLOBAL const tf_triangle* triangles;
  TF_GLOBAL const tf_sphere* spheres;
  TF_GLOBAL const tf_bvh_node* nodes;
  TF_GLOBAL const tf_u32* prim_index;
  TF_GLOBAL const tf_leaf_triangle* leaf_triangles;
  TF_GLOBAL const tf_material* materials;
  TF_GLOBAL const tf_texture* textures;
  TF_GLOBAL const float* texels;
  TF_GLOBAL const tf_light* lights;
  TF_GLOBAL const float* distribution;
  TF_GLOBAL const tf_medium* media;
  TF_GLOBAL const float* densities; /* grid media's samples (tf_medium.offset) */
} tf_scene_view;

#endif
