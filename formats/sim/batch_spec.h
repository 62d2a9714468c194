// Simulation batch specs (TOML): what a researcher submits with `tilefarm sim batch.toml`.
//
// A batch names a model, a grid, a step count and a snapshot interval, model parameters,
// boundary conditions, obstacles and initial conditions. A parameter given as a list or a
// range is swept: the batch expands to the cartesian product of all swept values, one run per
// combination, each named by its swept parameters ("re=1000", "f=0.037,k=0.06"). The format
// is documented with examples in scenes/sim/*.toml.
//
//   [simulation]  name, model ("d2q9" | "d3q19" | "gray-scott" | "heat"),
//                 collision ("bgk" | "trt", lattice Boltzmann only), grid = [nx, ny(, nz)],
//                 steps, snapshot_interval
//   [parameters]  numbers; a list [a, b, c] or a table {from, to, count} sweeps the key.
//                 d2q9/d3q19: exactly one of tau, viscosity, re; lid_velocity, length
//                 (for re; default nx - 2), magic (TRT, default 0.25), force_x/y/z,
//                 inlet_ux/uy/uz, outlet_density.  gray-scott: du, dv, f, k, dt.
//                 heat: diffusivity (alpha dt / dx^2).
//   [boundaries]  left/right/bottom/top(/front/back) = "wall" | "moving_wall" | "inlet" |
//                 "outlet" | "periodic" (lattice Boltzmann); "insulated" | "fixed" |
//                 "periodic" (scalar models). Periodic sides come in opposite pairs.
//   [inlet]       profile = "uniform" (default) | "parabolic" (lattice Boltzmann, inlet sides
//                 on one axis): the inlet velocity inlet_ux/uy/uz is the peak of a Poiseuille
//                 profile across each transverse axis bounded by walls (uniform along periodic
//                 axes), zero on the wall planes (half-way between the wall layer and the first
//                 fluid cell); the mean velocity across a 2D channel is 2/3 of the peak.
//                 ramp_steps = N: the inlet velocity rises smoothly from 0 over the first N
//                 steps (factor s^2 (3 - 2 s), s = step / N; sim_host.h, inlet_ramp).
//   [[obstacles]] shape = "circle" (a sphere in 3D) with center, radius; or "box" with
//                 min, max (cells, max exclusive); or "mask" with image (2D: an image file of
//                 the grid's size, relative to the batch file; dark pixels are walls, see
//                 resolve_masks). Obstacles are walls. name (optional, default "obstacle_<i>",
//                 i from 0 in file order) names its force in forces.csv.
//   [observables] every = N (steps between samples; default snapshot_interval, else steps),
//                 reference_velocity, reference_length, reference_density (default 1):
//                 lattice Boltzmann batches record the force on every obstacle (momentum
//                 exchange on its bounce-back links) and its coefficients
//                 F / (1/2 rho U^2 L^(d-1)) every N steps; every batch records its probes.
//   [[probes]]    name, at = [x, y(, z)] (a cell): the snapshot fields there every N steps.
//   [initial]     density, velocity; u, v; temperature; noise (amplitude), seed;
//                 [[initial.patches]] min, max and the values above that the patch sets.
//
// Errors are values; each names the file, the line and the key (from toml++ source regions).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf::sim {

enum class SideKind { wall, moving_wall, inlet, outlet, periodic, insulated, fixed };

enum class InletProfile { uniform, parabolic };

// Sides in the order left (-x), right (+x), bottom (-y), top (+y), front (-z), back (+z).
inline constexpr std::array<std::string_view, 6> kSideNames = {"left", "right", "bottom",
                                                               "top",  "front", "back"};

struct Obstacle {
  enum class Shape { circle, box, mask } shape = Shape::circle;
  std::array<double, 3> center{}, min{}, max{};  // circle: center; box: [min, max)
  double radius = 0.0;
  // mask: the image as named in the batch, and once resolve_masks read it, one byte per cell
  // (x fastest, row y = 0 first): 1 for a wall.
  std::string image;
  std::vector<std::uint8_t> cells;
  std::string name;  // "obstacle_<i>" unless the batch names it
};

// A named cell whose fields are recorded every Observables::every steps.
struct Probe {
  std::string name;
  std::array<int, 3> cell{};
};

// What a run records between snapshots ([observables], [[probes]]); every == 0: nothing.
struct Observables {
  long long every = 0;
  double reference_velocity = 0.0, reference_length = 0.0, reference_density = 1.0;
  std::vector<Probe> probes;
};

// The most obstacles whose forces a batch records (obstacle ids are one byte per cell) and
// the most probes.
inline constexpr std::size_t kMaxForceObstacles = 255;
inline constexpr std::size_t kMaxProbes = 1000;

// A region whose initial values are set explicitly; values absent from the file stay unset.
struct Patch {
  std::array<double, 3> min{}, max{};    // cells, max exclusive
  std::map<std::string, double> values;  // "density", "ux", "uy", "uz", "u", "v", "temperature"
};

struct InitialConditions {
  std::map<std::string, double> values;  // same keys as Patch::values; defaults per model
  std::vector<Patch> patches;
  double noise = 0.0;  // amplitude of deterministic uniform noise on the evolving field
  std::uint64_t seed = 1;
};

struct SweepAxis {
  std::string key;
  std::vector<double> values;
};

// The most runs a batch may expand to (the product of its sweep sizes): a few hundred bytes
// of sweeps could otherwise ask for billions of runs.
inline constexpr std::size_t kMaxRuns = 10000;

struct BatchSpec {
  std::string name;
  Model model = Model::d2q9;
  Collision collision = Collision::bgk;
  Extent grid;
  long long steps = 0;
  long long snapshot_interval = 0;           // 0: only the final state
  std::map<std::string, double> parameters;  // fixed values
  std::vector<SweepAxis> sweeps;             // in file order
  std::array<SideKind, 6> sides{};
  InletProfile inlet_profile = InletProfile::uniform;
  long long inlet_ramp_steps = 0;  // 0: the inlet velocity from the first step
  std::vector<Obstacle> obstacles;
  Observables observables;
  InitialConditions initial;
};

// One run of a batch: the spec with every swept key set to one of its values.
struct RunSpec {
  std::string name;  // "re=1000", "f=0.037,k=0.06"; the batch name when nothing is swept
  BatchSpec spec;    // spec.sweeps is empty; spec.parameters holds the swept values too
};

// Parses a batch from TOML text. `source` names the text in messages (a path). Checks the
// structure and every key; on error names "<source>:<line>: <key>: <problem>".
Result<BatchSpec> parse_batch(std::string_view text, std::string_view source);
// Reads and parses a batch file.
Result<BatchSpec> load_batch(const std::filesystem::path& path);

// Reads the image of every mask obstacle: `locate` maps the name written in the batch to a
// readable image file (formats/image: PNG, EXR, ...). The image must be exactly the grid's
// size (2D models only); its top row is the highest y, like the PNG previews; a pixel whose
// linear luminance (0.2126 R + 0.7152 G + 0.0722 B) is below 0.5 is a wall. Errors name the
// image and what is wrong.
using MaskLocator = std::function<Result<std::filesystem::path>(const std::string& image)>;
Status resolve_masks(BatchSpec& batch, const MaskLocator& locate);
// The image names of the batch's mask obstacles, in file order.
std::vector<std::string> mask_images(const BatchSpec& batch);

// The cartesian product of the sweeps, first swept key varying slowest. One run when nothing
// is swept.
std::vector<RunSpec> expand_runs(const BatchSpec& batch);

// The lattice Boltzmann relaxation time of a run (from tau, viscosity or re); error when the
// parameters do not determine a stable one (tau <= 1/2).
Result<double> relaxation_time(const BatchSpec& run);

// Whether the batch records forces: lattice Boltzmann, observables asked for, obstacles present.
bool records_forces(const BatchSpec& batch);
// What the batch's units record (TileState::observation): obstacle ids aside.
ObservationPlan observation_plan(const BatchSpec& batch);

// The whole-domain state at step 0 of a run (mask obstacles resolved): cell types from
// boundaries and obstacles, the observation plan (TileState::observation: obstacle ids when
// the batch records forces, probes, sample interval),
// parameters, initial fields (noise from a counter-based hash of (seed, cell, component), so
// the same spec gives the same bytes on every machine). Error when a parameter is missing or
// out of range.
Result<TileState> make_initial_state(const RunSpec& run);
// make_initial_state without its fields (empty, not computed): what every state of the run
// shares (cell types, obstacle ids, parameters, observation plan). Same errors.
Result<TileState> make_run_skeleton(const RunSpec& run);

}  // namespace tf::sim
