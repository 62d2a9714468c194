/* Evaluates the cases of math_cases.h on an OpenCL device, for comparison with the host.
 * Launched as an n x 1 range (rounded up to whole work groups): only row 0 works. */
#include "math_cases.h"

/* out[i * TF_MATH_CASE_COUNT + f] = tf_math_case(f, a[i], b[i]) */
__kernel void tf_eval_math(__global const float* a, __global const float* b, tf_u32 n, __global float* out) {
  tf_u32 i = (tf_u32)get_global_id(0);
  if (i >= n || get_global_id(1) != 0) return;
  for (tf_u32 f = 0u; f < TF_MATH_CASE_COUNT; ++f) out[i * TF_MATH_CASE_COUNT + f] = tf_math_case(f, a[i], b[i]);
}

/* bits[i] = tf_rng_u32 and unit[i] = tf_rng_float of key i; sampled[i] = dimension 5 drawn
 * through tf_sampler. */
__kernel void tf_eval_rng(tf_u32 n, __global tf_u32* bits, __global float* unit, __global float* sampled) {
  tf_u32 i = (tf_u32)get_global_id(0);
  if (i >= n || get_global_id(1) != 0) return;
  tf_u32 frame, px, py, sample, dim;
  tf_rng_case_key(i, &frame, &px, &py, &sample, &dim);
  bits[i] = tf_rng_u32(frame, px, py, sample, dim);
  unit[i] = tf_rng_float(frame, px, py, sample, dim);
  tf_sampler s = tf_sampler_start(frame, px, py, sample);
  float u = 0.0f;
  for (int k = 0; k < 6; ++k) u = tf_sampler_next(&s);
  sampled[i] = u;
}
