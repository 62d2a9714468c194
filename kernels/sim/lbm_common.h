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
 * drho = rho - 1. Second order in u. */
TF_FN float tf_lbm_equilibrium_shifted(float w, float drho, float rho, float cu, float usq) {
  return w * (drho + rho * (cu + 0.5f * cu * cu - usq));
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

/* TRT relaxation of the pair (i, opp(i)) with Guo forcing, in place.
 *   fi, fo: populations i and opp(i) (shifted; the shift cancels since w_i == w_opp(i));
 *   ei, eo: their shifted equilibria;
 *   force_even, force_odd: the even and odd parts of Guo's source term for direction i,
 *     w_i (9 (c.u)(c.F) - 3 u.F) and w_i 3 c.F (direction opp(i) has odd part -force_odd). */
TF_FN void tf_lbm_relax_pair(float* fi, float* fo, float ei, float eo, float omega_plus,
                             float omega_minus, float force_even, float force_odd) {
  float neq_even = 0.5f * ((*fi + *fo) - (ei + eo));
  float neq_odd = 0.5f * ((*fi - *fo) - (ei - eo));
  float source_even = (1.0f - 0.5f * omega_plus) * force_even;
  float source_odd = (1.0f - 0.5f * omega_minus) * force_odd;
  float even = source_even - omega_plus * neq_even;
  float odd = source_odd - omega_minus * neq_odd;
  *fi = *fi + (even + odd);
  *fo = *fo + (even - odd);
}

/* Relaxation of the rest population (no odd part). */
TF_FN float tf_lbm_relax_rest(float f0, float e0, float omega_plus, float force_even) {
  return f0 + ((1.0f - 0.5f * omega_plus) * force_even - omega_plus * (f0 - e0));
}

#endif
