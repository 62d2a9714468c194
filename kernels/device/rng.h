/* Counter-based random numbers keyed by (frame, pixel x, pixel y, sample index, dimension).
 *
 * The generator is Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as
 * easy as 1, 2, 3", SC 2011; passes TestU01 BigCrush), which needs only 32x32->64-bit integer
 * multiplies, so it gives the same bits on every backend. A number depends on its key alone,
 * never on the tile, the launch geometry or the order in which pixels are computed
 * (DESIGN.md: pixel seeds derive from frame, pixel and sample only).
 *
 * Mapping: counter = (px, py, sample, dim / 4), key = (frame, TF_RNG_STREAM); the four output
 * words serve dimensions 4j .. 4j+3. tf_sampler draws the same numbers four at a time.
 * Every function is pure (no state outside its arguments), so any thread may call it.
 */
#ifndef TF_KERNELS_DEVICE_RNG_H
#define TF_KERNELS_DEVICE_RNG_H

#include "platform.h"

/* Second key word: names this use of Philox, so that other kernels (simulation noise) can key
 * independent streams with another constant. */
#define TF_RNG_STREAM 0x74666172u /* "tfar" */

typedef struct tf_philox4 {
  tf_u32 v[4];
} tf_philox4;

/* Philox4x32 with 10 rounds: the published generator, bit for bit (Random123 known-answer
 * vectors are checked in tests/kernels/device/rng_test.cpp). */
TF_FN tf_philox4 tf_philox4x32_10(tf_u32 c0, tf_u32 c1, tf_u32 c2, tf_u32 c3, tf_u32 k0, tf_u32 k1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    tf_u64 p0 = (tf_u64)0xD2511F53u * (tf_u64)c0;
    tf_u64 p1 = (tf_u64)0xCD9E8D57u * (tf_u64)c2;
    tf_u32 hi0 = (tf_u32)(p0 >> 32);
    tf_u32 lo0 = (tf_u32)p0;
    tf_u32 hi1 = (tf_u32)(p1 >> 32);
    tf_u32 lo1 = (tf_u32)p1;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  tf_philox4 out;
  out.v[0] = c0;
  out.v[1] = c1;
  out.v[2] = c2;
  out.v[3] = c3;
  return out;
}

/* 32 uniformly distributed bits for dimension `dim` of sample `sample` of pixel (px, py). */
TF_FN tf_u32 tf_rng_u32(tf_u32 frame, tf_u32 px, tf_u32 py, tf_u32 sample, tf_u32 dim) {
  tf_philox4 r = tf_philox4x32_10(px, py, sample, dim >> 2, frame, TF_RNG_STREAM);
  return r.v[dim & 3u];
}

/* The top 24 bits of u as a float in [0, 1): every value is a multiple of 2^-24, the largest
 * is 1 - 2^-24, so 1.0f is never returned. Exact on every backend. */
TF_FN float tf_u32_to_unit_float(tf_u32 u) { return (float)(u >> 8) * 5.9604644775390625e-8f; }

/* Uniform float in [0, 1) (24 random bits) for the given key. */
TF_FN float tf_rng_float(tf_u32 frame, tf_u32 px, tf_u32 py, tf_u32 sample, tf_u32 dim) {
  return tf_u32_to_unit_float(tf_rng_u32(frame, px, py, sample, dim));
}

/* Draws dimensions 0, 1, 2, ... of one (frame, pixel, sample) in order; the n-th call of
 * tf_sampler_next returns tf_rng_float(frame, px, py, sample, n). Plain value type: copy it
 * to fork a sequence. */
typedef struct tf_sampler {
  tf_u32 frame, px, py, sample;
  tf_u32 dim;     /* next dimension */
  tf_u32 block[4]; /* Philox output for dimensions (dim & ~3) .. (dim | 3) */
} tf_sampler;

TF_FN tf_sampler tf_sampler_start(tf_u32 frame, tf_u32 px, tf_u32 py, tf_u32 sample) {
  tf_sampler s;
  s.frame = frame;
  s.px = px;
  s.py = py;
  s.sample = sample;
  s.dim = 0u;
  s.block[0] = s.block[1] = s.block[2] = s.block[3] = 0u; /* filled on the first draw */
  return s;
}

TF_FN tf_u32 tf_sampler_next_u32(tf_sampler* s) {
  if ((s->dim & 3u) == 0u) {
    tf_philox4 r = tf_philox4x32_10(s->px, s->py, s->sample, s->dim >> 2, s->frame, TF_RNG_STREAM);
    s->block[0] = r.v[0];
    s->block[1] = r.v[1];
    s->block[2] = r.v[2];
    s->block[3] = r.v[3];
  }
  tf_u32 u = s->block[s->dim & 3u];
  s->dim += 1u;
  return u;
}

TF_FN float tf_sampler_next(tf_sampler* s) { return tf_u32_to_unit_float(tf_sampler_next_u32(s)); }

#endif
