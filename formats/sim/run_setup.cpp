// make_initial_state and relaxation_time: from a run spec to the state at step 0.
#include <cmath>
#include <string>

#include "formats/sim/batch_spec.h"

namespace tf::sim {
namespace {

double parameter(const BatchSpec& s, const std::string& key, double fallback) {
  auto it = s.parameters.find(key);
  return it == s.parameters.end() ? fallback : it->second;
}

bool is_lbm(Model m) { return m == Model::d2q9 || m == Model::d3q19; }

// Cell type a boundary side gives its outermost layer of cells (-1: none). A wall layer is
// explicit so that the fluid region is the same whatever the neighbour is; "insulated" needs no
// layer because the outside of the box already reads as an insulating solid.
int side_cell_type(SideKind kind) {
  switch (kind) {
    case SideKind::wall:
      return TF_CELL_WALL;
    case SideKind::moving_wall:
      return TF_CELL_MOVING_WALL;
    case SideKind::inlet:
      return TF_CELL_INLET;
    case SideKind::outlet:
      return TF_CELL_OUTLET;
    case SideKind::fixed:
      return TF_CELL_FIXED;
    case SideKind::periodic:
    case SideKind::insulated:
      return -1;
  }
  return -1;
}

// Where a cell lies on several sides, the strongest type wins: wall, then moving wall, then
// the rest (so a lid stops at the side walls of a cavity).
int rank(int type) {
  switch (type) {
    case TF_CELL_WALL:
      return 4;
    case TF_CELL_MOVING_WALL:
      return 3;
    case -1:
      return 0;
    default:
      return 2;
  }
}

bool in_obstacle(const Obstacle& o, const std::array<double, 3>& c, int dims, int nx) {
  if (o.shape == Obstacle::Shape::mask) {
    return o.cells[static_cast<std::size_t>(c[1]) * static_cast<std::size_t>(nx) +
                   static_cast<std::size_t>(c[0])] != 0;
  }
  if (o.shape == Obstacle::Shape::box) {
    for (int i = 0; i < dims; ++i) {
      const auto k = static_cast<std::size_t>(i);
      if (c[k] < o.min[k] || c[k] >= o.max[k]) return false;
    }
    return true;
  }
  double d2 = 0.0;
  for (int i = 0; i < dims; ++i) {
    const auto k = static_cast<std::size_t>(i);
    d2 += (c[k] - o.center[k]) * (c[k] - o.center[k]);
  }
  return d2 <= o.radius * o.radius;
}

bool in_patch(const Patch& patch, const std::array<double, 3>& c, int dims) {
  for (int i = 0; i < dims; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (c[k] < patch.min[k] || c[k] >= patch.max[k]) return false;
  }
  return true;
}

// Uniform value in [-1, 1) from (seed, cell, component): SplitMix64 finaliser.
double noise(std::uint64_t seed, std::uint64_t cell, std::uint64_t component) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL ^ (cell * 0xD1B54A32D192ED03ULL + component);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
}

// The parabola of a parabolic inlet (tf_lbm_inlet_scale) along every transverse axis bounded by
// walls: centred on the axis, zero on the wall planes half a cell inside the outermost cells
// (every lattice Boltzmann side but a periodic one is a layer of cells). Uniform along the
// inlet's own axis and along periodic axes.
Status set_parabolic_inlet(const BatchSpec& s, tf_lbm_params& p) {
  float* center[3] = {&p.inlet_center_x, &p.inlet_center_y, &p.inlet_center_z};
  float* inv_half[3] = {&p.inlet_inv_half_x, &p.inlet_inv_half_y, &p.inlet_inv_half_z};
  const int extent[3] = {s.grid.nx, s.grid.ny, s.grid.nz};
  for (int axis = 0; axis < dimension_count(s.model); ++axis) {
    const auto lo = static_cast<std::size_t>(2 * axis);
    const SideKind a = s.sides[lo], b = s.sides[lo + 1];
    if (a == SideKind::inlet || b == SideKind::inlet || a == SideKind::periodic) continue;
    const int n = extent[axis];
    if (n < 3) return Error{"a parabolic inlet needs at least one fluid cell across each axis"};
    *center[axis] = static_cast<float>((n - 1) / 2.0);
    *inv_half[axis] = static_cast<float>(2.0 / (n - 2));
  }
  return Status::ok();
}

Status set_model_parameters(const BatchSpec& s, TileState& state) {
  switch (s.model) {
    case Model::d2q9:
    case Model::d3q19: {
      Result<double> tau = relaxation_time(s);
      if (!tau) return tau.status();
      state.lbm = lbm_relaxation(tau.value(), s.collision, parameter(s, "magic", 0.25));
      state.lbm.wall_ux = static_cast<float>(parameter(s, "lid_velocity", 0.0));
      state.lbm.force_x = static_cast<float>(parameter(s, "force_x", 0.0));
      state.lbm.force_y = static_cast<float>(parameter(s, "force_y", 0.0));
      state.lbm.force_z = static_cast<float>(parameter(s, "force_z", 0.0));
      state.lbm.inlet_ux = static_cast<float>(parameter(s, "inlet_ux", 0.0));
      state.lbm.inlet_uy = static_cast<float>(parameter(s, "inlet_uy", 0.0));
      state.lbm.inlet_uz = static_cast<float>(parameter(s, "inlet_uz", 0.0));
      state.lbm.outlet_rho = static_cast<float>(parameter(s, "outlet_density", 1.0));
      state.inlet_ramp_steps = static_cast<int>(s.inlet_ramp_steps);
      if (s.inlet_profile == InletProfile::parabolic) return set_parabolic_inlet(s, state.lbm);
      return Status::ok();
    }
    case Model::gray_scott: {
      if (!s.parameters.contains("f") || !s.parameters.contains("k")) {
        return Error{"run " + s.name + ": gray-scott needs parameters f (feed) and k (kill)"};
      }
      const double du = parameter(s, "du", 0.2), dv = parameter(s, "dv", 0.1);
      const double dt = parameter(s, "dt", 1.0);
      if (std::max(du, dv) * dt > 0.25 || du < 0.0 || dv < 0.0 || dt <= 0.0) {
        return Error{"gray-scott: need 0 <= du, dv and max(du, dv) * dt <= 1/4 for stability"};
      }
      state.gray_scott = {static_cast<float>(du), static_cast<float>(dv),
                          static_cast<float>(parameter(s, "f", 0.0)),
                          static_cast<float>(parameter(s, "k", 0.0)), static_cast<float>(dt)};
      return Status::ok();
    }
    case Model::heat: {
      auto it = s.parameters.find("diffusivity");
      if (it == s.parameters.end()) return Error{"heat: parameter diffusivity is required"};
      if (it->second < 0.0 || it->second > 0.25) {
        return Error{"heat: diffusivity (alpha dt / dx^2) must lie in [0, 1/4] for stability"};
      }
      state.heat.diffusion_number = static_cast<float>(it->second);
      return Status::ok();
    }
  }
  return Status::ok();
}

}  // namespace

Result<double> relaxation_time(const BatchSpec& s) {
  const int given = static_cast<int>(s.parameters.contains("tau")) +
                    static_cast<int>(s.parameters.contains("viscosity")) +
                    static_cast<int>(s.parameters.contains("re"));
  if (given != 1) return Error{"give exactly one of the parameters tau, viscosity, re"};
  double tau = 0.0;
  if (s.parameters.contains("tau")) {
    tau = s.parameters.at("tau");
  } else if (s.parameters.contains("viscosity")) {
    tau = 3.0 * s.parameters.at("viscosity") + 0.5;
  } else {
    double velocity = std::abs(parameter(s, "lid_velocity", 0.0));
    if (velocity == 0.0) {
      const double ux = parameter(s, "inlet_ux", 0.0), uy = parameter(s, "inlet_uy", 0.0);
      const double uz = parameter(s, "inlet_uz", 0.0);
      velocity = std::sqrt(ux * ux + uy * uy + uz * uz);
    }
    const double length = parameter(s, "length", s.grid.nx - 2.0);
    const double re = s.parameters.at("re");
    if (velocity == 0.0 || length <= 0.0 || re <= 0.0) {
      return Error{
          "re needs a positive re, a nonzero lid_velocity or inlet velocity, and a "
          "positive length"};
    }
    tau = 3.0 * velocity * length / re + 0.5;
  }
  if (!(tau > 0.5) || !(tau < 1e6)) {
    return Error{"relaxation time tau = " + std::to_string(tau) +
                 " is unstable: it must exceed 1/2 (raise the viscosity or lower re)"};
  }
  return tau;
}

namespace {

// make_initial_state, or with `fields` false make_run_skeleton.
Result<TileState> make_run_state(const RunSpec& run, bool fields) {
  const BatchSpec& s = run.spec;
  const int dims = dimension_count(s.model);
  std::array<bool, 3> periodic{};
  for (int axis = 0; axis < dims; ++axis) {
    periodic[static_cast<std::size_t>(axis)] =
        s.sides[static_cast<std::size_t>(2 * axis)] == SideKind::periodic;
  }
  for (const Obstacle& o : s.obstacles) {
    if (o.shape == Obstacle::Shape::mask && o.cells.size() != static_cast<std::size_t>(s.grid.cell_count())) {
      return Error{"mask obstacle " + o.image + " was not read (resolve_masks)"};
    }
  }
  Result<TileState> made = make_state(s.model, s.grid, periodic);
  if (!made) return made;
  TileState& state = made.value();
  if (Status st = set_model_parameters(s, state); !st) return Error{st.message()};

  const bool lbm = is_lbm(s.model);
  const auto cells = static_cast<std::size_t>(state.size.cell_count());
  const bool forces = records_forces(s);
  state.observation = observation_plan(s);
  if (forces) state.obstacle_ids.assign(cells, 0);
  // The initial values by slot (the model's names, in this order), patches resolved to their
  // slots once: the cell loop below runs for every cell of a domain of millions.
  const std::vector<const char*> names =
      lbm ? std::vector<const char*>{"density", "ux", "uy", "uz"}
          : std::vector<const char*>{"u", "v", "temperature"};
  std::array<double, 4> base{1.0, 0.0, 0.0, 0.0};  // density 1 at rest; u = 1, v = 0, T = 0
  auto slots_of = [&](const std::map<std::string, double>& values) {
    std::vector<std::pair<std::size_t, double>> slots;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto found = values.find(names[i]);
      if (found != values.end()) slots.emplace_back(i, found->second);
    }
    return slots;
  };
  for (const auto& [slot, v] : slots_of(s.initial.values)) base[slot] = v;
  std::vector<std::vector<std::pair<std::size_t, double>>> patch_slots;
  for (const Patch& patch : s.initial.patches) patch_slots.push_back(slots_of(patch.values));
  for (int z = 0; z < s.grid.nz; ++z) {
    for (int y = 0; y < s.grid.ny; ++y) {
      for (int x = 0; x < s.grid.nx; ++x) {
        const std::array<int, 3> at{x, y, z};
        const std::array<int, 3> extent{s.grid.nx, s.grid.ny, s.grid.nz};
        int type = -1;
        for (int axis = 0; axis < dims; ++axis) {
          const auto a = static_cast<std::size_t>(axis);
          for (int hi = 0; hi < 2; ++hi) {
            const bool on_side = hi ? at[a] == extent[a] - 1 : at[a] == 0;
            const int side_type =
                on_side ? side_cell_type(s.sides[2 * a + static_cast<std::size_t>(hi)]) : -1;
            if (rank(side_type) > rank(type)) type = side_type;
          }
        }
        const std::array<double, 3> c{double(x), double(y), double(z)};
        const int cell = state.cell_index(x, y, z);
        // A cell in several obstacles counts towards the first of them (file order).
        for (std::size_t k = s.obstacles.size(); k-- > 0;) {
          if (!in_obstacle(s.obstacles[k], c, dims, s.grid.nx)) continue;
          type = TF_CELL_WALL;
          if (forces) {
            state.obstacle_ids[static_cast<std::size_t>(cell)] = static_cast<std::uint8_t>(k + 1);
          }
        }
        state.cell_types[static_cast<std::size_t>(cell)] =
            static_cast<std::uint8_t>(type < 0 ? TF_CELL_FLUID : type);
        if (!fields) continue;

        std::array<double, 4> values = base;
        for (std::size_t p = 0; p < s.initial.patches.size(); ++p) {
          if (!in_patch(s.initial.patches[p], c, dims)) continue;
          for (const auto& [slot, v] : patch_slots[p]) values[slot] = v;
        }
        const bool evolving = type < 0;
        auto with_noise = [&](double v, std::uint64_t component) {
          return evolving ? v + s.initial.noise * noise(s.initial.seed,
                                                        static_cast<std::uint64_t>(cell), component)
                          : v;
        };
        if (lbm) {
          if (type == TF_CELL_WALL || type == TF_CELL_MOVING_WALL) continue;  // fields stay zero
          set_equilibrium(state, x, y, z, static_cast<float>(values[0]),
                          static_cast<float>(with_noise(values[1], 0)),
                          static_cast<float>(with_noise(values[2], 1)),
                          static_cast<float>(dims == 3 ? with_noise(values[3], 2) : 0.0));
        } else if (s.model == Model::gray_scott) {
          state.fields[static_cast<std::size_t>(cell)] =
              static_cast<float>(with_noise(values[0], 0));
          state.fields[cells + static_cast<std::size_t>(cell)] =
              static_cast<float>(with_noise(values[1], 1));
        } else {
          state.fields[static_cast<std::size_t>(cell)] =
              static_cast<float>(with_noise(values[2], 0));
        }
      }
    }
  }
  if (!fields) state.fields = {};
  return made;
}

}  // namespace

Result<TileState> make_initial_state(const RunSpec& run) { return make_run_state(run, true); }

Result<TileState> make_run_skeleton(const RunSpec& run) { return make_run_state(run, false); }

}  // namespace tf::sim
