/* Plain structs and constants shared by every simulation kernel and its host launcher.
 *
 * Storage contract (all models):
 *   - A state is a box of nx * ny * nz cells (nz = 1 in 2D), cell index (z * ny + y) * nx + x.
 *   - Fields are structure-of-arrays: component q of cell c lives at q * cell_count + c.
 *   - One byte per cell holds its type (TF_CELL_*).
 *   - A step reads one buffer and writes the other (two buffers, no in-place update), so the
 *     result of a cell depends only on the previous step: no order dependence, no atomics.
 *   - A neighbour outside the box is the wrapped cell on a periodic axis and a solid wall
 *     otherwise. A tile carries its neighbours as ghost cells and is never periodic.
 *
 * Structs here travel to device buffers or kernel arguments: 4-byte scalars only.
 */
#ifndef TF_KERNELS_SIM_SIM_TYPES_H
#define TF_KERNELS_SIM_SIM_TYPES_H

#include "../device/platform.h"

/* Cell types. Lattice Boltzmann models use all of them; the scalar models (heat, Gray-Scott)
 * update FLUID cells, hold FIXED cells at their value (Dirichlet) and treat every other type
 * as an insulating solid (zero flux). */
#define TF_CELL_FLUID 0
#define TF_CELL_WALL 1        /* resting no-slip wall: half-way bounce-back */
#define TF_CELL_MOVING_WALL 2 /* wall moving with tf_lbm_params.wall_u*: bounce-back + momentum */
#define TF_CELL_INLET 3       /* velocity inlet: equilibrium at (local density, inlet_u*) */
#define TF_CELL_OUTLET 4      /* pressure outlet: equilibrium at (outlet_rho, local velocity) */
#define TF_CELL_FIXED 5       /* scalar models: value held constant (Dirichlet) */

/* Versions: part of a unit's identity. Change a version whenever the bytes a kernel produces
 * can change (formula, operation order, storage layout). */
#define TF_SIM_D2Q9_VERSION "tf-d2q9-3"
#define TF_SIM_D3Q19_VERSION "tf-d3q19-3"
#define TF_SIM_GRAY_SCOTT_VERSION "tf-gray-scott-1"
#define TF_SIM_HEAT_VERSION "tf-heat-1"

typedef struct tf_sim_grid {
  tf_i32 nx, ny, nz;                         /* box size in cells (nz = 1 in 2D) */
  tf_i32 periodic_x, periodic_y, periodic_z; /* 1: the axis wraps around at the box edge */
  tf_i32 origin_x, origin_y, origin_z;       /* domain coordinates of the box's cell (0, 0, 0):
                                                a tile's place in its domain (0 for a domain) */
} tf_sim_grid;

/* Lattice Boltzmann parameters, lattice units (dx = dt = 1, reference density 1).
 * Populations are stored shifted by their weight (f_i - w_i): the deviation from rest keeps
 * more significant bits in float32 than f_i itself. */
typedef struct tf_lbm_params {
  float omega;       /* 1 / tau: rate of the symmetric part; viscosity nu = (tau - 1/2) / 3 */
  float omega_minus; /* rate of the antisymmetric part: TRT from the magic parameter Lambda,
                        BGK is the special case omega_minus == omega */
  float force_x, force_y, force_z;    /* body force density (Guo forcing) */
  float wall_ux, wall_uy, wall_uz;    /* velocity of TF_CELL_MOVING_WALL cells */
  float inlet_ux, inlet_uy, inlet_uz; /* velocity imposed at TF_CELL_INLET cells (the peak
                                         velocity of a parabolic profile) */
  float outlet_rho;                   /* density imposed at TF_CELL_OUTLET cells */
  /* Inlet profile (tf_lbm_inlet_scale): per axis, the centre of the parabola in domain
   * coordinates and the inverse of its half-width (distance from the centre to the wall
   * planes). An inverse half-width of 0 makes the profile uniform along that axis. */
  float inlet_center_x, inlet_center_y, inlet_center_z;
  float inlet_inv_half_x, inlet_inv_half_y, inlet_inv_half_z;
} tf_lbm_params;

/* Gray-Scott reaction-diffusion: u_t = Du lap u - u v^2 + F (1 - u),
 *                                v_t = Dv lap v + u v^2 - (F + k) v. Grid spacing 1. */
typedef struct tf_gray_scott_params {
  float diffusion_u, diffusion_v, feed, kill, dt;
} tf_gray_scott_params;

/* Heat equation T_t = alpha lap T, forward Euler in time, central in space (FTCS).
 * diffusion_number = alpha dt / dx^2; stable for diffusion_number <= 1/4 in 2D. */
typedef struct tf_heat_params {
  float diffusion_number;
} tf_heat_params;

/* Kernel buffers never overlap: saying so lets compilers vectorize and reorder loads. */
#if defined(TF_OPENCL)
#define TF_RESTRICT restrict
#elif defined(TF_CUDA)
#define TF_RESTRICT __restrict__
#else
#define TF_RESTRICT __restrict
#endif

/* Full unrolling of the per-direction loops: with constant directions the velocity tables
 * fold into the code and the per-cell arrays live in registers (a hint only; results do not
 * depend on it). Without it PoCL keeps those arrays in memory for every work-item. */
#if defined(TF_CPU) && defined(__GNUC__) && !defined(__clang__)
#define TF_SIM_UNROLL _Pragma("GCC unroll 19")
#elif defined(TF_CUDA) || defined(TF_OPENCL)
#define TF_SIM_UNROLL _Pragma("unroll")
#else
#define TF_SIM_UNROLL
#endif

/* For the lattice Boltzmann collision, which is written over constant lattice tables: only
 * once inlined into a caller that holds the tables can a compiler fold them (an out-of-line
 * copy would read every velocity and weight at run time). */
#if defined(TF_CUDA)
#define TF_SIM_INLINE static __host__ __device__ __forceinline__
#elif defined(TF_CPU) && defined(__GNUC__)
#define TF_SIM_INLINE static inline __attribute__((always_inline))
#else
#define TF_SIM_INLINE TF_FN
#endif

/* cond ? a : b as a bitwise blend of two computed values. Exact like ?:, but it leaves no
 * branch into which a compiler could move the arithmetic that produced a or b (which blocks
 * vectorization under the strict floating-point flags). */
TF_FN float tf_sim_select(int cond, float a, float b) {
  tf_u32 mask = (tf_u32)0 - (tf_u32)(cond != 0);
  return tf_bits_float((tf_float_bits(a) & mask) | (tf_float_bits(b) & ~mask));
}

TF_FN int tf_sim_cell_count(tf_sim_grid g) { return g.nx * g.ny * g.nz; }

/* Coordinate v moved into the box along an axis of n cells; -1 when it lies outside a
 * non-periodic axis. Valid for -n <= v < 2n (stencils reach one cell). */
TF_FN int tf_sim_wrap(int v, int n, int periodic) {
  if (v < 0) return periodic ? v + n : -1;
  if (v >= n) return periodic ? v - n : -1;
  return v;
}

/* Index of the cell at (x, y, z) after wrapping, or -1 when it lies outside the box. */
TF_FN int tf_sim_neighbor(tf_sim_grid g, int x, int y, int z) {
  int wx = tf_sim_wrap(x, g.nx, g.periodic_x);
  int wy = tf_sim_wrap(y, g.ny, g.periodic_y);
  int wz = tf_sim_wrap(z, g.nz, g.periodic_z);
  if (wx < 0 || wy < 0 || wz < 0) return -1;
  return (wz * g.ny + wy) * g.nx + wx;
}

/* Type of the cell at index `cell`, with -1 (outside the box) read as a resting wall. */
TF_FN int tf_sim_type_at(TF_GLOBAL const unsigned char* types, int cell) {
  return cell < 0 ? TF_CELL_WALL : (int)types[cell];
}

/* Lattice Boltzmann solids: cells that are not updated and reflect incoming populations. */
TF_FN int tf_lbm_is_solid(int type) { return type == TF_CELL_WALL || type == TF_CELL_MOVING_WALL; }

#endif
