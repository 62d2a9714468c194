/* OpenCL entry points of the simulation kernels: one work-item per cell, global range
 * (nx, ny * nz). The cell updates are the same text the CPU stepper runs (the headers below),
 * so both produce the same bytes. Built with -cl-std=CL1.2
 * -cl-fp32-correctly-rounded-divide-sqrt; platform.h turns FP_CONTRACT off. */
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

__kernel void tf_sim_d3q19_step(tf_sim_grid g, tf_lbm_params p, __global const float* src,
                                __global float* dst, __global const uchar* types) {
  int x = (int)get_global_id(0);
  int row = (int)get_global_id(1);
  if (x >= g.nx || row >= g.ny * g.nz) return;
  tf_d3q19_update_cell(g, p, src, dst, types, x, row % g.ny, row / g.ny);
}

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
