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

/* The lattice as opposite pairs (see tf_lbm_lattice). */
#define TF_D3Q19_LATTICE                                                                  \
  {                                                                                       \
    9, 1, 1.0f / 3.0f, {1, 3, 5, 7, 9, 11, 13, 15, 17}, {2, 4, 6, 8, 10, 12, 14, 16, 18}, \
        {1, 0, 0, 1, 1, 0, 1, 1, 0}, {0, 1, 0, 1, 0, 1, -1, 0, 1},                        \
        {0, 0, 1, 0, 1, 1, 0, -1, -1},                                                    \
        {1.0f / 18.0f, 1.0f / 18.0f, 1.0f / 18.0f, 1.0f / 36.0f, 1.0f / 36.0f,           \
         1.0f / 36.0f, 1.0f / 36.0f, 1.0f / 36.0f, 1.0f / 36.0f}                         \
  }

/* Collision of one cell and the write to dst (tf_lbm_collide_store on this lattice). */
TF_SIM_INLINE void tf_d3q19_collide_store(tf_lbm_params p, int type, int forced,
                                          float inlet_scale, const float* f,
                                          TF_GLOBAL float* TF_RESTRICT dst, int n,
                                          int cell) {
  const tf_lbm_lattice lattice = TF_D3Q19_LATTICE;
  tf_lbm_collide_store(&lattice, p, type, forced, inlet_scale, f, dst, n, cell);
}

/* Advances cell (x, y, z) of a 3D box one step: reads src (all cells), writes dst at this
 * cell (solid cells get zero). `inside`, `forced`: as for tf_d2q9_update. */
TF_FN void tf_d3q19_update(tf_sim_grid g, tf_lbm_params p, TF_GLOBAL const float* TF_RESTRICT src,
                           TF_GLOBAL float* TF_RESTRICT dst,
                           TF_GLOBAL const unsigned char* TF_RESTRICT types, int x, int y, int z,
                           int inside, int forced) {
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
  tf_d3q19_collide_store(p, type, forced, tf_lbm_inlet_scale(g, p, x, y, z), f, dst, n, cell);
}

/* Fast path of tf_d3q19_update for a FLUID cell none of whose 18 neighbours is solid or
 * outside a non-periodic edge (as tf_d2q9_update_stream): population i is pulled from cell
 * from[i] + shift. Same bytes as tf_d3q19_update for such a cell. */
TF_FN void tf_d3q19_update_stream(tf_lbm_params p, TF_GLOBAL const float* TF_RESTRICT src,
                                  TF_GLOBAL float* TF_RESTRICT dst, int n, int cell,
                                  const int* from, int shift, int forced) {
  float f[TF_D3Q19_Q];
  int i;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D3Q19_Q; ++i) f[i] = src[i * n + from[i] + shift];
  tf_d3q19_collide_store(p, TF_CELL_FLUID, forced, 1.0f, f, dst, n, cell);
}

/* tf_d3q19_update with `inside` worked out from the position. */
TF_FN void tf_d3q19_update_cell(tf_sim_grid g, tf_lbm_params p, TF_GLOBAL const float* src,
                                TF_GLOBAL float* dst, TF_GLOBAL const unsigned char* types, int x,
                                int y, int z) {
  int inside = x > 0 && y > 0 && z > 0 && x < g.nx - 1 && y < g.ny - 1 && z < g.nz - 1;
  tf_d3q19_update(g, p, src, dst, types, x, y, z, inside, tf_lbm_forced(p));
}

#endif
