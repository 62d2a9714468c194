/* Scalar-field models on a 2D box with a five-point Laplacian (stencil radius 1): explicit
 * heat diffusion (FTCS) and Gray-Scott reaction-diffusion (forward Euler).
 *
 * Cell types: FLUID cells are updated; FIXED cells keep their value and are read by their
 * neighbours (Dirichlet); any other type is an insulating solid, read by a neighbour as that
 * neighbour's own value (zero flux), and keeps its value. Component q of the field lives at
 * q * cell_count + cell (Gray-Scott: 0 = u, 1 = v; heat: 0 = T).
 */
#ifndef TF_KERNELS_SIM_SCALAR_FIELDS_H
#define TF_KERNELS_SIM_SCALAR_FIELDS_H

#include "sim_types.h"

/* Value seen across a face from `cell` towards the neighbour at index `from` (-1: outside). */
TF_FN float tf_scalar_face_value(TF_GLOBAL const float* field, TF_GLOBAL const unsigned char* types,
                                 int from, float own) {
  int t = tf_sim_type_at(types, from);
  return (t == TF_CELL_FLUID || t == TF_CELL_FIXED) ? field[from] : own;
}

/* Five-point Laplacian (grid spacing 1) of `field` at (x, y), summed in a fixed order. */
TF_FN float tf_scalar_laplacian(tf_sim_grid g, TF_GLOBAL const float* field,
                                TF_GLOBAL const unsigned char* types, int x, int y) {
  float own = field[y * g.nx + x];
  float west = tf_scalar_face_value(field, types, tf_sim_neighbor(g, x - 1, y, 0), own);
  float east = tf_scalar_face_value(field, types, tf_sim_neighbor(g, x + 1, y, 0), own);
  float south = tf_scalar_face_value(field, types, tf_sim_neighbor(g, x, y - 1, 0), own);
  float north = tf_scalar_face_value(field, types, tf_sim_neighbor(g, x, y + 1, 0), own);
  return ((west + east) + (south + north)) - 4.0f * own;
}

/* One FTCS step of the heat equation at (x, y): T' = T + r lap T. */
TF_FN void tf_heat_update_cell(tf_sim_grid g, tf_heat_params p, TF_GLOBAL const float* src,
                               TF_GLOBAL float* dst, TF_GLOBAL const unsigned char* types, int x,
                               int y) {
  int cell = y * g.nx + x;
  float t = src[cell];
  if (types[cell] == TF_CELL_FLUID) {
    t = t + p.diffusion_number * tf_scalar_laplacian(g, src, types, x, y);
  }
  dst[cell] = t;
}

/* One forward-Euler step of Gray-Scott at (x, y) (fields u and v, see sim_types.h). */
TF_FN void tf_gray_scott_update_cell(tf_sim_grid g, tf_gray_scott_params p,
                                     TF_GLOBAL const float* src, TF_GLOBAL float* dst,
                                     TF_GLOBAL const unsigned char* types, int x, int y) {
  int n = g.nx * g.ny;
  int cell = y * g.nx + x;
  float u = src[cell];
  float v = src[n + cell];
  if (types[cell] == TF_CELL_FLUID) {
    float uvv = u * v * v;
    float lap_u = tf_scalar_laplacian(g, src, types, x, y);
    float lap_v = tf_scalar_laplacian(g, src + n, types, x, y);
    float du = (p.diffusion_u * lap_u - uvv) + p.feed * (1.0f - u);
    float dv = (p.diffusion_v * lap_v + uvv) - (p.feed + p.kill) * v;
    u = u + p.dt * du;
    v = v + p.dt * dv;
  }
  dst[cell] = u;
  dst[n + cell] = v;
}

#endif
