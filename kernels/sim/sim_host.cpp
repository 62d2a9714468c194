#include "kernels/sim/sim_host.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <latch>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "kernels/sim/d2q9.h"
#include "kernels/sim/d3q19.h"
#include "kernels/sim/sim_cpu_rows.h"
#include "kernels/sim/step_barrier.h"
#include "kernels/sim/step_buffer.h"

namespace tf::sim {
namespace {

constexpr long long kMaxCells = 1LL << 30;  // 32-bit indices with room for 19 components

bool is_lbm(Model m) { return m == Model::d2q9 || m == Model::d3q19; }

bool type_allowed(Model m, int type) {
  if (is_lbm(m)) return type >= TF_CELL_FLUID && type <= TF_CELL_OUTLET;
  return type == TF_CELL_FLUID || type == TF_CELL_WALL || type == TF_CELL_FIXED;
}

}  // namespace

int component_count(Model model) {
  switch (model) {
    case Model::d2q9:
      return TF_D2Q9_Q;
    case Model::d3q19:
      return TF_D3Q19_Q;
    case Model::gray_scott:
      return 2;
    case Model::heat:
      return 1;
  }
  return 0;
}

int dimension_count(Model model) { return model == Model::d3q19 ? 3 : 2; }

int stencil_radius(Model) { return 1; }

std::string_view model_name(Model model) {
  switch (model) {
    case Model::d2q9:
      return "d2q9";
    case Model::d3q19:
      return "d3q19";
    case Model::gray_scott:
      return "gray-scott";
    case Model::heat:
      return "heat";
  }
  return "unknown";
}

std::string_view kernel_version(Model model) {
  switch (model) {
    case Model::d2q9:
      return TF_SIM_D2Q9_VERSION;
    case Model::d3q19:
      return TF_SIM_D3Q19_VERSION;
    case Model::gray_scott:
      return TF_SIM_GRAY_SCOTT_VERSION;
    case Model::heat:
      return TF_SIM_HEAT_VERSION;
  }
  return "unknown";
}

tf_lbm_params lbm_relaxation(double tau, Collision collision, double magic) {
  tf_lbm_params p{};
  p.omega = static_cast<float>(1.0 / tau);
  p.omega_minus = p.omega;
  if (collision == Collision::trt) {
    double tau_minus = 0.5 + magic / (tau - 0.5);
    p.omega_minus = static_cast<float>(1.0 / tau_minus);
  }
  p.outlet_rho = 1.0f;
  return p;
}

Result<TileState> make_state(Model model, Extent size, std::array<bool, 3> periodic) {
  if (size.nx < 1 || size.ny < 1 || size.nz < 1) {
    return Error{"grid size must be positive in every axis, got " + std::to_string(size.nx) +
                 " x " + std::to_string(size.ny) + " x " + std::to_string(size.nz)};
  }
  if (dimension_count(model) == 2 && size.nz != 1) {
    return Error{"model " + std::string(model_name(model)) + " is 2D: nz must be 1, got " +
                 std::to_string(size.nz)};
  }
  if (size.cell_count() > kMaxCells) {
    return Error{"grid of " + std::to_string(size.cell_count()) + " cells exceeds the limit of " +
                 std::to_string(kMaxCells) + " cells per state"};
  }
  TileState s;
  s.model = model;
  s.size = size;
  s.periodic = periodic;
  auto cells = static_cast<std::size_t>(size.cell_count());
  s.fields.assign(cells * static_cast<std::size_t>(component_count(model)), 0.0f);
  s.cell_types.assign(cells, TF_CELL_FLUID);
  s.lbm = lbm_relaxation(1.0, Collision::bgk);
  return s;
}

Status validate(const TileState& s) {
  if (s.size.nx < 1 || s.size.ny < 1 || s.size.nz < 1 || s.size.cell_count() > kMaxCells) {
    return Error{"state has an invalid size " + std::to_string(s.size.nx) + " x " +
                 std::to_string(s.size.ny) + " x " + std::to_string(s.size.nz)};
  }
  if (dimension_count(s.model) == 2 && s.size.nz != 1) {
    return Error{"2D state has nz = " + std::to_string(s.size.nz)};
  }
  Extent inner = s.interior();
  if (s.ghost < 0 || inner.nx < 1 || inner.ny < 1 || inner.nz < 1) {
    return Error{"ghost width " + std::to_string(s.ghost) + " leaves no interior"};
  }
  auto cells = static_cast<std::size_t>(s.size.cell_count());
  if (s.cell_types.size() != cells) return Error{"cell type array does not match the grid size"};
  if (s.fields.size() != cells * static_cast<std::size_t>(component_count(s.model))) {
    return Error{"field array does not match the grid size and model"};
  }
  for (std::size_t c = 0; c < cells; ++c) {
    if (!type_allowed(s.model, s.cell_types[c])) {
      return Error{"cell " + std::to_string(c) + " has type " + std::to_string(s.cell_types[c]) +
                   ", not allowed for model " + std::string(model_name(s.model))};
    }
  }
  if (is_lbm(s.model)) {
    bool rates_ok = s.lbm.omega > 0.0f && s.lbm.omega < 2.0f && s.lbm.omega_minus > 0.0f &&
                    s.lbm.omega_minus < 2.0f;
    if (!rates_ok) return Error{"relaxation rates must lie in (0, 2), i.e. tau > 1/2"};
  }
  if (s.inlet_ramp_steps < 0) return Error{"invalid inlet ramp"};
  const ObservationPlan& plan = s.observation;
  if (plan.every < 0 || plan.obstacles < 0 || plan.obstacles > 255 ||
      (plan.obstacles > 0 && !is_lbm(s.model))) {
    return Error{"invalid observation plan"};
  }
  if (s.obstacle_ids.size() != (plan.obstacles > 0 ? cells : 0)) {
    return Error{"obstacle id array does not match the grid size"};
  }
  for (std::uint8_t id : s.obstacle_ids) {
    if (id > plan.obstacles) return Error{"obstacle id " + std::to_string(id) + " out of range"};
  }
  return Status::ok();
}

void set_equilibrium(TileState& s, int x, int y, int z, float rho, float ux, float uy, float uz) {
  int n = static_cast<int>(s.size.cell_count());
  int cell = s.cell_index(x, y, z);
  if (s.model == Model::d2q9) {
    tf_d2q9_write_equilibrium(s.fields.data(), n, cell, rho, ux, uy);
  } else if (s.model == Model::d3q19) {
    tf_d3q19_write_equilibrium(s.fields.data(), n, cell, rho, ux, uy, uz);
  }
}

double inlet_ramp(int ramp_steps, uint64_t step) {
  if (ramp_steps <= 0 || step >= static_cast<uint64_t>(ramp_steps)) return 1.0;
  const double s = static_cast<double>(step) / static_cast<double>(ramp_steps);
  return s * s * (3.0 - 2.0 * s);
}

Status advance_run(TileState& state, uint64_t first, int steps, const Stepper& step) {
  if (steps < 0) return Error{"step count must not be negative, got " + std::to_string(steps)};
  const auto ramp = static_cast<uint64_t>(std::max(state.inlet_ramp_steps, 0));
  int done = 0;
  if (is_lbm(state.model)) {
    const float target[3] = {state.lbm.inlet_ux, state.lbm.inlet_uy, state.lbm.inlet_uz};
    for (; done < steps && first + static_cast<uint64_t>(done) < ramp; ++done) {
      const double r = inlet_ramp(state.inlet_ramp_steps, first + static_cast<uint64_t>(done) + 1);
      state.lbm.inlet_ux = static_cast<float>(double{target[0]} * r);
      state.lbm.inlet_uy = static_cast<float>(double{target[1]} * r);
      state.lbm.inlet_uz = static_cast<float>(double{target[2]} * r);
      Status s = step(state, 1);
      state.lbm.inlet_ux = target[0];
      state.lbm.inlet_uy = target[1];
      state.lbm.inlet_uz = target[2];
      if (!s) return s;
    }
  }
  return done < steps ? step(state, steps - done) : Status::ok();
}

tf_sim_grid kernel_grid(const TileState& s) {
  tf_sim_grid g{};
  g.nx = s.size.nx;
  g.ny = s.size.ny;
  g.nz = s.size.nz;
  g.periodic_x = s.periodic[0] ? 1 : 0;
  g.periodic_y = s.periodic[1] ? 1 : 0;
  g.periodic_z = s.periodic[2] ? 1 : 0;
  g.origin_x = s.origin[0];
  g.origin_y = s.origin[1];
  g.origin_z = s.origin[2];
  return g;
}

Status run_steps_cpu(TileState& state, int steps, int threads) {
  if (Status st = validate(state); !st) return st;
  if (steps < 0) return Error{"step count must not be negative, got " + std::to_string(steps)};
  if (steps == 0) return Status::ok();
  const tf_sim_grid g = kernel_grid(state);
  const int rows = g.ny * g.nz;
  int want = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  const int workers = std::clamp(want, 1, rows);

  // Every cell is written in every step, so the second buffer needs no initial value; its
  // memory is kept from call to call (step_buffer.h).
  const std::size_t values = state.fields.size();
  std::optional<StepBuffer> other;
  try {
    other.emplace(values);
  } catch (const std::bad_alloc&) {
    return Error{"not enough memory for a second buffer of " + std::to_string(values) +
                 " values to step the state"};
  }
  float* buffers[2] = {state.fields.data(), other->data()};
  StepBarrier step_done(workers);
  std::latch start(1);
  std::atomic<bool> cancelled{false};
  auto work = [&](int w) {
    start.wait();
    if (cancelled.load()) return;
    const int row_begin = static_cast<int>(static_cast<long long>(rows) * w / workers);
    const int row_end = static_cast<int>(static_cast<long long>(rows) * (w + 1) / workers);
    // Cell types do not change during a run: each worker plans its own rows once.
    const std::vector<cpu_rows::Segment> segments =
        cpu_rows::plan_rows(state, g, row_begin, row_end);
    for (int step = 0; step < steps; ++step) {
      const float* src = buffers[step & 1];
      float* dst = buffers[(step + 1) & 1];
      for (const cpu_rows::Segment& seg : segments) {
        cpu_rows::update_segment(state, g, src, dst, seg);
      }
      step_done.arrive_and_wait();
    }
  };
  std::vector<std::jthread> pool;
  try {
    pool.reserve(static_cast<std::size_t>(workers - 1));
    for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
  } catch (const std::system_error& e) {
    cancelled.store(true);
    start.count_down();
    pool.clear();  // joins the threads already started; they return at once
    return Error{std::string("cannot start simulation threads: ") + e.what()};
  }
  start.count_down();
  work(0);
  pool.clear();
  if (steps & 1) std::copy(other->data(), other->data() + values, state.fields.begin());
  return Status::ok();
}

int field_count(Model model) {
  switch (model) {
    case Model::d2q9:
      return 3;
    case Model::d3q19:
      return 4;
    case Model::gray_scott:
    case Model::heat:
      return component_count(model);
  }
  return 0;
}

std::array<float, kMaxFieldCount> cell_fields(const TileState& s, int cell) {
  std::array<float, kMaxFieldCount> out{};
  const int n = static_cast<int>(s.size.cell_count());
  if (!is_lbm(s.model)) {
    for (int q = 0; q < component_count(s.model); ++q) {
      out[static_cast<std::size_t>(q)] =
          s.fields[static_cast<std::size_t>(q) * static_cast<std::size_t>(n) +
                   static_cast<std::size_t>(cell)];
    }
    return out;
  }
  const int type = s.cell_types[static_cast<std::size_t>(cell)];
  if (tf_lbm_is_solid(type)) return {1.0f, 0.0f, 0.0f, 0.0f};
  float drho = 0.0f, mx = 0.0f, my = 0.0f, mz = 0.0f;
  if (s.model == Model::d2q9) {
    tf_d2q9_moments(s.fields.data(), n, cell, &drho, &mx, &my);
  } else {
    tf_d3q19_moments(s.fields.data(), n, cell, &drho, &mx, &my, &mz);
  }
  // Fluid cells store momentum rho u + F/2; boundary cells store their equilibrium.
  const float half = type == TF_CELL_FLUID ? 0.5f : 0.0f;
  const float rho = 1.0f + drho;
  out[0] = rho;
  out[1] = (mx - half * s.lbm.force_x) / rho;
  out[2] = (my - half * s.lbm.force_y) / rho;
  if (s.model == Model::d3q19) out[3] = (mz - half * s.lbm.force_z) / rho;
  return out;
}

Result<MacroFields> macroscopic(const TileState& s) {
  if (Status st = validate(s); !st) return Error{st.message()};
  MacroFields out;
  out.size = s.interior();
  const auto count = static_cast<std::size_t>(out.size.cell_count());
  const int g = s.ghost;
  const int gz = dimension_count(s.model) == 3 ? g : 0;
  if (is_lbm(s.model)) {
    out.rho.resize(count);
    out.ux.resize(count);
    out.uy.resize(count);
    if (s.model == Model::d3q19) out.uz.resize(count);
  } else {
    out.components.assign(static_cast<std::size_t>(component_count(s.model)),
                          std::vector<float>(count));
  }
  std::size_t k = 0;
  for (int z = 0; z < out.size.nz; ++z) {
    for (int y = 0; y < out.size.ny; ++y) {
      for (int x = 0; x < out.size.nx; ++x, ++k) {
        const std::array<float, kMaxFieldCount> v =
            cell_fields(s, s.cell_index(x + g, y + g, z + gz));
        if (!is_lbm(s.model)) {
          for (std::size_t q = 0; q < out.components.size(); ++q) out.components[q][k] = v[q];
          continue;
        }
        out.rho[k] = v[0];
        out.ux[k] = v[1];
        out.uy[k] = v[2];
        if (!out.uz.empty()) out.uz[k] = v[3];
      }
    }
  }
  return out;
}

}  // namespace tf::sim
