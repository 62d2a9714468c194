/* Pieces shared by the D2Q9 and D3Q19 lattice Boltzmann kernels.
 *
 * Scheme (both lattices): the buffers hold post-collision populations, stored shifted by
 * their weight (f_i - w_i). One step per cell: pull f_i from the neighbour at x - c_i
 * (streaming), or reflect the cell's own f_opp(i) when that neighbour is a solid (half-way
 * bounce-back, Ladd's momentum term for a moving wall), then collide and write. Each
 * population is read once and written once.
 *
 * Collision is two-relaxation-time (TRT) with Guo forcing; BGK is the case
 * omega_minus == omega. The macroscopic velocity is u = (sum c_i f_i + F / 2) / rho.
 */
#ifndef TF_KERNELS_SIM_LBM_COMMON_H
#define TF_KERNELS_SIM_LBM_COMMON_H

#include "sim_types.h"

/* Shifted equilibrium feq_i - w_i for weight w, cu = 3 c_i.u, usq = 1.5 u.u,
 * drho = rho - 1. Second order in u. (The initial states; the step computes the same
 * equilibrium split into its even and odd parts, see tf_lbm_collide_store.) */
TF_FN float tf_lbm_equilibrium_shifted(float w, float drho, float rho, float cu, float usq) {
  return w * (drho + rho * (cu + 0.5f * cu * cu - usq));
}

/* Lattice velocity component c (-1, 0 or 1) times v, without a multiplication. A zero
 * component gives -0.0f, which IEEE addition absorbs exactly (x + -0 == x for every x, -0
 * and NaN included): the value is the same whether or not a compiler folds it, and with the
 * velocities known at compile time (unrolled loops over constant tables) the zero terms of a
 * dot product fold away. (0.0f * v could not: 0 * inf is NaN and 0 * -1 is -0.) */
TF_FN float tf_lbm_times(int c, float v) { return c == 0 ? -0.0f : (c > 0 ? v : -v); }

/* c . v for a lattice velocity c (components -1, 0, 1). */
TF_FN float tf_lbm_dot(int cx, int cy, int cz, float x, float y, float z) {
  return (tf_lbm_times(cx, x) + tf_lbm_times(cy, y)) + tf_lbm_times(cz, z);
}

/* 1 when the body force is not zero. The collision drops the forcing terms when it is 0: a
 * function of the parameters alone, so every backend takes the same branch. */
TF_FN int tf_lbm_forced(tf_lbm_params p) {
  return p.force_x != 0.0f || p.force_y != 0.0f || p.force_z != 0.0f;
}

/* Population pulled into `cell` along direction i from the neighbour `from` (-1: outside the
 * box, read as a resting wall): the neighbour's population i when it is not solid. When it is
 * solid: in a fluid cell, the cell's own opposite population reflected (half-way
 * bounce-back), plus 6 w_i (c_i . u_wall) for a moving wall (wall density taken as the
 * reference density 1); in an inlet or outlet cell (`open_cell` = 1), the cell's own
 * population i of the previous step (zero-gradient extrapolation of the unknown incoming
 * population, so that the cell's density and velocity follow the flow rather than a wall).
 *   inside: 1 promises from >= 0 (no edge logic needed); 0 is always correct.
 *   base_i: i * cell_count; own_opposite: index of the cell's population opp(i).
 * Branch-free: all candidates are read from valid indices and computed, then one is
 * selected bitwise, so that a CPU compiler can vectorize a row of cells. */
TF_FN float tf_lbm_pull(TF_GLOBAL const float* src, TF_GLOBAL const unsigned char* types, int cell,
                        int open_cell, int from, int inside, int base_i, int own_opposite, float w,
                        float c_dot_wall) {
  int outside = !inside && from < 0;
  int from_cell = outside ? cell : from;
  int loaded_type = (int)types[from_cell];
  int from_type = outside ? TF_CELL_WALL : loaded_type;
  float streamed = src[base_i + from_cell];
  float own_same = src[base_i + cell];
  float wall_momentum = 6.0f * w * c_dot_wall;
  float momentum = tf_sim_select(from_type == TF_CELL_MOVING_WALL, wall_momentum, 0.0f);
  float reflected = src[own_opposite] + momentum;
  float from_solid = tf_sim_select(open_cell, own_same, reflected);
  return tf_sim_select(tf_lbm_is_solid(from_type), from_solid, streamed);
}

/* Post-step value of a population: zero in solid cells (never read), the equilibrium in
 * inlet and outlet cells, the relaxed population in fluid cells. */
TF_FN float tf_lbm_select_output(int type, float relaxed, float equilibrium) {
  float boundary =
      tf_sim_select(type == TF_CELL_INLET || type == TF_CELL_OUTLET, equilibrium, relaxed);
  return tf_sim_select(tf_lbm_is_solid(type), 0.0f, boundary);
}

/* Factor of the inlet velocity at the cell (x, y, z) of the box: the product over the axes of
 * 1 - d^2, d = (coordinate - centre) / half-width, the coordinate taken in the domain (box
 * origin added). Exactly 1 along an axis whose inverse half-width is 0, so that a uniform
 * inlet imposes inlet_u* unchanged. Written without a multiply-add so that every backend gives
 * the same bytes. */
TF_FN float tf_lbm_inlet_axis(int coordinate, float center, float inv_half) {
  float d = ((float)coordinate - center) * inv_half;
  float d2 = d * d;
  return 1.0f - d2;
}
TF_FN float tf_lbm_inlet_scale(tf_sim_grid g, tf_lbm_params p, int x, int y, int z) {
  float fx = tf_lbm_inlet_axis(g.origin_x + x, p.inlet_center_x, p.inlet_inv_half_x);
  float fy = tf_lbm_inlet_axis(g.origin_y + y, p.inlet_center_y, p.inlet_inv_half_y);
  float fz = tf_lbm_inlet_axis(g.origin_z + z, p.inlet_center_z, p.inlet_inv_half_z);
  return (fx * fy) * fz;
}

/* A lattice as opposite pairs of velocities (direction 0 is the rest velocity, weight w0):
 * pair k holds directions first[k] and second[k] = opp(first[k]), both of weight w[k];
 * (cx[k], cy[k], cz[k]) is the velocity of first[k]. Tables are constant arrays at the call
 * site, so that after unrolling every table read is a constant. */
#define TF_LBM_MAX_PAIRS 9
typedef struct tf_lbm_lattice {
  int pairs, three_d;
  float w0;
  int first[TF_LBM_MAX_PAIRS], second[TF_LBM_MAX_PAIRS];
  int cx[TF_LBM_MAX_PAIRS], cy[TF_LBM_MAX_PAIRS], cz[TF_LBM_MAX_PAIRS];
  float w[TF_LBM_MAX_PAIRS];
} tf_lbm_lattice;

/* Collision of one cell of type `type` whose pulled populations are f (shifted, indexed by
 * direction): density and velocity (at an inlet cell: inlet_u* times `inlet_scale`, see
 * tf_lbm_inlet_scale), the equilibrium as even and odd parts per pair, TRT
 * relaxation with Guo forcing (dropped when `forced` is 0, see tf_lbm_forced), and the write
 * of the post-step populations to dst (component i at i * n + cell).
 *
 * The one place this arithmetic lives: every pull variant of every lattice calls it, so a
 * cell's bytes never depend on the path it took. Per pair, with s = f_i + f_o, d = f_i - f_o
 * and base = drho - rho usq:
 *   even equilibrium  sym  = w base + 4.5 w rho (c.u)^2    ((e_i + e_o) / 2)
 *   odd equilibrium   anti = 3 w rho (c.u)                 ((e_i - e_o) / 2)
 *   f_i' = f_i - (E + O),  f_o' = f_o - (E - O),
 *   E = omega (s / 2 - sym) - (1 - omega / 2) w (9 (c.u)(c.F) - 3 u.F),
 *   O = omega_minus (d / 2 - anti) - (1 - omega_minus / 2) 3 w (c.F).
 * Inlet and outlet cells write the equilibrium sym +- anti, solid cells zero. */
TF_SIM_INLINE void tf_lbm_collide_store(const tf_lbm_lattice* l, tf_lbm_params p, int type,
                                        int forced, float inlet_scale, const float* f,
                                        TF_GLOBAL float* TF_RESTRICT dst, int n, int cell) {
  int is_fluid = type == TF_CELL_FLUID;
  int is_outlet = type == TF_CELL_OUTLET;
  int is_inlet = type == TF_CELL_INLET;
  float sum[TF_LBM_MAX_PAIRS], diff[TF_LBM_MAX_PAIRS];
  float drho = f[0], mx = -0.0f, my = -0.0f, mz = -0.0f;
  float fx = forced ? tf_sim_select(is_fluid, p.force_x, 0.0f) : 0.0f;
  float fy = forced ? tf_sim_select(is_fluid, p.force_y, 0.0f) : 0.0f;
  float fz = forced && l->three_d ? tf_sim_select(is_fluid, p.force_z, 0.0f) : 0.0f;
  float inv_rho, ux, uy, uz, rho, usq, base, u_dot_force, e0, f0;
  int k;

  TF_SIM_UNROLL
  for (k = 0; k < l->pairs; ++k) {
    sum[k] = f[l->first[k]] + f[l->second[k]];
    diff[k] = f[l->first[k]] - f[l->second[k]];
    drho += sum[k];
    mx += tf_lbm_times(l->cx[k], diff[k]);
    my += tf_lbm_times(l->cy[k], diff[k]);
    mz += tf_lbm_times(l->cz[k], diff[k]);
  }
  inv_rho = 1.0f / (1.0f + drho);
  ux = (forced ? mx + 0.5f * fx : mx) * inv_rho;
  uy = (forced ? my + 0.5f * fy : my) * inv_rho;
  uz = l->three_d ? (forced ? mz + 0.5f * fz : mz) * inv_rho : 0.0f;
  ux = tf_sim_select(is_inlet, p.inlet_ux * inlet_scale, ux);
  uy = tf_sim_select(is_inlet, p.inlet_uy * inlet_scale, uy);
  uz = l->three_d ? tf_sim_select(is_inlet, p.inlet_uz * inlet_scale, uz) : 0.0f;
  rho = tf_sim_select(is_outlet, p.outlet_rho, 1.0f + drho);
  drho = tf_sim_select(is_outlet, p.outlet_rho - 1.0f, drho);
  usq = 1.5f * (l->three_d ? (ux * ux + uy * uy) + uz * uz : ux * ux + uy * uy);
  base = drho - rho * usq;
  u_dot_force = 0.0f;
  if (forced) u_dot_force = l->three_d ? (ux * fx + uy * fy) + uz * fz : ux * fx + uy * fy;

  e0 = l->w0 * base;
  f0 = p.omega * (f[0] - e0);
  if (forced) f0 -= (1.0f - 0.5f * p.omega) * (l->w0 * (-3.0f * u_dot_force));
  dst[cell] = tf_lbm_select_output(type, f[0] - f0, e0);

  TF_SIM_UNROLL
  for (k = 0; k < l->pairs; ++k) {
    float w = l->w[k];
    float c_dot_u = tf_lbm_dot(l->cx[k], l->cy[k], l->cz[k], ux, uy, uz);
    float sym = w * base + ((4.5f * w) * rho * c_dot_u) * c_dot_u;
    float anti = ((3.0f * w) * rho) * c_dot_u;
    float even = p.omega * (0.5f * sum[k] - sym);
    float odd = p.omega_minus * (0.5f * diff[k] - anti);
    if (forced) {
      float c_dot_force = tf_lbm_dot(l->cx[k], l->cy[k], l->cz[k], fx, fy, fz);
      even -= (1.0f - 0.5f * p.omega) * (w * (9.0f * c_dot_u * c_dot_force - 3.0f * u_dot_force));
      odd -= (1.0f - 0.5f * p.omega_minus) * ((3.0f * w) * c_dot_force);
    }
    dst[l->first[k] * n + cell] =
        tf_lbm_select_output(type, f[l->first[k]] - (even + odd), sym + anti);
    dst[l->second[k] * n + cell] =
        tf_lbm_select_output(type, f[l->second[k]] - (even - odd), sym - anti);
  }
}

#endif
