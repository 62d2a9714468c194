/* Camera rays: the raster mapping documented on tf_camera (scene_types.h). */
#ifndef TF_KERNELS_RENDER_CAMERA_H
#define TF_KERNELS_RENDER_CAMERA_H

#include "sampling.h"
#include "scene_types.h"

typedef struct tf_ray {
  tf_vec3 o;
  tf_vec3 d; /* unit length */
} tf_ray;

/* The primary ray through raster position (x, y) (pixel (px, py) covers [px, px+1) x
 * [py, py+1)). lens_u0/lens_u1 pick the point on the thin lens (unused for a pinhole). */
TF_FN tf_ray tf_camera_ray(const tf_camera* cam, float x, float y, float lens_u0, float lens_u1) {
  tf_vec3 right = v3(cam->right_x, cam->right_y, cam->right_z);
  tf_vec3 up = v3(cam->up_x, cam->up_y, cam->up_z);
  tf_vec3 fwd = v3(cam->fwd_x, cam->fwd_y, cam->fwd_z);
  float sx = (2.0f * x / (float)cam->width - 1.0f) * cam->tan_half_x + cam->center_x;
  float sy = (1.0f - 2.0f * y / (float)cam->height) * cam->tan_half_y + cam->center_y;
  /* Unnormalized direction whose component along forward is exactly 1. */
  tf_vec3 dir = v3_add(fwd, v3_add(v3_scale(right, sx), v3_scale(up, sy)));
  tf_ray ray;
  ray.o = v3(cam->pos_x, cam->pos_y, cam->pos_z);
  if (cam->lens_radius > 0.0f) {
    float lx;
    float ly;
    tf_sample_disk_concentric(lens_u0, lens_u1, &lx, &ly);
    tf_vec3 focus = v3_madd(ray.o, dir, cam->focal_distance);
    tf_vec3 lens = v3_add(v3_scale(right, lx * cam->lens_radius), v3_scale(up, ly * cam->lens_radius));
    ray.o = v3_add(ray.o, lens);
    dir = v3_sub(focus, ray.o);
  }
  ray.d = v3_normalize(dir);
  return ray;
}

#endif
