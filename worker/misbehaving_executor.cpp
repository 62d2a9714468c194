#include "worker/misbehaving_executor.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

namespace tf {
namespace {

bool same_unit(const RenderUnit& a, const RenderUnit& b) {
  return a.frame == b.frame && a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1 &&
         a.s0 == b.s0 && a.s1 == b.s1;
}

// A seed from 64-bit words, the same for every colluder (splitmix64 steps).
uint64_t mix(uint64_t seed, uint64_t value) {
  uint64_t z = seed + value + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t unit_seed(const RenderUnit& u) {
  uint64_t seed = 0;
  for (uint64_t v : {uint64_t{u.frame}, uint64_t{u.x0}, uint64_t{u.y0}, uint64_t{u.x1},
                     uint64_t{u.y1}, uint64_t{u.s0}, uint64_t{u.s1}}) {
    seed = mix(seed, v);
  }
  return seed;
}

// A simulation unit is its input: its steps, its size and (cheaply) its leading values.
uint64_t unit_seed(const sim::TileState& state, int steps) {
  uint64_t seed = mix(mix(mix(0, static_cast<uint64_t>(steps)), static_cast<uint64_t>(state.size.nx)),
                      static_cast<uint64_t>(state.size.ny));
  const size_t n = std::min<size_t>(state.fields.size(), 64);
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits = 0;
    std::memcpy(&bits, &state.fields[i], sizeof bits);
    seed = mix(seed, bits);
  }
  return seed;
}

}  // namespace

Result<Misbehavior> parse_misbehavior(const std::string& name) {
  if (name == "wrong") return Misbehavior::kWrong;
  if (name == "lazy") return Misbehavior::kLazy;
  if (name == "copy") return Misbehavior::kCopy;
  if (name == "slow") return Misbehavior::kSlow;
  if (name == "garbage") return Misbehavior::kGarbage;
  if (name == "collude") return Misbehavior::kCollude;
  return Error{"unknown misbehaviour '" + name +
               "': use wrong, lazy, copy, slow or garbage, or collude"};
}

MisbehavingExecutor::MisbehavingExecutor(std::unique_ptr<UnitExecutor> inner,
                                         MisbehaviorOptions options)
    : inner_(std::move(inner)), options_(std::move(options)), rng_(options_.seed) {
  if (!options_.units_seen) options_.units_seen = std::make_shared<std::atomic<uint64_t>>(0);
}

bool MisbehavingExecutor::honest_now() {
  return options_.units_seen->fetch_add(1) < options_.honest_units;
}

Status MisbehavingExecutor::render(const RenderUnit& unit, TileResult* out) {
  if (honest_now()) return inner_->render(unit, out);
  switch (options_.mode) {
    case Misbehavior::kWrong: {
      Status s = inner_->render(unit, out);
      if (s) perturb(out->rgb, rng_);
      return s;
    }
    case Misbehavior::kCollude: {
      Status s = inner_->render(unit, out);
      std::mt19937_64 agreed(unit_seed(unit));
      if (s) perturb(out->rgb, agreed);
      return s;
    }
    case Misbehavior::kLazy: return render_lazily(unit, out);
    case Misbehavior::kCopy:
      if (!copied_ || same_unit(copied_from_, unit)) {
        RenderUnit neighbour = unit;
        neighbour.s0 = unit.s1;
        neighbour.s1 = unit.s1 + (unit.s1 - unit.s0);
        copied_.emplace();
        if (Status s = inner_->render(neighbour, &*copied_); !s) {
          copied_.reset();
          return s;
        }
        copied_from_ = neighbour;
      }
      *out = *copied_;
      return Status::ok();
    case Misbehavior::kSlow: {
      Status s = inner_->render(unit, out);
      options_.sleep(options_.slow_delay);
      return s;
    }
    case Misbehavior::kGarbage: break;  // honest here; the worker garbles the message
  }
  return inner_->render(unit, out);
}

Status MisbehavingExecutor::render_lazily(const RenderUnit& unit, TileResult* out) {
  const uint32_t asked = unit.s1 - unit.s0;
  if (asked < 2) {  // nothing to skip: cheat on the sums instead
    Status s = inner_->render(unit, out);
    if (s) perturb(out->rgb, rng_);
    return s;
  }
  RenderUnit fewer = unit;
  fewer.s1 = unit.s0 + asked / 2;
  if (Status s = inner_->render(fewer, out); !s) return s;
  const double scale = static_cast<double>(asked) / (fewer.s1 - fewer.s0);
  for (float& v : out->rgb) v = static_cast<float>(v * scale);
  out->rays = static_cast<uint64_t>(static_cast<double>(out->rays) * scale);
  return Status::ok();
}

Status MisbehavingExecutor::simulate(sim::TileState& state, int steps) {
  if (honest_now()) return inner_->simulate(state, steps);
  Status s;
  switch (options_.mode) {
    case Misbehavior::kWrong:
      s = inner_->simulate(state, steps);
      if (s) perturb(state.fields, rng_);
      return s;
    case Misbehavior::kCollude: {
      std::mt19937_64 agreed(unit_seed(state, steps));
      s = inner_->simulate(state, steps);
      if (s) perturb(state.fields, agreed);
      return s;
    }
    case Misbehavior::kLazy:
      s = inner_->simulate(state, std::max(1, steps / 2));
      if (s && steps < 2) perturb(state.fields, rng_);  // nothing to skip: cheat on the values
      return s;
    case Misbehavior::kSlow:
      s = inner_->simulate(state, steps);
      options_.sleep(options_.slow_delay);
      return s;
    case Misbehavior::kCopy:
    case Misbehavior::kGarbage: break;
  }
  return inner_->simulate(state, steps);
}

void MisbehavingExecutor::perturb(std::vector<float>& values, std::mt19937_64& rng) {
  if (values.empty()) return;
  std::uniform_int_distribution<size_t> pick(0, values.size() - 1);
  std::uniform_real_distribution<float> amount(0.01f, 0.5f);
  // A few values, each raised by a visible but plausible amount (pixel sums stay positive).
  const size_t count = std::max<size_t>(1, values.size() / 64);
  for (size_t i = 0; i < count; ++i) values[pick(rng)] += amount(rng);
}

void send_garbage_frame(zmq::socket_t& socket, size_t size) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::vector<uint8_t> bytes(size);
  std::uniform_int_distribution<int> byte(0, 255);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(byte(rng));
  // An odd size is never a whole number of Cap'n Proto words: certainly undecodable.
  if (bytes.size() % 2 == 0) bytes.push_back(0);
  (void)socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
}

}  // namespace tf
