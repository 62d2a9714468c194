/* Portability layer: the one place that knows which compiler reads the kernel text.
 *
 * Every header under kernels/ compiles unchanged as C++20 (CPU backend, host code, tests),
 * as CUDA C++ (nvcc) and as OpenCL C 1.2 (PoCL, NVIDIA OpenCL). Rules that follow from that:
 *   - no templates, references, classes, overloading, namespaces or default arguments;
 *   - functions are declared TF_FN; pointers into device buffers are TF_GLOBAL;
 *   - every floating literal carries an `f` suffix (C++ builds use -Wdouble-promotion);
 *   - only IEEE-exact operations: + - * / sqrt, comparisons, conversions, integer ops.
 *     Transcendentals come from portable_math.h, never from libm or device builtins.
 *   - structs that live in device buffers hold only 4-byte scalars (no vector types, no
 *     pointers, no bool), so host and device agree on their layout.
 */
#ifndef TF_KERNELS_DEVICE_PLATFORM_H
#define TF_KERNELS_DEVICE_PLATFORM_H

#if defined(__OPENCL_VERSION__)
#define TF_OPENCL 1
#pragma OPENCL FP_CONTRACT OFF
#define TF_FN static inline
#define TF_GLOBAL __global
typedef uint tf_u32;
typedef int tf_i32;
typedef ulong tf_u64;
#elif defined(__CUDACC__)
#define TF_CUDA 1
#include <string.h>
#define TF_FN static inline __host__ __device__
#define TF_GLOBAL
typedef unsigned int tf_u32;
typedef int tf_i32;
typedef unsigned long long tf_u64;
#else
#define TF_CPU 1
#include <stdint.h>
#include <string.h>
#include <math.h>
#define TF_FN static inline
#define TF_GLOBAL
typedef uint32_t tf_u32;
typedef int32_t tf_i32;
typedef uint64_t tf_u64;
#endif

/* IEEE-exact primitives. sqrt is correctly rounded on every backend under the build flags
 * (CPU: SSE sqrtss; CUDA: -prec-sqrt=true; OpenCL: -cl-fp32-correctly-rounded-divide-sqrt). */
#if defined(TF_OPENCL)
TF_FN float tf_sqrt(float x) { return sqrt(x); }
TF_FN float tf_floor(float x) { return floor(x); }
TF_FN tf_u32 tf_float_bits(float x) { return as_uint(x); }
TF_FN float tf_bits_float(tf_u32 u) { return as_float(u); }
#elif defined(TF_CUDA)
TF_FN float tf_sqrt(float x) { return sqrtf(x); }
TF_FN float tf_floor(float x) { return floorf(x); }
/* The bit-cast intrinsics exist only in device code; host code of a .cu file copies bytes. */
#if defined(__CUDA_ARCH__)
TF_FN tf_u32 tf_float_bits(float x) { return __float_as_uint(x); }
TF_FN float tf_bits_float(tf_u32 u) { return __uint_as_float(u); }
#else
TF_FN tf_u32 tf_float_bits(float x) { tf_u32 u; memcpy(&u, &x, sizeof u); return u; }
TF_FN float tf_bits_float(tf_u32 u) { float x; memcpy(&x, &u, sizeof x); return x; }
#endif
#else
TF_FN float tf_sqrt(float x) { return sqrtf(x); }
TF_FN float tf_floor(float x) { return floorf(x); }
TF_FN tf_u32 tf_float_bits(float x) { tf_u32 u; memcpy(&u, &x, sizeof u); return u; }
TF_FN float tf_bits_float(tf_u32 u) { float x; memcpy(&x, &u, sizeof x); return x; }
#endif

/* min/max/abs as comparisons: identical on every backend, including for NaN inputs
 * (the second operand is returned when a comparison is false). */
TF_FN float tf_minf(float a, float b) { return a < b ? a : b; }
TF_FN float tf_maxf(float a, float b) { return a > b ? a : b; }
TF_FN float tf_absf(float a) { return a < 0.0f ? -a : a; }
TF_FN float tf_clampf(float x, float lo, float hi) { return tf_minf(tf_maxf(x, lo), hi); }
TF_FN int tf_mini(int a, int b) { return a < b ? a : b; }
TF_FN int tf_maxi(int a, int b) { return a > b ? a : b; }
TF_FN float tf_sqrt_safe(float x) { return tf_sqrt(tf_maxf(x, 0.0f)); }

#define TF_PI 3.14159265358979323846f
#define TF_INV_PI 0.31830988618379067154f
#define TF_INV_2PI 0.15915494309189533577f
#define TF_INV_4PI 0.07957747154594766788f
#define TF_PI_OVER_2 1.57079632679489661923f
#define TF_PI_OVER_4 0.78539816339744830962f
#define TF_FLOAT_MAX 3.402823466e+38f /* a finite "no hit yet" distance */

#endif
