/* D3Q19 lattice Boltzmann cell update: the D2Q9 scheme of d2q9.h on the 19-velocity 3D
 * lattice (see lbm_common.h for the scheme and storage; same boundary cell types).
 *
 * Directions: 0 rest; pairs (2k+1, 2k+2) are opposite: 1/2 +-x, 3/4 +-y, 5/6 +-z,
 * 7/8 +-(1,1,0), 9/10 +-(1,0,1), 11/12 +-(0,1,1), 13/14 +-(1,-1,0), 15/16 +-(1,0,-1),
 * 17/18 +-(0,1,-1). Stencil radius 1.
 */
#ifndef TF_KERNELS_SIM_D3Q19_H
#define TF_KERNELS_SIM_D3Q19_H

#include "lbm_common.h"

#define TF_D3Q19_Q 19
#define TF_D3Q19_CX \
  { 0, 1, -1, 0, 0, 0, 0, 1, -1, 1, -1, 0, 0, 1, -1, 1, -1, 0, 0 }
#define TF_D3Q19_CY \
  { 0, 0, 0, 1, -1, 0, 0, 1, -1, 0, 0, 1, -1, -1, 1, 0, 0, 1, -1 }
#define TF_D3Q19_CZ \
  { 0, 0, 0, 0, 0, 1, -1, 0, 0, 1, -1, 1, -1, 0, 0, -1, 1, -1, 1 }

/* Density deviation (rho - 1) and momentum sum c_i f_i of the stored populations of `cell`
 * (n = cell count). For a fluid cell the stored momentum is rho u + F / 2 (post-collision). */
TF_FN void tf_d3q19_moments(TF_GLOBAL const float* f, int n, int cell, float* drho, float* mx,
                            float* my, float* mz) {
  const int cx[TF_D3Q19_Q] = TF_D3Q19_CX;
  const int cy[TF_D3Q19_Q] = TF_D3Q19_CY;
  const int cz[TF_D3Q19_Q] = TF_D3Q19_CZ;
  int i;
  *drho = 0.0f;
  *mx = 0.0f;
  *my = 0.0f;
  *mz = 0.0f;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) {
    float fi = f[i * n + cell];
    *drho += fi;
    *mx += (float)cx[i] * fi;
    *my += (float)cy[i] * fi;
    *mz += (float)cz[i] * fi;
  }
}

/* Weight of direction i. */
TF_FN float tf_d3q19_weight(int i) {
  return i == 0 ? 1.0f / 3.0f : (i <= 6 ? 1.0f / 18.0f : 1.0f / 36.0f);
}

/* Writes the shifted equilibrium at (rho, u) into the populations of `cell` (n = cell count). */
TF_FN void tf_d3q19_write_equilibrium(TF_GLOBAL float* f, int n, int cell, float rho, float ux,
                                      float uy, float uz) {
  const int cx[TF_D3Q19_Q] = TF_D3Q19_CX;
  const int cy[TF_D3Q19_Q] = TF_D3Q19_CY;
  const int cz[TF_D3Q19_Q] = TF_D3Q19_CZ;
  float usq = 1.5f * (ux * ux + uy * uy + uz * uz);
  int i;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) {
    float cu = 3.0f * ((float)cx[i] * ux + (float)cy[i] * uy + (float)cz[i] * uz);
    f[i * n + cell] = tf_lbm_equilibrium_shifted(tf_d3q19_weight(i), rho - 1.0f, rho, cu, usq);
  }
}

/* Collision of one cell (as tf_d2q9_collide_store): moments of the pulled populations f,
 * equilibrium, TRT relaxation with Guo forcing, and the write to dst (n = cell count). */
TF_FN void tf_d3q19_collide_store(tf_lbm_params p, int type, const float* f,
                                  TF_GLOBAL float* TF_RESTRICT dst, int n, int cell) {
  const int cx[TF_D3Q19_Q] = TF_D3Q19_CX;
  const int cy[TF_D3Q19_Q] = TF_D3Q19_CY;
  const int cz[TF_D3Q19_Q] = TF_D3Q19_CZ;
  int is_fluid = type == TF_CELL_FLUID;
  int is_outlet = type == TF_CELL_OUTLET;
  float e[TF_D3Q19_Q];
  float drho = 0.0f, mx = 0.0f, my = 0.0f, mz = 0.0f;
  float force_x = tf_sim_select(is_fluid, p.force_x, 0.0f);
  float force_y = tf_sim_select(is_fluid, p.force_y, 0.0f);
  float force_z = tf_sim_select(is_fluid, p.force_z, 0.0f);
  float rho_local, outlet_drho, ux, uy, uz, rho, usq, u_dot_force;
  int i;

  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) {
    drho += f[i];
    mx += (float)cx[i] * f[i];
    my += (float)cy[i] * f[i];
    mz += (float)cz[i] * f[i];
  }
  rho_local = 1.0f + drho;
  outlet_drho = p.outlet_rho - 1.0f;
  ux = (mx + 0.5f * force_x) / rho_local;
  uy = (my + 0.5f * force_y) / rho_local;
  uz = (mz + 0.5f * force_z) / rho_local;
  ux = tf_sim_select(type == TF_CELL_INLET, p.inlet_ux, ux);
  uy = tf_sim_select(type == TF_CELL_INLET, p.inlet_uy, uy);
  uz = tf_sim_select(type == TF_CELL_INLET, p.inlet_uz, uz);
  rho = tf_sim_select(is_outlet, p.outlet_rho, rho_local);
  drho = tf_sim_select(is_outlet, outlet_drho, drho);
  usq = 1.5f * (ux * ux + uy * uy + uz * uz);
  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) {
    float cu = 3.0f * ((float)cx[i] * ux + (float)cy[i] * uy + (float)cz[i] * uz);
    e[i] = tf_lbm_equilibrium_shifted(tf_d3q19_weight(i), drho, rho, cu, usq);
  }
  u_dot_force = ux * force_x + uy * force_y + uz * force_z;
  {
    float f0 = tf_lbm_relax_rest(f[0], e[0], p.omega, (1.0f / 3.0f) * (-3.0f * u_dot_force));
    dst[cell] = tf_lbm_select_output(type, f0, e[0]);
  }
  TF_SIM_UNROLL
  for (i = 1; i < TF_D3Q19_Q; i += 2) {
    float w = tf_d3q19_weight(i);
    float fa = f[i], fb = f[i + 1];
    float c_dot_u = (float)cx[i] * ux + (float)cy[i] * uy + (float)cz[i] * uz;
    float c_dot_force = (float)cx[i] * force_x + (float)cy[i] * force_y + (float)cz[i] * force_z;
    float force_even = w * (9.0f * c_dot_u * c_dot_force - 3.0f * u_dot_force);
    float force_odd = w * (3.0f * c_dot_force);
    tf_lbm_relax_pair(&fa, &fb, e[i], e[i + 1], p.omega, p.omega_minus, force_even, force_odd);
    dst[i * n + cell] = tf_lbm_select_output(type, fa, e[i]);
    dst[(i + 1) * n + cell] = tf_lbm_select_output(type, fb, e[i + 1]);
  }
}

/* Advances cell (x, y, z) of a 3D box one step: reads src (all cells), writes dst at this
 * cell (solid cells get zero). `inside`: as for tf_d2q9_update. */
TF_FN void tf_d3q19_update(tf_sim_grid g, tf_lbm_params p, TF_GLOBAL const float* TF_RESTRICT src,
                           TF_GLOBAL float* TF_RESTRICT dst,
                           TF_GLOBAL const unsigned char* TF_RESTRICT types, int x, int y, int z,
                           int inside) {
  const int cx[TF_D3Q19_Q] = TF_D3Q19_CX;
  const int cy[TF_D3Q19_Q] = TF_D3Q19_CY;
  const int cz[TF_D3Q19_Q] = TF_D3Q19_CZ;
  int n = g.nx * g.ny * g.nz;
  int cell = (z * g.ny + y) * g.nx + x;
  int type = types[cell];
  int is_open = type == TF_CELL_OUTLET || type == TF_CELL_INLET;
  float f[TF_D3Q19_Q];
  int i;

  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) {
    int opp = i == 0 ? 0 : ((i & 1) ? i + 1 : i - 1);
    int from = inside ? cell - ((cz[i] * g.ny + cy[i]) * g.nx + cx[i])
                      : tf_sim_neighbor(g, x - cx[i], y - cy[i], z - cz[i]);
    float c_dot_wall =
        (float)cx[i] * p.wall_ux + (float)cy[i] * p.wall_uy + (float)cz[i] * p.wall_uz;
    f[i] = tf_lbm_pull(src, types, cell, is_open, from, inside, i * n, opp * n + cell,
                       tf_d3q19_weight(i), c_dot_wall);
  }
  tf_d3q19_collide_store(p, type, f, dst, n, cell);
}

/* Fast path of tf_d3q19_update for a FLUID cell none of whose 18 neighbours is solid or
 * outside a non-periodic edge (as tf_d2q9_update_stream): population i is pulled from cell
 * from[i] + shift. Same bytes as tf_d3q19_update for such a cell. */
TF_FN void tf_d3q19_update_stream(tf_lbm_params p, TF_GLOBAL const float* TF_RESTRICT src,
                                  TF_GLOBAL float* TF_RESTRICT dst, int n, int cell,
                                  const int* from, int shift) {
  float f[TF_D3Q19_Q];
  int i;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) f[i] = src[i * n + from[i] + shift];
  tf_d3q19_collide_store(p, TF_CELL_FLUID, f, dst, n, cell);
}

/* tf_d3q19_update with `inside` worked out from the position. */
TF_FN void tf_d3q19_update_cell(tf_sim_grid g, tf_lbm_params p, TF_GLOBAL const float* src,
                                TF_GLOBAL float* dst, TF_GLOBAL const unsigned char* types, int x,
                                int y, int z) {
  int inside = x > 0 && y > 0 && z > 0 && x < g.nx - 1 && y < g.ny - 1 && z < g.nz - 1;
  tf_d3q19_update(g, p, src, dst, types, x, y, z, inside);
}

#endif
