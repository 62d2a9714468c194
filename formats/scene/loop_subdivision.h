// Loop subdivision surfaces, as pbrt-v4's Shape "loopsubdiv" builds them (Loop 1987, with
// pbrt-v4's choices; util/loopsubdiv.cpp there):
// - `levels` rounds of refinement, each splitting every triangle into four. Even (old)
//   vertices: (1 - n beta) v + beta * (sum of the n one-ring neighbours), beta = 3/16 for
//   valence 3 and 3/(8n) otherwise; on a boundary 3/4 v + 1/8 of each boundary neighbour. Odd
//   (edge) vertices: 3/8 of the edge's ends + 1/8 of the two opposite corners; the midpoint on
//   a boundary edge.
// - Then every vertex is pushed to its limit position: interior (1 - n gamma) v + gamma * ring
//   with gamma = 1 / (n + 3 / (8 beta)); boundary 3/5 v + 1/5 of each boundary neighbour
//   (pbrt's weights, not the cubic B-spline's 1/6).
// - Per-vertex normals are pbrt's limit tangents' cross(S, T) (cos/sin masks over the ordered
//   one-ring inside, pbrt's boundary masks on the border), taken in pbrt's one-ring order, so
//   they point where pbrt-v4's do; the kernel, like pbrt, orients the geometric normal by them.
// The result has per-vertex normals and no uvs, as pbrt's. Deterministic: same input, same
// bytes (vertex and triangle order follow pbrt's: old vertices first, then edge vertices in
// face order; each triangle's four children in corner order, the middle one last).
//
// The input must be a manifold, consistently oriented triangle mesh (pbrt assumes it and
// crashes otherwise): an edge used twice in the same direction or by more than two triangles,
// a vertex whose triangles do not form one fan, or a degenerate triangle is an error naming
// the vertices. Vertices no triangle uses are dropped. The output is bounded: a levels value
// outside [0, kMaxLoopLevels] or a result above kMaxLoopTriangles triangles is an error.
#pragma once

#include <cstddef>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

inline constexpr int kMaxLoopLevels = 10;
inline constexpr size_t kMaxLoopTriangles = size_t{1} << 24;

Result<IrMesh> loop_subdivide(const IrMesh& control, int levels);

}  // namespace tf::scene
