// Host side of the simulation kernels: tile states, the multi-threaded CPU stepper and the
// extraction of macroscopic fields.
//
// A TileState is a box of cells: either a whole domain (ghost == 0, axes may be periodic) or a
// tile of one (a ghost border of width `ghost` on every side, never periodic; see
// sim_tiling.h). Every function here is deterministic: its bytes depend on its inputs only,
// never on the thread count.
//
// Thread-safety: functions take the states they are given; distinct states may be used from
// distinct threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "kernels/sim/sim_types.h"
#include "kernels/status.h"

namespace tf::sim {

enum class Model { d2q9, d3q19, gray_scott, heat };

// Number of float components per cell: 9, 19, 2 (u, v) or 1 (T).
int component_count(Model model);
// 2 or 3.
int dimension_count(Model model);
// Cells a value travels per step: a tile advanced K steps needs a ghost border of K * radius.
int stencil_radius(Model model);
// "d2q9", "d3q19", "gray-scott", "heat".
std::string_view model_name(Model model);
// The kernel version string (TF_SIM_*_VERSION): part of a unit's identity.
std::string_view kernel_version(Model model);

// Box sizes in cells (nz == 1 in 2D).
struct Extent {
  int nx = 1, ny = 1, nz = 1;
  long long cell_count() const { return static_cast<long long>(nx) * ny * nz; }
  bool operator==(const Extent&) const = default;
};

// Lattice Boltzmann relaxation rates for relaxation time tau (> 1/2): BGK sets both rates to
// 1 / tau; TRT sets the antisymmetric rate from the magic parameter
// Lambda = (tau - 1/2)(tau_minus - 1/2) (1/4: most stable; 3/16: exact half-way walls for
// Poiseuille flow). Other members of the result are zero.
enum class Collision { bgk, trt };
tf_lbm_params lbm_relaxation(double tau, Collision collision, double magic = 0.25);

// What the units of a run record at sample steps besides their fields (formats/sim
// observables, kernels/sim/observation.h): the force on each obstacle and the fields at probe
// cells, every `every` steps of the run. Part of the state, so that it travels to the workers
// with it.
struct ObservationPlan {
  int every = 0;                          // steps between samples; 0: nothing is recorded
  int obstacles = 0;                      // forces on obstacles 1..obstacles (obstacle_ids)
  std::vector<std::array<int, 3>> probes;  // domain cells
  bool operator==(const ObservationPlan&) const = default;
};

struct TileState {
  Model model = Model::d2q9;
  Extent size;                           // box size, ghost border included
  int ghost = 0;                         // ghost border width on every side
  std::array<bool, 3> periodic{};        // axis wraps around at the box edge (whole domains only)
  std::array<int, 3> origin{};           // domain coordinates of the box's cell (0, 0, 0): a
                                         // tile's place (ghost border included), 0 for a domain
  std::vector<float> fields;             // component q of cell c at q * cell_count + c
  std::vector<std::uint8_t> cell_types;  // TF_CELL_* per cell
  tf_lbm_params lbm{};                   // used by d2q9, d3q19
  tf_gray_scott_params gray_scott{};     // used by gray_scott
  tf_heat_params heat{};                 // used by heat
  ObservationPlan observation;
  int inlet_ramp_steps = 0;  // the run's inlet velocity rises over its first steps (inlet_ramp)
  // Per cell, 1 + the index of the obstacle whose solid the cell is, else 0; empty when
  // observation.obstacles == 0.
  std::vector<std::uint8_t> obstacle_ids;

  int cell_index(int x, int y, int z = 0) const { return (z * size.ny + y) * size.nx + x; }
  // The box without its ghost border.
  Extent interior() const {
    return {size.nx - 2 * ghost, size.ny - 2 * ghost,
            dimension_count(model) == 3 ? size.nz - 2 * ghost : size.nz};
  }
};

// The kernels' view of the state's box (size, periodic axes, origin), shared by every backend.
tf_sim_grid kernel_grid(const TileState& state);

// A whole-domain state (ghost 0) of fluid cells with zero fields: for the lattice Boltzmann
// models that is the fluid at rest at density 1 (populations are stored shifted by their
// weight). Error when a size is not positive, nz != 1 for a 2D model, or the box is too large
// for 32-bit cell indices.
Result<TileState> make_state(Model model, Extent size, std::array<bool, 3> periodic = {});

// Checks sizes, buffer lengths, cell types allowed for the model and parameter sanity
// (omega in (0, 2)). Returns the first problem found.
Status validate(const TileState& state);

// Sets the populations of cell (x, y, z) of a lattice Boltzmann state to the equilibrium at
// density rho and velocity u. Precondition: the state is valid and the cell inside the box.
void set_equilibrium(TileState& state, int x, int y, int z, float rho, float ux, float uy,
                     float uz = 0.0f);

// The factor of the inlet velocity in the step that brings a run to step `step` (counted from
// 1) under a ramp of `ramp_steps` steps: s^2 (3 - 2 s), s = min(1, step / ramp_steps); 1
// without a ramp. Host arithmetic of IEEE-exact operations: the same on every machine.
double inlet_ramp(int ramp_steps, uint64_t step);

// A backend's stepper: advances a state n steps (run_steps_cpu, SimOpenCl::run_steps, ...).
using Stepper = std::function<Status(TileState&, int)>;
// Advances `state`, the run at step `first`, `steps` steps with `step`: steps inside the
// inlet ramp go one at a time with inlet_u* scaled by inlet_ramp (then restored), the rest in
// one call. Every path that advances a run goes through here, so units, replays and the
// farm's truth agree; without a ramp it is one call of `step`.
Status advance_run(TileState& state, uint64_t first, int steps, const Stepper& step);

// Advances the state `steps` steps on the CPU with `threads` threads over rows (0: hardware
// concurrency). The bytes of the result do not depend on `threads`. In a tile, cells within
// steps * stencil_radius of the box edge are not meaningful afterwards (they saw the edge as a
// wall); the interior is. On error (invalid state, steps < 0, threads unavailable) the state is
// left untouched.
Status run_steps_cpu(TileState& state, int steps, int threads = 0);

// Macroscopic fields over the interior (ghost border excluded), row-major, x fastest.
// Lattice Boltzmann: density and velocity (uz empty in 2D), with Guo's half-force correction
// for fluid cells; solid cells read density 1 and velocity 0. Scalar models: `components`
// holds each field (Gray-Scott u, v; heat T) and rho/ux/uy/uz are empty.
struct MacroFields {
  Extent size;
  std::vector<float> rho, ux, uy, uz;
  std::vector<std::vector<float>> components;
};
Result<MacroFields> macroscopic(const TileState& state);

// The macroscopic values of one cell (index into the box, ghost included), as macroscopic()
// gives them: lattice Boltzmann rho, ux, uy (uz in 3D); scalar models their components. The
// count is field_count(model). Precondition: the state is valid.
inline constexpr int kMaxFieldCount = 4;
int field_count(Model model);
std::array<float, kMaxFieldCount> cell_fields(const TileState& state, int cell);

}  // namespace tf::sim
