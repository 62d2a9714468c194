#include "formats/sim/sim_unit.h"

#include <bit>
#include <cstring>
#include <string>

namespace tf::sim {
namespace {

// Format 2: inlet profile parameters and ramp, the observation plan and obstacle ids.
constexpr char kMagic[8] = {'T', 'F', 'S', 'T', 'A', 'T', 'E', '2'};
// The most probes a state carries (a bound on what a hostile header can ask to allocate).
constexpr uint32_t kMaxStateProbes = 100000;

// Every scalar of a state's parameters, in a fixed order (all three models' structs).
constexpr size_t kParamFloats = sizeof(tf_lbm_params) / sizeof(float) +
                                sizeof(tf_gray_scott_params) / sizeof(float) +
                                sizeof(tf_heat_params) / sizeof(float);
static_assert(sizeof(tf_lbm_params) % sizeof(float) == 0 &&
              sizeof(tf_gray_scott_params) % sizeof(float) == 0 &&
              sizeof(tf_heat_params) % sizeof(float) == 0);

template <class T>
void put(std::vector<uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}

class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}
  template <class T>
  bool get(T* v) { return take(v, sizeof *v); }
  bool take(void* out, size_t n) {
    if (n > bytes_.size() - pos_) return false;
    if (n != 0) std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t left() const { return bytes_.size() - pos_; }

 private:
  const std::vector<uint8_t>& bytes_;
  size_t pos_ = 0;
};

// Fields, cell types and, when forces are recorded, obstacle ids.
uint64_t state_payload_bytes(Model model, const Extent& e, bool obstacle_ids) {
  const auto cells = static_cast<uint64_t>(e.cell_count());
  return cells * (static_cast<uint64_t>(component_count(model)) * sizeof(float) + 1 +
                  (obstacle_ids ? 1 : 0));
}

}  // namespace

Status check_state_size(const TileState& s) {
  if (state_payload_bytes(s.model, s.size, s.observation.obstacles > 0) > kMaxStateBytes) {
    return Error{"the state of " + std::to_string(s.size.cell_count()) + " cells is larger than " +
                 std::to_string(kMaxStateBytes >> 20) + " MiB"};
  }
  return Status::ok();
}

Result<std::vector<uint8_t>> encode_state(const TileState& s) {
  if (Status v = validate(s); !v) return Error{v.message()};
  if (s.ghost != 0) return Error{"only a whole-domain state (no ghost border) is an asset"};
  if (Status size = check_state_size(s); !size) return Error{size.message()};
  const bool ids = s.observation.obstacles > 0;
  std::vector<uint8_t> out;
  out.reserve(64 + kParamFloats * 4 + 12 * s.observation.probes.size() +
              state_payload_bytes(s.model, s.size, ids));
  out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
  put(out, static_cast<uint32_t>(s.model));
  put(out, static_cast<int32_t>(s.size.nx));
  put(out, static_cast<int32_t>(s.size.ny));
  put(out, static_cast<int32_t>(s.size.nz));
  for (bool p : s.periodic) out.push_back(p ? 1 : 0);
  put(out, s.lbm);
  put(out, s.gray_scott);
  put(out, s.heat);
  put(out, static_cast<int32_t>(s.observation.every));
  put(out, static_cast<int32_t>(s.observation.obstacles));
  put(out, static_cast<int32_t>(s.inlet_ramp_steps));
  put(out, static_cast<uint32_t>(s.observation.probes.size()));
  for (const std::array<int, 3>& p : s.observation.probes) {
    for (int c : p) put(out, static_cast<int32_t>(c));
  }
  const auto* fields = reinterpret_cast<const uint8_t*>(s.fields.data());
  out.insert(out.end(), fields, fields + s.fields.size() * sizeof(float));
  out.insert(out.end(), s.cell_types.begin(), s.cell_types.end());
  out.insert(out.end(), s.obstacle_ids.begin(), s.obstacle_ids.end());
  return out;
}

Result<TileState> decode_state(const std::vector<uint8_t>& bytes) {
  Reader r(bytes);
  char magic[sizeof kMagic];
  if (!r.take(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) {
    return Error{"not a tilefarm simulation state (or another format version)"};
  }
  uint32_t model = 0;
  int32_t nx = 0, ny = 0, nz = 0;
  uint8_t periodic[3] = {};
  TileState s;
  if (!r.get(&model) || !r.get(&nx) || !r.get(&ny) || !r.get(&nz) ||
      !r.take(periodic, sizeof periodic) || !r.get(&s.lbm) || !r.get(&s.gray_scott) ||
      !r.get(&s.heat)) {
    return Error{"simulation state is truncated in its header"};
  }
  int32_t every = 0, obstacles = 0, ramp = 0;
  uint32_t probes = 0;
  if (!r.get(&every) || !r.get(&obstacles) || !r.get(&ramp) || !r.get(&probes) ||
      probes > kMaxStateProbes) {
    return Error{"simulation state has a truncated or oversized observation plan"};
  }
  s.observation.every = every;
  s.observation.obstacles = obstacles;
  s.inlet_ramp_steps = ramp;
  for (uint32_t i = 0; i < probes; ++i) {
    int32_t c[3] = {};
    if (!r.take(c, sizeof c)) return Error{"simulation state is truncated in its probes"};
    s.observation.probes.push_back({c[0], c[1], c[2]});
  }
  if (model > static_cast<uint32_t>(Model::heat)) {
    return Error{"simulation state names an unknown model " + std::to_string(model)};
  }
  s.model = static_cast<Model>(model);
  // Bounded per axis first, so that the cell count below cannot overflow.
  constexpr int32_t kMaxAxis = 1 << 20;
  if (nx < 1 || ny < 1 || nz < 1 || nx > kMaxAxis || ny > kMaxAxis || nz > kMaxAxis) {
    return Error{"simulation state has an invalid size"};
  }
  s.size = {nx, ny, nz};
  for (size_t i = 0; i < 3; ++i) s.periodic[i] = periodic[i] != 0;
  const bool ids = obstacles > 0;
  if (state_payload_bytes(s.model, s.size, ids) > kMaxStateBytes ||
      state_payload_bytes(s.model, s.size, ids) != r.left()) {
    return Error{"simulation state holds " + std::to_string(r.left()) +
                 " payload bytes, which does not match its size"};
  }
  s.fields.resize(static_cast<size_t>(s.size.cell_count()) *
                  static_cast<size_t>(component_count(s.model)));
  s.cell_types.resize(static_cast<size_t>(s.size.cell_count()));
  r.take(s.fields.data(), s.fields.size() * sizeof(float));
  r.take(s.cell_types.data(), s.cell_types.size());
  if (ids) {
    s.obstacle_ids.resize(static_cast<size_t>(s.size.cell_count()));
    r.take(s.obstacle_ids.data(), s.obstacle_ids.size());
  }
  if (Status v = validate(s); !v) return Error{"simulation state is invalid: " + v.message()};
  return s;
}

bool covers_domain(Extent domain, const Box& box) {
  return box.x0 == 0 && box.y0 == 0 && box.z0 == 0 && box.size == domain;
}

Result<TileState> unit_input(const TileState& domain, const Box& box, int steps) {
  if (steps < 1) return Error{"a unit advances at least one step"};
  if (covers_domain(domain.size, box)) return domain;
  return extract_tile(domain, box, ghost_width(domain.model, steps));
}

uint64_t unit_cell_updates(Model model, Extent domain, const Box& box, int steps) {
  if (steps < 1) return 0;
  if (covers_domain(domain, box)) return static_cast<uint64_t>(domain.cell_count()) * steps;
  const auto g = static_cast<uint64_t>(ghost_width(model, steps));
  const uint64_t depth = dimension_count(model) == 3 ? box.size.nz + 2 * g : box.size.nz;
  return (box.size.nx + 2 * g) * (box.size.ny + 2 * g) * depth * static_cast<uint64_t>(steps);
}

uint64_t unit_output_floats(Model model, const Box& box) {
  return static_cast<uint64_t>(box.size.cell_count()) * component_count(model);
}

std::vector<uint64_t> sample_steps(const ObservationPlan& plan, uint64_t first, uint64_t steps) {
  std::vector<uint64_t> out;
  if (plan.every <= 0) return out;
  const auto every = static_cast<uint64_t>(plan.every);
  for (uint64_t s = (first / every + 1) * every; s <= first + steps; s += every) out.push_back(s);
  return out;
}

size_t sample_bytes(const ObservationPlan& plan, Model model, const Box& box) {
  size_t probes = 0;
  for (const std::array<int, 3>& p : plan.probes) probes += probe_in_box(p, box) ? 1 : 0;
  return static_cast<size_t>(plan.obstacles) * 3 * sizeof(int64_t) +
         probes * static_cast<size_t>(field_count(model)) * sizeof(float);
}

void append_sample(std::vector<uint8_t>& out, const Sample& sample) {
  static_assert(std::endian::native == std::endian::little, "samples are stored as they lie");
  const auto* force = reinterpret_cast<const uint8_t*>(sample.force.data());
  out.insert(out.end(), force, force + sample.force.size() * sizeof(int64_t));
  const auto* probes = reinterpret_cast<const uint8_t*>(sample.probes.data());
  out.insert(out.end(), probes, probes + sample.probes.size() * sizeof(float));
}

Result<std::vector<Sample>> read_samples(const std::vector<uint8_t>& bytes, size_t count,
                                         const ObservationPlan& plan, Model model,
                                         const Box& box) {
  const size_t each = sample_bytes(plan, model, box);
  if (bytes.size() != count * each) {
    return Error{"observations of " + std::to_string(bytes.size()) + " bytes, expected " +
                 std::to_string(count) + " samples of " + std::to_string(each)};
  }
  const size_t force_bytes = static_cast<size_t>(plan.obstacles) * 3 * sizeof(int64_t);
  std::vector<Sample> out(count);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* at = bytes.data() + i * each;
    out[i].force.resize(force_bytes / sizeof(int64_t));
    std::memcpy(out[i].force.data(), at, force_bytes);
    out[i].probes.resize((each - force_bytes) / sizeof(float));
    std::memcpy(out[i].probes.data(), at + force_bytes, each - force_bytes);
  }
  return out;
}

}  // namespace tf::sim
