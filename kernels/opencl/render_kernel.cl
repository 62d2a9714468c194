/* OpenCL launch layer of the render kernel: one work item per pixel of the tile. The path
 * tracer itself is the shared text in kernels/render/ (DESIGN.md: the backends differ only
 * in this thin layer). Built with -cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt;
 * platform.h turns FP_CONTRACT off. */
#include "../render/render_pixel.h"

/* header and camera arrive as one-element buffers (OpenCL 1.2 kernels cannot take structs
 * holding pointers, and by-value struct arguments are poorly supported). Every pointer
 * argument is a valid buffer even when its array is empty. Output: rgb sums, row-major,
 * 3 floats per pixel, and rays per pixel. */
__kernel void tf_render_tile(__global const tf_scene_header* header, __global const tf_camera* camera,
                             __global const tf_vertex* vertices, __global const tf_triangle* triangles,
                             __global const tf_sphere* spheres, __global const tf_bvh_node* nodes,
                             __global const tf_u32* prim_index,
                             __global const tf_leaf_triangle* leaf_triangles,
                             __global const tf_material* materials,
                             __global const tf_texture* textures, __global const float* texels,
                             __global const tf_light* lights, __global const float* distribution,
                             __global const tf_medium* media, __global const float* densities,
                             tf_u32 frame, tf_u32 x0, tf_u32 y0, tf_u32 width, tf_u32 height, tf_u32 s0,
                             tf_u32 s1, __global float* rgb_out, __global tf_u32* rays_out) {
  tf_u32 x = (tf_u32)get_global_id(0);
  tf_u32 y = (tf_u32)get_global_id(1);
  if (x >= width || y >= height) return;
  tf_scene_view scene;
  scene.header = *header;
  scene.camera = *camera;
  scene.vertices = vertices;
  scene.triangles = triangles;
  scene.spheres = spheres;
  scene.nodes = nodes;
  scene.prim_index = prim_index;
  scene.leaf_triangles = leaf_triangles;
  scene.materials = materials;
  scene.textures = textures;
  scene.texels = texels;
  scene.lights = lights;
  scene.distribution = distribution;
  scene.media = media;
  scene.densities = densities;
  tf_render_tile_pixel(&scene, frame, x0, y0, width, x, y, s0, s1, rgb_out, rays_out);
}
