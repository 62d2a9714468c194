/* The render kernel's entry point, shared by every backend (the same text compiles as C++,
 * CUDA and OpenCL C 1.2). Backends launch one work item per pixel and call tf_render_pixel.
 *
 * Random numbers come from tf_rng_float(frame, px, py, sample, dim) only, so a pixel's result
 * depends on (scene, frame, pixel, sample range) and nothing else.
 * Each sample passes through the film's response (tf_film: sensor, clamp, output colour) before
 * it is added. Non-finite samples: a sample whose response has a NaN or infinite component
 * contributes zero (it is dropped, not clamped); its rays still count. */
#ifndef TF_KERNELS_RENDER_RENDER_PIXEL_H
#define TF_KERNELS_RENDER_RENDER_PIXEL_H

#include "integrator.h"

/* Bump on any change of results (kernel text, scene layout, sampling tables, and how the
 * worker turns a bundle's files into the kernel scene: the version pins a unit's bytes).
 * render-4: PNG colour read unpremultiplied; glTF normal, alpha and metallic-roughness
 * textures, which were ignored before.
 * render-5: textured area lights (glTF emissiveTexture and OBJ map_Ke, which were ignored,
 * and pbrt's area light "filename", which lenient loading dropped); glTF KHR_texture_transform
 * offset and scale, which were ignored.
 * render-6: image textures wrap by their own modes (clamp-to-edge and mirrored repeat as well
 * as repeat: glTF samplers, pbrt-v4's imagemap "wrap" "clamp") and map uv affinely (glTF's
 * KHR_texture_transform rotation); emission images use their texture's mapping and wrap
 * (glTF emissiveTexture transforms), which were ignored. */
#define TF_RENDER_KERNEL_VERSION "render-6"

TF_FN int tf_is_finite(float x) { return !tf_isnanf(x) && !tf_isinff(x); }

/* m (row-major 3x3) times v, each row summed left to right. */
TF_FN tf_vec3 tf_film_apply(const float* m, tf_vec3 v) {
  return v3(m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z,
            m[6] * v.x + m[7] * v.y + m[8] * v.z);
}

/* What the film adds to a pixel for one sample of radiance L (tf_film, scene_types.h). */
TF_FN tf_vec3 tf_film_response(const tf_film* film, tf_vec3 L) {
  if ((film->flags & TF_FILM_RESPONSE) == 0u) return L;
  tf_vec3 s = tf_film_apply(film->sensor_from_radiance, L);
  float m = v3_max_component(s);
  if (m > film->max_component) s = v3_scale(s, film->max_component / m);
  return tf_film_apply(film->output_from_sensor, s);
}

/* Sums radiance over samples [s0, s1) of pixel (px, py) of `frame` into rgb[0..2] (starting
   from zero, samples added in increasing order) and stores the rays traced in *rays. */
TF_FN void tf_render_pixel(const tf_scene_view* scene, tf_u32 frame, tf_u32 px, tf_u32 py,
                           tf_u32 s0, tf_u32 s1, float* rgb, tf_u32* rays) {
  float sum_r = 0.0f;
  float sum_g = 0.0f;
  float sum_b = 0.0f;
  tf_u32 count = 0u;
  tf_sample_id id;
  id.frame = frame;
  id.px = px;
  id.py = py;
  for (tf_u32 sample = s0; sample < s1; ++sample) {
    id.sample = sample;
    float x = (float)px + tf_rand(&id, 0u);
    float y = (float)py + tf_rand(&id, 1u);
    tf_ray ray = tf_camera_ray(&scene->camera, x, y, tf_rand(&id, 2u), tf_rand(&id, 3u));
    tf_vec3 L = tf_film_response(&scene->header.film, tf_trace_path(scene, ray, &id, &count));
    if (tf_is_finite(L.x) && tf_is_finite(L.y) && tf_is_finite(L.z)) {
      sum_r += L.x;
      sum_g += L.y;
      sum_b += L.z;
    }
  }
  rgb[0] = sum_r;
  rgb[1] = sum_g;
  rgb[2] = sum_b;
  *rays = count;
}

/* The GPU launch layers' per-work-item body: renders pixel (x0 + x, y0 + y) of a tile that is
   `width` pixels wide into the tile's row-major outputs, rgb_out[3 * (y * width + x) + c] and
   rays_out[y * width + x]. */
TF_FN void tf_render_tile_pixel(const tf_scene_view* scene, tf_u32 frame, tf_u32 x0, tf_u32 y0,
                                tf_u32 width, tf_u32 x, tf_u32 y, tf_u32 s0, tf_u32 s1,
                                TF_GLOBAL float* rgb_out, TF_GLOBAL tf_u32* rays_out) {
  float rgb[3];
  tf_u32 rays;
  tf_render_pixel(scene, frame, x0 + x, y0 + y, s0, s1, rgb, &rays);
  tf_u32 pixel = y * width + x;
  rgb_out[3u * pixel + 0u] = rgb[0];
  rgb_out[3u * pixel + 1u] = rgb[1];
  rgb_out[3u * pixel + 2u] = rgb[2];
  rays_out[pixel] = rays;
}

#endif
