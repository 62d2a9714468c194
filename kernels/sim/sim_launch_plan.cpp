#include "kernels/sim/sim_launch_plan.h"

namespace tf::sim {

std::vector<LaunchBox> step_launches(const TileState& state) {
  const int dims = dimension_count(state.model);
  const std::array<int, 3> n{state.size.nx, state.size.ny, state.size.nz};
  bool has_interior = state.model == Model::d2q9 || state.model == Model::d3q19;
  for (int a = 0; a < dims; ++a) has_interior = has_interior && n[a] > 2;
  LaunchBox whole;
  whole.size = n;
  if (!has_interior) return {whole};

  std::vector<LaunchBox> launches;
  LaunchBox interior;
  interior.interior = true;
  for (int a = 0; a < dims; ++a) {
    interior.offset[a] = 1;
    interior.size[a] = n[a] - 2;
  }
  launches.push_back(interior);
  // Faces, outermost axis first: a face fixes axis `a` at its first or last cell, spans the
  // full range of the axes before it and the inner range of the axes after it (whose faces
  // cover their first and last cells).
  for (int a = dims - 1; a >= 0; --a) {
    for (int at : {0, n[a] - 1}) {
      LaunchBox face = whole;
      face.offset[a] = at;
      face.size[a] = 1;
      for (int b = a + 1; b < dims; ++b) {
        face.offset[b] = 1;
        face.size[b] = n[b] - 2;
      }
      launches.push_back(face);
    }
  }
  return launches;
}

}  // namespace tf::sim
