/* pbrt-v4's Perlin noise and its sums (src/pbrt/util/noise.cpp), for the noise textures
 * (fbm, wrinkled, windy, marble, dots) of texture_graph.h.
 *
 * Same permutation table, gradients, quintic weights and octave factors as pbrt, so values
 * match pbrt's at the same point up to float rounding. The kernel has no ray differentials:
 * FBm and Turbulence are evaluated as pbrt evaluates them for a zero footprint, that is with
 * all `octaves` octaves (pbrt's clamp of -1 - log2(0)/2 to octaves), which for Turbulence
 * adds pbrt's term 0.2 * omega^octaves for the clamped octave. Plain float operations only
 * (the determinism contract), so every backend returns the same bits. */
#ifndef TF_KERNELS_RENDER_TEXTURE_NOISE_H
#define TF_KERNELS_RENDER_TEXTURE_NOISE_H

#include "../device/vec3.h"

/* A table in constant memory: OpenCL __constant, CUDA __device__ on the device pass. */
#if defined(TF_OPENCL)
#define TF_TABLE __constant
#elif defined(__CUDA_ARCH__)
#define TF_TABLE static __device__ const
#else
#define TF_TABLE static const
#endif

/* pbrt's NoisePerm (its second half repeats the first, so indices are taken mod 256). */
TF_TABLE unsigned char tf_noise_perm[256] = {
    151, 160, 137, 91,  90,  15,  131, 13,  201, 95,  96,  53,  194, 233, 7,   225, 140, 36,  103,
    30,  69,  142, 8,   99,  37,  240, 21,  10,  23,  190, 6,   148, 247, 120, 234, 75,  0,   26,
    197, 62,  94,  252, 219, 203, 117, 35,  11,  32,  57,  177, 33,  88,  237, 149, 56,  87,  174,
    20,  125, 136, 171, 168, 68,  175, 74,  165, 71,  134, 139, 48,  27,  166, 77,  146, 158, 231,
    83,  111, 229, 122, 60,  211, 133, 230, 220, 105, 92,  41,  55,  46,  245, 40,  244, 102, 143,
    54,  65,  25,  63,  161, 1,   216, 80,  73,  209, 76,  132, 187, 208, 89,  18,  169, 200, 196,
    135, 130, 116, 188, 159, 86,  164, 100, 109, 198, 173, 186, 3,   64,  52,  217, 226, 250, 124,
    123, 5,   202, 38,  147, 118, 126, 255, 82,  85,  212, 207, 206, 59,  227, 47,  16,  58,  17,
    182, 189, 28,  42,  223, 183, 170, 213, 119, 248, 152, 2,   44,  154, 163, 70,  221, 153, 101,
    155, 167, 43,  172, 9,   129, 22,  39,  253, 19,  98,  108, 110, 79,  113, 224, 232, 178, 185,
    112, 104, 218, 246, 97,  228, 251, 34,  242, 193, 238, 210, 144, 12,  191, 179, 162, 241, 81,
    51,  145, 235, 249, 14,  239, 107, 49,  192, 214, 31,  181, 199, 106, 157, 184, 84,  204, 176,
    115, 121, 50,  45,  127, 4,   150, 254, 138, 236, 205, 93,  222, 114, 67,  29,  24,  72,  243,
    141, 128, 195, 78,  66,  215, 61,  156, 180};

TF_FN tf_i32 tf_noise_perm_at(tf_i32 i) { return (tf_i32)tf_noise_perm[i & 255]; }

TF_FN float tf_noise_grad(tf_i32 x, tf_i32 y, tf_i32 z, float dx, float dy, float dz) {
  tf_i32 h = tf_noise_perm_at(tf_noise_perm_at(tf_noise_perm_at(x) + y) + z) & 15;
  float u = (h < 8 || h == 12 || h == 13) ? dx : dy;
  float v = (h < 4 || h == 12 || h == 13) ? dy : dz;
  return ((h & 1) != 0 ? -u : u) + ((h & 2) != 0 ? -v : v);
}

/* 6t^5 - 15t^4 + 10t^3 */
TF_FN float tf_noise_weight(float t) {
  float t3 = t * t * t;
  float t4 = t3 * t;
  return 6.0f * t4 * t - 15.0f * t4 + 10.0f * t3;
}

TF_FN float tf_lerpf(float t, float a, float b) { return (1.0f - t) * a + t * b; }

/* fmod(x, 2^30), exactly (pbrt keeps cell indices in int range this way). */
TF_FN float tf_noise_wrap(float x) {
  const float period = 1073741824.0f;
  float q = x / period;
  q = q < 0.0f ? -tf_floor(-q) : tf_floor(q);
  return x - q * period;
}

/* pbrt's Noise(x, y, z): gradient noise in [-1, 1], zero at integer lattice points. */
TF_FN float tf_noise(float x, float y, float z) {
  x = tf_noise_wrap(x);
  y = tf_noise_wrap(y);
  z = tf_noise_wrap(z);
  float fx = tf_floor(x), fy = tf_floor(y), fz = tf_floor(z);
  float dx = x - fx, dy = y - fy, dz = z - fz;
  tf_i32 ix = (tf_i32)fx & 255, iy = (tf_i32)fy & 255, iz = (tf_i32)fz & 255;
  float w000 = tf_noise_grad(ix, iy, iz, dx, dy, dz);
  float w100 = tf_noise_grad(ix + 1, iy, iz, dx - 1.0f, dy, dz);
  float w010 = tf_noise_grad(ix, iy + 1, iz, dx, dy - 1.0f, dz);
  float w110 = tf_noise_grad(ix + 1, iy + 1, iz, dx - 1.0f, dy - 1.0f, dz);
  float w001 = tf_noise_grad(ix, iy, iz + 1, dx, dy, dz - 1.0f);
  float w101 = tf_noise_grad(ix + 1, iy, iz + 1, dx - 1.0f, dy, dz - 1.0f);
  float w011 = tf_noise_grad(ix, iy + 1, iz + 1, dx, dy - 1.0f, dz - 1.0f);
  float w111 = tf_noise_grad(ix + 1, iy + 1, iz + 1, dx - 1.0f, dy - 1.0f, dz - 1.0f);
  float wx = tf_noise_weight(dx), wy = tf_noise_weight(dy), wz = tf_noise_weight(dz);
  float x00 = tf_lerpf(wx, w000, w100);
  float x10 = tf_lerpf(wx, w010, w110);
  float x01 = tf_lerpf(wx, w001, w101);
  float x11 = tf_lerpf(wx, w011, w111);
  return tf_lerpf(wz, tf_lerpf(wy, x00, x10), tf_lerpf(wy, x01, x11));
}

TF_FN float tf_noise_v3(tf_vec3 p) { return tf_noise(p.x, p.y, p.z); }

/* Sum over octaves i < octaves of omega^i * N(1.99^i p), |N| when `absolute` (turbulence). */
TF_FN float tf_noise_octaves(tf_vec3 p, float omega, tf_u32 octaves, int absolute) {
  float sum = 0.0f, lambda = 1.0f, o = 1.0f;
  for (tf_u32 i = 0u; i < octaves; ++i) {
    float n = tf_noise_v3(v3_scale(p, lambda));
    sum += o * (absolute ? tf_absf(n) : n);
    lambda *= 1.99f;
    o *= omega;
  }
  return absolute ? sum + o * 0.2f : sum;
}

TF_FN float tf_fbm(tf_vec3 p, float omega, tf_u32 octaves) {
  return tf_noise_octaves(p, omega, octaves, 0);
}

TF_FN float tf_turbulence(tf_vec3 p, float omega, tf_u32 octaves) {
  return tf_noise_octaves(p, omega, octaves, 1);
}

#endif
