/* The portable math and RNG cases that tests evaluate on every backend: one text, compiled
 * into the OpenCL test kernel (portable_math_kernel.cl) and into the host test, so any
 * difference in the results comes from the compilers and devices, not from the test. */
#ifndef TF_TESTS_KERNELS_BACKENDS_MATH_CASES_H
#define TF_TESTS_KERNELS_BACKENDS_MATH_CASES_H

#include "../../../kernels/device/portable_math.h"
#include "../../../kernels/device/rng.h"

#define TF_MATH_CASE_COUNT 14u
#define TF_MATH_CASE_RAW 13u

/* Function `which` of the inputs (a, b). */
TF_FN float tf_math_case(tf_u32 which, float a, float b) {
  switch (which) {
    case 0u: return tf_sinf(a);
    case 1u: return tf_cosf(a);
    case 2u: return tf_tanf(a);
    case 3u: return tf_expf(a);
    case 4u: return tf_exp2f(a);
    case 5u: return tf_logf(a);
    case 6u: return tf_log2f(a);
    case 7u: return tf_powf(a, b);
    case 8u: return tf_atanf(a);
    case 9u: return tf_atan2f(a, b);
    case 10u: return tf_asinf(a);
    case 11u: return tf_acosf(a);
    case 12u: return tf_smoothstepf(-0.5f, 0.75f, a);
    /* The IEEE-exact primitives themselves. With NaN inputs the NaN's bits are not portable
     * (which operand's payload survives depends on the compiler's operand order), so only
     * "is NaN" is compared for this case: see TF_MATH_CASE_RAW. */
    default: return tf_sqrt(a) + a * b - a / b;
  }
}

/* The RNG key of case i: every key component varies, dimensions cross Philox blocks. */
TF_FN void tf_rng_case_key(tf_u32 i, tf_u32* frame, tf_u32* px, tf_u32* py, tf_u32* sample, tf_u32* dim) {
  *frame = i % 3u;
  *px = i % 257u;
  *py = i / 257u;
  *sample = (i * 7u) % 1000u;
  *dim = i % 41u;
}

#endif
