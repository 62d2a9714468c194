/* D2Q9 lattice Boltzmann cell update (see lbm_common.h for the scheme and storage).
 *
 * Directions: 0 rest; 1 +x, 2 +y, 3 -x, 4 -y; 5 (+x,+y), 6 (-x,+y), 7 (-x,-y), 8 (+x,-y).
 * Stencil radius 1: a tile advanced K steps needs a ghost border of K cells.
 * Solid cells are written as zero (their populations are never read).
 *
 * Boundary cells (equilibrium-based, first order; chosen because they need no wall normal
 * and so work for any mask shape):
 *   TF_CELL_INLET  writes feq(rho_local, inlet_u), rho_local from the pulled populations;
 *   TF_CELL_OUTLET writes feq(outlet_rho, u_local), u_local from the pulled populations;
 * where a population that would come from a solid or from outside the box is extrapolated
 * from the cell itself (see tf_lbm_pull).
 */
#ifndef TF_KERNELS_SIM_D2Q9_H
#define TF_KERNELS_SIM_D2Q9_H

#include "lbm_common.h"

#define TF_D2Q9_Q 9
#define TF_D2Q9_CX \
  { 0, 1, 0, -1, 0, 1, -1, -1, 1 }
#define TF_D2Q9_CY \
  { 0, 0, 1, 0, -1, 1, 1, -1, -1 }
#define TF_D2Q9_W                                                                                \
  {                                                                                              \
    4.0f / 9.0f, 1.0f / 9.0f, 1.0f / 9.0f, 1.0f / 9.0f, 1.0f / 9.0f, 1.0f / 36.0f, 1.0f / 36.0f, \
        1.0f / 36.0f, 1.0f / 36.0f                                                               \
  }

/* Writes the shifted equilibrium at (rho, u) into the populations of `cell` (n = cell count):
 * the initial state of a fluid at rest or in uniform motion. */
TF_FN void tf_d2q9_write_equilibrium(TF_GLOBAL float* f, int n, int cell, float rho, float ux,
                                     float uy) {
  const int cx[TF_D2Q9_Q] = TF_D2Q9_CX;
  const int cy[TF_D2Q9_Q] = TF_D2Q9_CY;
  const float w[TF_D2Q9_Q] = TF_D2Q9_W;
  float usq = 1.5f * (ux * ux + uy * uy);
  int i;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D2Q9_Q; ++i) {
    float cu = 3.0f * ((float)cx[i] * ux + (float)cy[i] * uy);
    f[i * n + cell] = tf_lbm_equilibrium_shifted(w[i], rho - 1.0f, rho, cu, usq);
  }
}

/* Density deviation (rho - 1) and momentum sum c_i f_i of the stored populations of `cell`
 * (n = cell count). For a fluid cell the stored momentum is rho u + F / 2 (post-collision). */
TF_FN void tf_d2q9_moments(TF_GLOBAL const float* f, int n, int cell, float* drho, float* mx,
                           float* my) {
  const int cx[TF_D2Q9_Q] = TF_D2Q9_CX;
  const int cy[TF_D2Q9_Q] = TF_D2Q9_CY;
  int i;
  *drho = 0.0f;
  *mx = 0.0f;
  *my = 0.0f;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D2Q9_Q; ++i) {
    float fi = f[i * n + cell];
    *drho += fi;
    *mx += (float)cx[i] * fi;
    *my += (float)cy[i] * fi;
  }
}

/* The lattice as opposite pairs (see tf_lbm_lattice). */
#define TF_D2Q9_LATTICE                                                                  \
  {                                                                                      \
    4, 0, 4.0f / 9.0f, {1, 2, 5, 6}, {3, 4, 7, 8}, {1, 0, 1, -1}, {0, 1, 1, 1}, {0, 0, 0, 0}, \
        {1.0f / 9.0f, 1.0f / 9.0f, 1.0f / 36.0f, 1.0f / 36.0f}                           \
  }

/* Collision of one cell and the write of the post-step populations to dst
 * (tf_lbm_collide_store on this lattice), shared by every pull variant below. */
TF_SIM_INLINE void tf_d2q9_collide_store(tf_lbm_params p, int type, int forced,
                                         float inlet_scale, const float* f,
                                         TF_GLOBAL float* TF_RESTRICT dst, int n,
                                         int cell) {
  const tf_lbm_lattice lattice = TF_D2Q9_LATTICE;
  tf_lbm_collide_store(&lattice, p, type, forced, inlet_scale, f, dst, n, cell);
}

/* Advances cell (x, y) of a 2D box one step: reads src (all cells), writes dst at this cell.
 * `inside` must be 1 only when all eight neighbours lie inside the box (then no wrap or edge
 * logic is needed); 0 is always correct. `forced` must be tf_lbm_forced(p) (a parameter so
 * that callers can make it a constant). Straight-line code apart from the loops. */
TF_FN void tf_d2q9_update(tf_sim_grid g, tf_lbm_params p, TF_GLOBAL const float* TF_RESTRICT src,
                          TF_GLOBAL float* TF_RESTRICT dst,
                          TF_GLOBAL const unsigned char* TF_RESTRICT types, int x, int y,
                          int inside, int forced) {
  const int cx[TF_D2Q9_Q] = TF_D2Q9_CX;
  const int cy[TF_D2Q9_Q] = TF_D2Q9_CY;
  const int opp[TF_D2Q9_Q] = {0, 3, 4, 1, 2, 7, 8, 5, 6};
  const float w[TF_D2Q9_Q] = TF_D2Q9_W;
  int n = g.nx * g.ny;
  int cell = y * g.nx + x;
  int type = types[cell];
  int is_open = type == TF_CELL_OUTLET || type == TF_CELL_INLET;
  float f[TF_D2Q9_Q];
  int i;

  TF_SIM_UNROLL
  for (i = 0; i < TF_D2Q9_Q; ++i) {
    int from = inside ? cell - (cy[i] * g.nx + cx[i]) : tf_sim_neighbor(g, x - cx[i], y - cy[i], 0);
    float c_dot_wall = (float)cx[i] * p.wall_ux + (float)cy[i] * p.wall_uy;
    f[i] = tf_lbm_pull(src, types, cell, is_open, from, inside, i * n, opp[i] * n + cell, w[i],
                       c_dot_wall);
  }
  tf_d2q9_collide_store(p, type, forced, tf_lbm_inlet_scale(g, p, x, y, 0), f, dst, n, cell);
}

/* Fast path of tf_d2q9_update for a FLUID cell none of whose eight neighbours is solid or
 * outside a non-periodic edge: streaming is a plain load of population i from cell
 * from[i] + shift (the neighbour at x - c_i, wrapped), and no cell type is read. A row of
 * cells can share one `from` table and differ in `shift` only. Same bytes as
 * tf_d2q9_update for such a cell (tf_lbm_pull returns the streamed value there). */
TF_FN void tf_d2q9_update_stream(tf_lbm_params p, TF_GLOBAL const float* TF_RESTRICT src,
                                 TF_GLOBAL float* TF_RESTRICT dst, int n, int cell,
                                 const int* from, int shift, int forced) {
  float f[TF_D2Q9_Q];
  int i;
  TF_SIM_UNROLL
  for (i = 0; i < TF_D2Q9_Q; ++i) f[i] = src[i * n + from[i] + shift];
  tf_d2q9_collide_store(p, TF_CELL_FLUID, forced, 1.0f, f, dst, n, cell);
}

/* tf_d2q9_update with `inside` worked out from the position. */
TF_FN void tf_d2q9_update_cell(tf_sim_grid g, tf_lbm_params p, TF_GLOBAL const float* src,
                               TF_GLOBAL float* dst, TF_GLOBAL const unsigned char* types, int x,
                               int y) {
  int inside = x > 0 && y > 0 && x < g.nx - 1 && y < g.ny - 1;
  tf_d2q9_update(g, p, src, dst, types, x, y, inside, tf_lbm_forced(p));
}

#endif
