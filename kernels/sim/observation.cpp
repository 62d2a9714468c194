#include "kernels/sim/observation.h"

#include <cmath>

#include "kernels/sim/d2q9.h"
#include "kernels/sim/d3q19.h"

namespace tf::sim {
namespace {

// The lattice's velocities and weights as plain tables.
struct Lattice {
  int q = 0;
  int cx[TF_D3Q19_Q] = {}, cy[TF_D3Q19_Q] = {}, cz[TF_D3Q19_Q] = {};
  float w[TF_D3Q19_Q] = {};
};

Lattice lattice_of(Model model) {
  Lattice l;
  if (model == Model::d2q9) {
    const int cx[TF_D2Q9_Q] = TF_D2Q9_CX, cy[TF_D2Q9_Q] = TF_D2Q9_CY;
    const float w[TF_D2Q9_Q] = TF_D2Q9_W;
    l.q = TF_D2Q9_Q;
    for (int i = 0; i < l.q; ++i) {
      l.cx[i] = cx[i];
      l.cy[i] = cy[i];
      l.w[i] = w[i];
    }
  } else {
    const int cx[TF_D3Q19_Q] = TF_D3Q19_CX, cy[TF_D3Q19_Q] = TF_D3Q19_CY,
              cz[TF_D3Q19_Q] = TF_D3Q19_CZ;
    l.q = TF_D3Q19_Q;
    for (int i = 0; i < l.q; ++i) {
      l.cx[i] = cx[i];
      l.cy[i] = cy[i];
      l.cz[i] = cz[i];
      l.w[i] = tf_d3q19_weight(i);
    }
  }
  return l;
}

int64_t fixed_point(float v) {
  return std::llrint(static_cast<double>(v) *
                     static_cast<double>(int64_t{1} << kForceFractionBits));
}

void add_forces(const TileState& s, const Box& owned, std::vector<int64_t>& force) {
  const Lattice l = lattice_of(s.model);
  const tf_sim_grid g = kernel_grid(s);
  const auto n = static_cast<std::size_t>(s.size.cell_count());
  for (int z = owned.z0; z < owned.z0 + owned.size.nz; ++z) {
    for (int y = owned.y0; y < owned.y0 + owned.size.ny; ++y) {
      for (int x = owned.x0; x < owned.x0 + owned.size.nx; ++x) {
        const int cell = s.cell_index(x, y, z);
        if (s.cell_types[static_cast<std::size_t>(cell)] != TF_CELL_FLUID) continue;
        for (int i = 1; i < l.q; ++i) {
          const int to = tf_sim_neighbor(g, x + l.cx[i], y + l.cy[i], z + l.cz[i]);
          if (to < 0) continue;  // outside the box: a wall, never an obstacle
          const int id = s.obstacle_ids[static_cast<std::size_t>(to)];
          if (id == 0) continue;
          const float f =
              s.fields[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(cell)] + l.w[i];
          const int64_t momentum = fixed_point(2.0f * f);
          int64_t* k = &force[static_cast<std::size_t>(3 * (id - 1))];
          k[0] += l.cx[i] * momentum;
          k[1] += l.cy[i] * momentum;
          k[2] += l.cz[i] * momentum;
        }
      }
    }
  }
}

}  // namespace

bool probe_in_box(const std::array<int, 3>& cell, const Box& box) {
  return cell[0] >= box.x0 && cell[0] < box.x0 + box.size.nx && cell[1] >= box.y0 &&
         cell[1] < box.y0 + box.size.ny && cell[2] >= box.z0 && cell[2] < box.z0 + box.size.nz;
}

Sample sample_state(const TileState& s, const Box& owned) {
  Sample out;
  out.force.assign(static_cast<std::size_t>(3 * s.observation.obstacles), 0);
  if (s.observation.obstacles > 0) add_forces(s, owned, out.force);
  const Box in_domain{owned.x0 + s.origin[0], owned.y0 + s.origin[1], owned.z0 + s.origin[2],
                      owned.size};
  const int fields = field_count(s.model);
  for (const std::array<int, 3>& p : s.observation.probes) {
    if (!probe_in_box(p, in_domain)) continue;
    const int cell = s.cell_index(p[0] - s.origin[0], p[1] - s.origin[1], p[2] - s.origin[2]);
    const std::array<float, kMaxFieldCount> v = cell_fields(s, cell);
    out.probes.insert(out.probes.end(), v.begin(), v.begin() + fields);
  }
  return out;
}

}  // namespace tf::sim
