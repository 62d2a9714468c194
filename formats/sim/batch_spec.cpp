#include "formats/sim/batch_spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace tf::sim {
namespace {

// Builds "<source>:<line>: <key>: <problem>" messages.
class Problems {
 public:
  explicit Problems(std::string_view source) : source_(source) {}
  Error at(const toml::source_region& where, std::string_view key, std::string_view problem) const {
    return Error{source_ + ":" + std::to_string(where.begin.line) + ": " + std::string(key) + ": " +
                 std::string(problem)};
  }

 private:
  std::string source_;
};

std::string join(std::string_view table, std::string_view key) {
  return table.empty() ? std::string(key) : std::string(table) + "." + std::string(key);
}

std::optional<double> as_number(const toml::node& n) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) return f->get();
  return std::nullopt;
}

// Rejects keys of `table` that are not in `allowed` (a misspelt key would otherwise be ignored).
Status check_keys(const toml::table& table, std::string_view name,
                  const std::set<std::string_view>& allowed, const Problems& p) {
  for (auto&& [key, value] : table) {
    if (!allowed.contains(key.str())) {
      return p.at(key.source(), join(name, key.str()), "unknown key");
    }
  }
  return Status::ok();
}

Result<std::array<double, 3>> read_vector(const toml::node& n, std::string_view key, int dims,
                                          const Problems& p) {
  const auto* arr = n.as_array();
  const std::string want = "expected an array of " + std::to_string(dims) + " numbers";
  if (arr == nullptr || static_cast<int>(arr->size()) != dims) return p.at(n.source(), key, want);
  std::array<double, 3> out{};
  for (int i = 0; i < dims; ++i) {
    auto v = as_number((*arr)[static_cast<std::size_t>(i)]);
    if (!v) return p.at(n.source(), key, want);
    out[static_cast<std::size_t>(i)] = *v;
  }
  return out;
}

Result<Model> read_model(const toml::node& n, const Problems& p) {
  const auto* s = n.as_string();
  if (s != nullptr) {
    for (Model m : {Model::d2q9, Model::d3q19, Model::gray_scott, Model::heat}) {
      if (s->get() == model_name(m)) return m;
    }
  }
  return p.at(n.source(), "simulation.model",
              "expected one of \"d2q9\", \"d3q19\", \"gray-scott\", \"heat\"");
}

Result<long long> read_count(const toml::table& t, std::string_view key, bool required,
                             long long minimum, const Problems& p,
                             std::string_view table = "simulation") {
  const toml::node* n = t.get(key);
  const std::string name = join(table, key);
  if (n == nullptr) {
    if (required) return p.at(t.source(), name, "missing (required)");
    return 0LL;
  }
  const auto* i = n->as_integer();
  if (i == nullptr || i->get() < minimum) {
    return p.at(n->source(), name, "expected an integer >= " + std::to_string(minimum));
  }
  return static_cast<long long>(i->get());
}

Status read_simulation(const toml::table& root, BatchSpec& b, const Problems& p) {
  const toml::node* node = root.get("simulation");
  if (node == nullptr || !node->is_table()) {
    return p.at(root.source(), "simulation", "missing table [simulation]");
  }
  const toml::table& t = *node->as_table();
  if (Status st = check_keys(
          t, "simulation", {"name", "model", "collision", "grid", "steps", "snapshot_interval"}, p);
      !st) {
    return st;
  }
  if (const toml::node* n = t.get("name")) {
    if (!n->is_string()) return p.at(n->source(), "simulation.name", "expected a string");
    b.name = n->as_string()->get();
  }
  const toml::node* model = t.get("model");
  if (model == nullptr) return p.at(t.source(), "simulation.model", "missing (required)");
  Result<Model> m = read_model(*model, p);
  if (!m) return m.status();
  b.model = m.value();
  if (const toml::node* n = t.get("collision")) {
    const auto* s = n->as_string();
    if (s == nullptr || (s->get() != "bgk" && s->get() != "trt")) {
      return p.at(n->source(), "simulation.collision", "expected \"bgk\" or \"trt\"");
    }
    b.collision = s->get() == "trt" ? Collision::trt : Collision::bgk;
  }
  const toml::node* grid = t.get("grid");
  const int dims = dimension_count(b.model);
  if (grid == nullptr) return p.at(t.source(), "simulation.grid", "missing (required)");
  const auto* arr = grid->as_array();
  const std::string want = "expected " + std::to_string(dims) + " positive integers";
  if (arr == nullptr || static_cast<int>(arr->size()) != dims) {
    return p.at(grid->source(), "simulation.grid", want);
  }
  std::array<int, 3> size{1, 1, 1};
  for (int i = 0; i < dims; ++i) {
    const auto* v = (*arr)[static_cast<std::size_t>(i)].as_integer();
    if (v == nullptr || v->get() < 1 || v->get() > 65536) {
      return p.at(grid->source(), "simulation.grid", want + " (at most 65536)");
    }
    size[static_cast<std::size_t>(i)] = static_cast<int>(v->get());
  }
  b.grid = {size[0], size[1], size[2]};
  Result<long long> steps = read_count(t, "steps", true, 1, p);
  if (!steps) return steps.status();
  b.steps = steps.value();
  Result<long long> interval = read_count(t, "snapshot_interval", false, 1, p);
  if (!interval) return interval.status();
  b.snapshot_interval = interval.value();
  return Status::ok();
}

std::set<std::string_view> parameter_keys(Model m) {
  switch (m) {
    case Model::d2q9:
    case Model::d3q19:
      return {"tau",           "viscosity", "re",      "lid_velocity", "length",   "magic",
              "force_x",       "force_y",   "force_z", "inlet_ux",     "inlet_uy", "inlet_uz",
              "outlet_density"};
    case Model::gray_scott:
      return {"du", "dv", "f", "k", "dt"};
    case Model::heat:
      return {"diffusivity"};
  }
  return {};
}

// A swept parameter: a list of numbers, or {from, to, count} (count values, ends included).
Result<std::vector<double>> read_sweep(const toml::node& n, const std::string& key,
                                       const Problems& p) {
  std::vector<double> values;
  if (const auto* arr = n.as_array()) {
    for (const toml::node& item : *arr) {
      auto v = as_number(item);
      if (!v) return p.at(n.source(), key, "a swept list must hold numbers only");
      values.push_back(*v);
    }
  } else if (const auto* range = n.as_table()) {
    if (Status st = check_keys(*range, key, {"from", "to", "count"}, p); !st)
      return Error{st.message()};
    const toml::node* from = range->get("from");
    const toml::node* to = range->get("to");
    const toml::node* count = range->get("count");
    const auto* c = count != nullptr ? count->as_integer() : nullptr;
    std::optional<double> a = from != nullptr ? as_number(*from) : std::nullopt;
    std::optional<double> z = to != nullptr ? as_number(*to) : std::nullopt;
    if (!a || !z || c == nullptr || c->get() < 2 || c->get() > 10000) {
      return p.at(n.source(), key,
                  "a range needs numbers from, to and an integer count in [2, 10000]");
    }
    for (long long i = 0; i < c->get(); ++i) {
      values.push_back(*a + (*z - *a) * static_cast<double>(i) / static_cast<double>(c->get() - 1));
    }
  }
  if (values.empty()) return p.at(n.source(), key, "a swept list must not be empty");
  return values;
}

Status read_parameters(const toml::table& root, BatchSpec& b, const Problems& p) {
  const toml::node* node = root.get("parameters");
  if (node == nullptr) return Status::ok();
  const toml::table* t = node->as_table();
  if (t == nullptr) return p.at(node->source(), "parameters", "expected a table");
  if (Status st = check_keys(*t, "parameters", parameter_keys(b.model), p); !st) return st;
  std::size_t runs = 1;  // product of the sweep sizes so far
  for (auto&& [key, value] : *t) {
    const std::string name = join("parameters", key.str());
    if (auto v = as_number(value)) {
      if (!std::isfinite(*v)) return p.at(value.source(), name, "must be finite");
      b.parameters[std::string(key.str())] = *v;
      continue;
    }
    if (!value.is_array() && !value.is_table()) {
      return p.at(value.source(), name,
                  "expected a number, a list of numbers or {from, to, count}");
    }
    Result<std::vector<double>> sweep = read_sweep(value, name, p);
    if (!sweep) return sweep.status();
    b.sweeps.push_back({std::string(key.str()), std::move(sweep.value())});
    // Each sweep has at least one value, so the product only grows: checking as it grows
    // keeps it from overflowing.
    runs *= b.sweeps.back().values.size();
    if (runs > kMaxRuns) {
      return p.at(value.source(), name,
                  "the sweeps expand to more than " + std::to_string(kMaxRuns) +
                      " runs: sweep fewer values or split the batch");
    }
  }
  return Status::ok();
}

Result<SideKind> read_side(const toml::node& n, const std::string& key, Model model,
                           const Problems& p) {
  const bool lbm = model == Model::d2q9 || model == Model::d3q19;
  const auto* s = n.as_string();
  const std::string_view v = s != nullptr ? std::string_view(s->get()) : std::string_view();
  if (v == "periodic") return SideKind::periodic;
  if (lbm) {
    if (v == "wall") return SideKind::wall;
    if (v == "moving_wall") return SideKind::moving_wall;
    if (v == "inlet") return SideKind::inlet;
    if (v == "outlet") return SideKind::outlet;
    return p.at(n.source(), key,
                "expected \"wall\", \"moving_wall\", \"inlet\", \"outlet\" or \"periodic\"");
  }
  if (v == "insulated") return SideKind::insulated;
  if (v == "fixed") return SideKind::fixed;
  return p.at(n.source(), key, "expected \"insulated\", \"fixed\" or \"periodic\"");
}

Status read_boundaries(const toml::table& root, BatchSpec& b, const Problems& p) {
  const bool lbm = b.model == Model::d2q9 || b.model == Model::d3q19;
  const int sides = 2 * dimension_count(b.model);
  b.sides.fill(lbm ? SideKind::wall : SideKind::insulated);
  const toml::node* node = root.get("boundaries");
  if (node == nullptr) return Status::ok();
  const toml::table* t = node->as_table();
  if (t == nullptr) return p.at(node->source(), "boundaries", "expected a table");
  std::set<std::string_view> allowed(kSideNames.begin(), kSideNames.begin() + sides);
  if (Status st = check_keys(*t, "boundaries", allowed, p); !st) return st;
  for (int i = 0; i < sides; ++i) {
    const toml::node* n = t->get(kSideNames[static_cast<std::size_t>(i)]);
    if (n == nullptr) continue;
    Result<SideKind> kind =
        read_side(*n, join("boundaries", kSideNames[static_cast<std::size_t>(i)]), b.model, p);
    if (!kind) return kind.status();
    b.sides[static_cast<std::size_t>(i)] = kind.value();
  }
  for (int axis = 0; axis < sides / 2; ++axis) {
    const bool lo = b.sides[static_cast<std::size_t>(2 * axis)] == SideKind::periodic;
    const bool hi = b.sides[static_cast<std::size_t>(2 * axis + 1)] == SideKind::periodic;
    if (lo != hi) {
      const std::string key =
          join("boundaries", kSideNames[static_cast<std::size_t>(2 * axis + (lo ? 1 : 0))]);
      return p.at(t->source(), key,
                  "periodic sides come in pairs: set both opposite sides to \"periodic\"");
    }
  }
  return Status::ok();
}

Status read_inlet(const toml::table& root, BatchSpec& b, const Problems& p) {
  const toml::node* node = root.get("inlet");
  if (node == nullptr) return Status::ok();
  const toml::table* t = node->as_table();
  if (t == nullptr) return p.at(node->source(), "inlet", "expected a table");
  if (Status st = check_keys(*t, "inlet", {"profile", "ramp_steps"}, p); !st) return st;
  const bool lbm = b.model == Model::d2q9 || b.model == Model::d3q19;
  const bool has_inlet =
      std::find(b.sides.begin(), b.sides.end(), SideKind::inlet) != b.sides.end();
  if (const toml::node* ramp = t->get("ramp_steps")) {
    Result<long long> steps = read_count(*t, "ramp_steps", false, 1, p, "inlet");
    if (!steps) return steps.status();
    if (!lbm || !has_inlet) {
      return p.at(ramp->source(), "inlet.ramp_steps", "the batch has no velocity inlet to ramp");
    }
    if (steps.value() > INT_MAX) return p.at(ramp->source(), "inlet.ramp_steps", "too large");
    b.inlet_ramp_steps = steps.value();
  }
  const toml::node* profile = t->get("profile");
  if (profile == nullptr) return Status::ok();
  const auto* s = profile->as_string();
  if (s != nullptr && s->get() == "uniform") return Status::ok();
  if (s == nullptr || s->get() != "parabolic") {
    return p.at(profile->source(), "inlet.profile", "expected \"uniform\" or \"parabolic\"");
  }
  if (!lbm) {
    return p.at(profile->source(), "inlet.profile",
                "a velocity profile needs a lattice Boltzmann model");
  }
  int inlet_axes = 0;
  for (int axis = 0; axis < dimension_count(b.model); ++axis) {
    const auto lo = static_cast<std::size_t>(2 * axis);
    inlet_axes += b.sides[lo] == SideKind::inlet || b.sides[lo + 1] == SideKind::inlet ? 1 : 0;
  }
  if (inlet_axes != 1) {
    return p.at(profile->source(), "inlet.profile",
                inlet_axes == 0 ? "no side is an inlet ([boundaries] ... = \"inlet\")"
                                : "a parabolic profile needs the inlet sides on one axis");
  }
  b.inlet_profile = InletProfile::parabolic;
  return Status::ok();
}

// A name that goes into CSV columns and file names as it is: letters, digits, '_', '.', '-'.
Result<std::string> read_label(const toml::node& n, const std::string& key, const Problems& p) {
  const auto* s = n.as_string();
  const std::string value = s != nullptr ? s->get() : std::string();
  bool ok = !value.empty() && value.size() <= 64;
  for (char c : value) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-');
  }
  if (!ok) return p.at(n.source(), key, "expected a name of letters, digits, '_', '.' or '-'");
  return value;
}

Status read_obstacles(const toml::table& root, BatchSpec& b, const Problems& p) {
  const toml::node* node = root.get("obstacles");
  if (node == nullptr) return Status::ok();
  const toml::array* list = node->as_array();
  if (list == nullptr)
    return p.at(node->source(), "obstacles", "expected an array of tables [[obstacles]]");
  const int dims = dimension_count(b.model);
  for (const toml::node& item : *list) {
    const toml::table* t = item.as_table();
    if (t == nullptr) return p.at(item.source(), "obstacles", "expected a table");
    if (Status st = check_keys(*t, "obstacles",
                               {"shape", "center", "radius", "min", "max", "image", "name"}, p);
        !st)
      return st;
    const toml::node* shape = t->get("shape");
    const auto* s = shape != nullptr ? shape->as_string() : nullptr;
    Obstacle o;
    if (s != nullptr && s->get() == "circle") {
      o.shape = Obstacle::Shape::circle;
      const toml::node* c = t->get("center");
      const toml::node* r = t->get("radius");
      if (c == nullptr || r == nullptr)
        return p.at(t->source(), "obstacles", "a circle needs center and radius");
      Result<std::array<double, 3>> center = read_vector(*c, "obstacles.center", dims, p);
      if (!center) return center.status();
      o.center = center.value();
      auto radius = as_number(*r);
      if (!radius || *radius <= 0.0)
        return p.at(r->source(), "obstacles.radius", "expected a positive number");
      o.radius = *radius;
    } else if (s != nullptr && s->get() == "box") {
      o.shape = Obstacle::Shape::box;
      const toml::node* lo = t->get("min");
      const toml::node* hi = t->get("max");
      if (lo == nullptr || hi == nullptr)
        return p.at(t->source(), "obstacles", "a box needs min and max");
      Result<std::array<double, 3>> a = read_vector(*lo, "obstacles.min", dims, p);
      if (!a) return a.status();
      Result<std::array<double, 3>> z = read_vector(*hi, "obstacles.max", dims, p);
      if (!z) return z.status();
      o.min = a.value();
      o.max = z.value();
    } else if (s != nullptr && s->get() == "mask") {
      o.shape = Obstacle::Shape::mask;
      const toml::node* image = t->get("image");
      const auto* name = image != nullptr ? image->as_string() : nullptr;
      if (name == nullptr || name->get().empty())
        return p.at(t->source(), "obstacles.image", "a mask needs image = \"FILE\"");
      if (dims != 2) return p.at(t->source(), "obstacles", "masks are for 2D models");
      o.image = name->get();
    } else {
      const toml::source_region& where = shape != nullptr ? shape->source() : t->source();
      return p.at(where, "obstacles.shape", "expected \"circle\", \"box\" or \"mask\"");
    }
    o.name = "obstacle_" + std::to_string(b.obstacles.size());
    if (const toml::node* n = t->get("name")) {
      Result<std::string> name = read_label(*n, "obstacles.name", p);
      if (!name) return name.status();
      o.name = name.value();
    }
    for (const Obstacle& earlier : b.obstacles) {
      if (earlier.name == o.name) {
        return p.at(t->source(), "obstacles.name", "'" + o.name + "' is used twice");
      }
    }
    b.obstacles.push_back(o);
  }
  return Status::ok();
}

Status read_probes(const toml::node& node, BatchSpec& b, const Problems& p) {
  const toml::array* list = node.as_array();
  if (list == nullptr) {
    return p.at(node.source(), "probes", "expected an array of tables [[probes]]");
  }
  const int dims = dimension_count(b.model);
  const int extent[3] = {b.grid.nx, b.grid.ny, b.grid.nz};
  for (const toml::node& item : *list) {
    const toml::table* t = item.as_table();
    if (t == nullptr) return p.at(item.source(), "probes", "expected a table");
    if (Status st = check_keys(*t, "probes", {"name", "at"}, p); !st) return st;
    const toml::node* name = t->get("name");
    const toml::node* at = t->get("at");
    if (name == nullptr || at == nullptr) {
      return p.at(t->source(), "probes", "a probe needs name and at");
    }
    Result<std::string> label = read_label(*name, "probes.name", p);
    if (!label) return label.status();
    for (const Probe& earlier : b.observables.probes) {
      if (earlier.name == label.value()) {
        return p.at(name->source(), "probes.name", "'" + label.value() + "' is used twice");
      }
    }
    Result<std::array<double, 3>> cell = read_vector(*at, "probes.at", dims, p);
    if (!cell) return cell.status();
    Probe probe{label.value(), {}};
    for (int i = 0; i < dims; ++i) {
      const double v = cell.value()[static_cast<std::size_t>(i)];
      if (v != std::floor(v) || v < 0 || v >= extent[i]) {
        return p.at(at->source(), "probes.at",
                    "expected the integer coordinates of a cell of the grid");
      }
      probe.cell[static_cast<std::size_t>(i)] = static_cast<int>(v);
    }
    b.observables.probes.push_back(probe);
    if (b.observables.probes.size() > kMaxProbes) {
      return p.at(item.source(), "probes", "more than " + std::to_string(kMaxProbes) + " probes");
    }
  }
  return Status::ok();
}

Status read_observables(const toml::table& root, BatchSpec& b, const Problems& p) {
  const toml::node* node = root.get("observables");
  const toml::node* probes = root.get("probes");
  if (node == nullptr && probes == nullptr) return Status::ok();
  Observables& o = b.observables;
  o.every = b.snapshot_interval > 0 ? b.snapshot_interval : b.steps;
  if (node != nullptr) {
    const toml::table* t = node->as_table();
    if (t == nullptr) return p.at(node->source(), "observables", "expected a table");
    if (Status st = check_keys(*t, "observables",
                               {"every", "reference_velocity", "reference_length",
                                "reference_density"},
                               p);
        !st) {
      return st;
    }
    Result<long long> every = read_count(*t, "every", false, 1, p, "observables");
    if (!every) return every.status();
    if (every.value() > 0) o.every = every.value();
    double* refs[] = {&o.reference_velocity, &o.reference_length, &o.reference_density};
    const char* names[] = {"reference_velocity", "reference_length", "reference_density"};
    for (int i = 0; i < 3; ++i) {
      const toml::node* n = t->get(names[i]);
      if (n == nullptr) continue;
      auto v = as_number(*n);
      if (!v || !(*v > 0.0) || !std::isfinite(*v)) {
        return p.at(n->source(), join("observables", names[i]), "expected a positive number");
      }
      *refs[i] = *v;
    }
  }
  if (probes != nullptr) {
    if (Status st = read_probes(*probes, b, p); !st) return st;
  }
  if (records_forces(b) && b.obstacles.size() > kMaxForceObstacles) {
    return p.at(node != nullptr ? node->source() : root.source(), "observables",
                "forces are recorded for at most " + std::to_string(kMaxForceObstacles) +
                    " obstacles");
  }
  return Status::ok();
}

// Reads initial values (density, velocity, u, v, temperature) from a table into `values`.
Status read_initial_values(const toml::table& t, std::string_view table_name, const BatchSpec& b,
                           std::map<std::string, double>& values, const Problems& p) {
  const int dims = dimension_count(b.model);
  for (std::string_view key : {"density", "u", "v", "temperature"}) {
    if (const toml::node* n = t.get(key)) {
      auto v = as_number(*n);
      if (!v) return p.at(n->source(), join(table_name, key), "expected a number");
      values[std::string(key)] = *v;
    }
  }
  if (const toml::node* n = t.get("velocity")) {
    Result<std::array<double, 3>> v = read_vector(*n, join(table_name, "velocity"), dims, p);
    if (!v) return v.status();
    values["ux"] = v.value()[0];
    values["uy"] = v.value()[1];
    if (dims == 3) values["uz"] = v.value()[2];
  }
  return Status::ok();
}

Status read_initial(const toml::table& root, BatchSpec& b, const Problems& p) {
  const toml::node* node = root.get("initial");
  if (node == nullptr) return Status::ok();
  const toml::table* t = node->as_table();
  if (t == nullptr) return p.at(node->source(), "initial", "expected a table");
  const std::set<std::string_view> value_keys = {"density", "velocity", "u", "v", "temperature"};
  std::set<std::string_view> allowed = value_keys;
  allowed.insert({"noise", "seed", "patches"});
  if (Status st = check_keys(*t, "initial", allowed, p); !st) return st;
  if (Status st = read_initial_values(*t, "initial", b, b.initial.values, p); !st) return st;
  if (const toml::node* n = t->get("noise")) {
    auto v = as_number(*n);
    if (!v || *v < 0.0) return p.at(n->source(), "initial.noise", "expected a number >= 0");
    b.initial.noise = *v;
  }
  if (const toml::node* n = t->get("seed")) {
    const auto* i = n->as_integer();
    if (i == nullptr || i->get() < 0)
      return p.at(n->source(), "initial.seed", "expected an integer >= 0");
    b.initial.seed = static_cast<std::uint64_t>(i->get());
  }
  if (const toml::node* n = t->get("patches")) {
    const toml::array* list = n->as_array();
    if (list == nullptr)
      return p.at(n->source(), "initial.patches", "expected [[initial.patches]] tables");
    const int dims = dimension_count(b.model);
    for (const toml::node& item : *list) {
      const toml::table* pt = item.as_table();
      if (pt == nullptr) return p.at(item.source(), "initial.patches", "expected a table");
      std::set<std::string_view> patch_keys = value_keys;
      patch_keys.insert({"min", "max"});
      if (Status st = check_keys(*pt, "initial.patches", patch_keys, p); !st) return st;
      const toml::node* lo = pt->get("min");
      const toml::node* hi = pt->get("max");
      if (lo == nullptr || hi == nullptr)
        return p.at(pt->source(), "initial.patches", "a patch needs min and max");
      Patch patch;
      Result<std::array<double, 3>> a = read_vector(*lo, "initial.patches.min", dims, p);
      if (!a) return a.status();
      Result<std::array<double, 3>> z = read_vector(*hi, "initial.patches.max", dims, p);
      if (!z) return z.status();
      patch.min = a.value();
      patch.max = z.value();
      if (Status st = read_initial_values(*pt, "initial.patches", b, patch.values, p); !st)
        return st;
      b.initial.patches.push_back(std::move(patch));
    }
  }
  return Status::ok();
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

Result<BatchSpec> parse_batch(std::string_view text, std::string_view source) {
  const Problems p(source);
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return Error{std::string(source) + ":" + std::to_string(e.source().begin.line) +
                 ": TOML syntax: " + std::string(e.description())};
  }
  if (Status st = check_keys(root, "",
                             {"simulation", "parameters", "boundaries", "inlet", "obstacles",
                              "observables", "probes", "initial"},
                             p);
      !st) {
    return Error{st.message()};
  }
  BatchSpec b;
  for (auto read :
       {read_simulation, read_parameters, read_boundaries, read_inlet, read_obstacles,
        read_observables, read_initial}) {
    if (Status st = read(root, b, p); !st) return Error{st.message()};
  }
  if (b.name.empty()) b.name = std::filesystem::path(source).stem().string();
  return b;
}

bool records_forces(const BatchSpec& b) {
  return b.observables.every > 0 && !b.obstacles.empty() &&
         (b.model == Model::d2q9 || b.model == Model::d3q19);
}

ObservationPlan observation_plan(const BatchSpec& b) {
  ObservationPlan plan;
  plan.every = static_cast<int>(std::min<long long>(b.observables.every, INT_MAX));
  plan.obstacles = records_forces(b) ? static_cast<int>(b.obstacles.size()) : 0;
  for (const Probe& p : b.observables.probes) plan.probes.push_back(p.cell);
  return plan;
}

Result<BatchSpec> load_batch(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open batch file " + path.string()};
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Error{"cannot read batch file " + path.string()};
  return parse_batch(text.str(), path.string());
}

std::vector<RunSpec> expand_runs(const BatchSpec& batch) {
  std::vector<RunSpec> runs;
  std::vector<std::size_t> index(batch.sweeps.size(), 0);
  while (true) {
    RunSpec run;
    run.spec = batch;
    run.spec.sweeps.clear();
    for (std::size_t i = 0; i < batch.sweeps.size(); ++i) {
      const SweepAxis& axis = batch.sweeps[i];
      const double v = axis.values[index[i]];
      run.spec.parameters[axis.key] = v;
      run.name += (i == 0 ? "" : ",") + axis.key + "=" + format_value(v);
    }
    if (run.name.empty()) run.name = batch.name;
    runs.push_back(std::move(run));
    // Odometer over the sweeps, last key fastest.
    std::size_t k = batch.sweeps.size();
    while (k > 0) {
      --k;
      if (++index[k] < batch.sweeps[k].values.size()) break;
      index[k] = 0;
      if (k == 0) return runs;
    }
    if (batch.sweeps.empty()) return runs;
  }
}

}  // namespace tf::sim
