/* OpenCL entry points of the simulation kernels: one work-item per cell. The cell updates are
 * the same text the CPU stepper runs (the headers below), so both produce the same bytes.
 * Built with -cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt; platform.h turns
 * FP_CONTRACT off.
 *
 * Lattice Boltzmann steps are launched as an interior kernel (every neighbour inside the box:
 * no wrap or edge logic, straight-line code that the compiler can vectorize across
 * work-items) over the box without its outer layer (global offset 1), plus the general kernel
 * over the outer layer (global offsets select its faces). Global ids are (x, y) in 2D and
 * (x, y, z) in 3D; the scalar models run one launch over (nx, ny). Each interior kernel comes
 * in two variants, with the forcing terms and without (`_unforced`, for tf_lbm_forced(p) == 0),
 * so that neither carries a branch on it. */
#include "../d2q9.h"
#include "../d3q19.h"
#include "../scalar_fields.h"

__kernel void tf_sim_d2q9_step(tf_sim_grid g, tf_lbm_params p, __global const float* src,
                               __global float* dst, __global const uchar* types) {
  int x = (int)get_global_id(0);
  int row = (int)get_global_id(1);
  if (x >= g.nx || row >= g.ny) return;
  tf_d2q9_update_cell(g, p, src, dst, types, x, row);
}

#define TF_SIM_D2Q9_INTERIOR(name, forced)                                                   \
  __kernel void name(tf_sim_grid g, tf_lbm_params p, __global const float* src,              \
                     __global float* dst, __global const uchar* types) {                     \
    int x = (int)get_global_id(0);                                                           \
    int y = (int)get_global_id(1);                                                           \
    if (x >= g.nx - 1 || y >= g.ny - 1) return;                                              \
    tf_d2q9_update(g, p, src, dst, types, x, y, 1, forced);                                  \
  }
TF_SIM_D2Q9_INTERIOR(tf_sim_d2q9_interior, 1)
TF_SIM_D2Q9_INTERIOR(tf_sim_d2q9_interior_unforced, 0)

__kernel void tf_sim_d3q19_step(tf_sim_grid g, tf_lbm_params p, __global const float* src,
                                __global float* dst, __global const uchar* types) {
  int x = (int)get_global_id(0);
  int y = (int)get_global_id(1);
  int z = (int)get_global_id(2);
  if (x >= g.nx || y >= g.ny || z >= g.nz) return;
  tf_d3q19_update_cell(g, p, src, dst, types, x, y, z);
}

#define TF_SIM_D3Q19_INTERIOR(name, forced)                                                  \
  __kernel void name(tf_sim_grid g, tf_lbm_params p, __global const float* src,              \
                     __global float* dst, __global const uchar* types) {                     \
    int x = (int)get_global_id(0);                                                           \
    int y = (int)get_global_id(1);                                                           \
    int z = (int)get_global_id(2);                                                           \
    if (x >= g.nx - 1 || y >= g.ny - 1 || z >= g.nz - 1) return;                             \
    tf_d3q19_update(g, p, src, dst, types, x, y, z, 1, forced);                              \
  }
TF_SIM_D3Q19_INTERIOR(tf_sim_d3q19_interior, 1)
TF_SIM_D3Q19_INTERIOR(tf_sim_d3q19_interior_unforced, 0)

__kernel void tf_sim_gray_scott_step(tf_sim_grid g, tf_gray_scott_params p,
                                     __global const float* src, __global float* dst,
                                     __global const uchar* types) {
  int x = (int)get_global_id(0);
  int row = (int)get_global_id(1);
  if (x >= g.nx || row >= g.ny) return;
  tf_gray_scott_update_cell(g, p, src, dst, types, x, row);
}

__kernel void tf_sim_heat_step(tf_sim_grid g, tf_heat_params p, __global const float* src,
                               __global float* dst, __global const uchar* types) {
  int x = (int)get_global_id(0);
  int row = (int)get_global_id(1);
  if (x >= g.nx || row >= g.ny) return;
  tf_heat_update_cell(g, p, src, dst, types, x, row);
}
