#include "formats/scene/loop_subdivision.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "formats/scene/try.h"

namespace tf::scene {
namespace {

uint64_t edge_key(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }

std::string vertex_pair(uint32_t a, uint32_t b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

// The connectivity one round of subdivision (or the limit step) needs.
struct Topology {
  // Directed edge a -> b of a triangle: 3 * triangle + the corner of a (b is the next corner).
  std::unordered_map<uint64_t, uint32_t> edges;
  // Each vertex's one-ring in pbrt's order: ring[ring_begin[v] .. ring_begin[v + 1]).
  std::vector<uint32_t> ring_begin, ring;
  std::vector<bool> boundary;

  std::pair<const uint32_t*, size_t> ring_of(uint32_t v) const {
    return {ring.data() + ring_begin[v], ring_begin[v + 1] - ring_begin[v]};
  }
};

// One vertex's fan as (prev, next) pairs of its triangles' corners, sorted by prev: the map
// prev -> next that walks the fan (a triangle's next corner is the following one's prev).
using Fan = std::vector<std::pair<uint32_t, uint32_t>>;

uint32_t fan_next(const Fan& fan, uint32_t prev) {
  auto it = std::lower_bound(fan.begin(), fan.end(), std::make_pair(prev, uint32_t{0}));
  return it != fan.end() && it->first == prev ? it->second : UINT32_MAX;
}

// Appends v's one-ring to t->ring in pbrt's order: inside, the walk prev -> next around the
// fan; on a boundary, that walk from the free end reversed (so ring[0] and ring.back() are the
// boundary neighbours, as pbrt's SDVertex::oneRing gives them).
Status order_ring(uint32_t v, Fan& fan, Topology* t) {
  std::sort(fan.begin(), fan.end());
  std::vector<uint32_t> nexts;
  nexts.reserve(fan.size());
  for (const auto& pn : fan) nexts.push_back(pn.second);
  std::sort(nexts.begin(), nexts.end());
  // A fan whose prevs are not all some triangle's next starts at a boundary edge.
  std::vector<uint32_t> starts;
  for (const auto& pn : fan) {
    if (!std::binary_search(nexts.begin(), nexts.end(), pn.first)) starts.push_back(pn.first);
  }
  if (starts.size() > 1) {
    return Error{"vertex " + std::to_string(v) +
                 " joins separate fans of triangles (a non-manifold vertex)"};
  }
  const bool on_boundary = !starts.empty();
  const size_t length = fan.size() + (on_boundary ? 1 : 0);
  const size_t begin = t->ring.size();
  uint32_t at = on_boundary ? starts[0] : fan[0].first;
  t->ring.push_back(at);
  while (t->ring.size() - begin < length) {
    at = fan_next(fan, at);
    if (at == UINT32_MAX) break;
    t->ring.push_back(at);
  }
  const bool closed = on_boundary || fan_next(fan, at) == t->ring[begin];
  if (t->ring.size() - begin != length || !closed) {
    return Error{"vertex " + std::to_string(v) +
                 " joins separate fans of triangles (a non-manifold vertex)"};
  }
  if (on_boundary)
    std::reverse(t->ring.begin() + static_cast<std::ptrdiff_t>(begin), t->ring.end());
  t->boundary[v] = on_boundary;
  return Status::ok();
}

Result<Topology> build_topology(const std::vector<uint32_t>& idx, size_t vertex_count) {
  Topology t;
  std::vector<Fan> fans(vertex_count);
  const size_t triangles = idx.size() / 3;
  t.edges.reserve(idx.size());
  for (size_t f = 0; f < triangles; ++f) {
    const uint32_t* c = &idx[3 * f];
    if (c[0] == c[1] || c[1] == c[2] || c[2] == c[0]) {
      return Error{"triangle " + std::to_string(f) + " repeats a vertex"};
    }
    for (uint32_t k = 0; k < 3; ++k) {
      const uint32_t a = c[k], b = c[(k + 1) % 3], prev = c[(k + 2) % 3];
      if (!t.edges.emplace(edge_key(a, b), static_cast<uint32_t>(3 * f + k)).second) {
        return Error{"edge " + vertex_pair(a, b) +
                     " is used twice in the same direction (the mesh is not manifold or not "
                     "consistently oriented)"};
      }
      fans[a].emplace_back(prev, b);
    }
  }
  t.boundary.assign(vertex_count, false);
  t.ring_begin.reserve(vertex_count + 1);
  t.ring.reserve(idx.size() + vertex_count);
  for (uint32_t v = 0; v < vertex_count; ++v) {
    t.ring_begin.push_back(static_cast<uint32_t>(t.ring.size()));
    TF_CHECK(order_ring(v, fans[v], &t));
  }
  t.ring_begin.push_back(static_cast<uint32_t>(t.ring.size()));
  return t;
}

double loop_beta(size_t valence) { return valence == 3 ? 3.0 / 16.0 : 3.0 / (8.0 * valence); }

// (1 - n w) v + w * ring (interior) or (1 - 2 w) v + w * (both boundary neighbours).
Vec3d weigh_ring(const std::vector<Vec3d>& p, const Topology& t, uint32_t v, double w_interior,
                 double w_boundary) {
  const auto [ring, n] = t.ring_of(v);
  if (t.boundary[v])
    return p[v] * (1 - 2 * w_boundary) + (p[ring[0]] + p[ring[n - 1]]) * w_boundary;
  Vec3d sum;
  for (size_t i = 0; i < n; ++i) sum = sum + p[ring[i]];
  return p[v] * (1 - static_cast<double>(n) * w_interior) + sum * w_interior;
}

// The third corner of the triangle holding directed edge `corner_code` (Topology::edges).
uint32_t opposite(const std::vector<uint32_t>& idx, uint32_t corner_code) {
  const uint32_t f = corner_code / 3, k = corner_code % 3;
  return idx[3 * f + (k + 2) % 3];
}

// One round of Loop's rules: positions and triangles in pbrt's order (header comment).
void refine(const Topology& t, std::vector<Vec3d>* positions, std::vector<uint32_t>* indices) {
  const std::vector<Vec3d>& p = *positions;
  const std::vector<uint32_t>& idx = *indices;
  std::vector<Vec3d> next_p;
  next_p.reserve(p.size() + idx.size() / 2 + 1);
  for (uint32_t v = 0; v < p.size(); ++v) {
    next_p.push_back(weigh_ring(p, t, v, loop_beta(t.ring_of(v).second), 1.0 / 8.0));
  }
  std::unordered_map<uint64_t, uint32_t> odd;  // undirected edge (min, max) -> new vertex
  odd.reserve(idx.size());
  std::vector<uint32_t> next_idx;
  next_idx.reserve(4 * idx.size());
  for (size_t f = 0; f < idx.size() / 3; ++f) {
    const uint32_t* c = &idx[3 * f];
    uint32_t e[3];
    for (uint32_t k = 0; k < 3; ++k) {
      const uint32_t a = c[k], b = c[(k + 1) % 3];
      auto [it, fresh] = odd.emplace(edge_key(std::min(a, b), std::max(a, b)),
                                     static_cast<uint32_t>(next_p.size()));
      e[k] = it->second;
      if (!fresh) continue;
      const auto twin = t.edges.find(edge_key(b, a));
      if (twin == t.edges.end()) {
        next_p.push_back((p[a] + p[b]) * 0.5);
      } else {
        next_p.push_back((p[a] + p[b]) * (3.0 / 8.0) +
                         (p[c[(k + 2) % 3]] + p[opposite(idx, twin->second)]) * (1.0 / 8.0));
      }
    }
    next_idx.insert(next_idx.end(),
                    {c[0], e[0], e[2], e[0], c[1], e[1], e[2], e[1], c[2], e[0], e[1], e[2]});
  }
  *positions = std::move(next_p);
  *indices = std::move(next_idx);
}

// pbrt's limit tangents S, T at v (positions already at the limit); the normal is S x T.
Vec3d limit_normal(const std::vector<Vec3d>& p, const Topology& t, uint32_t v) {
  const auto [ring, n] = t.ring_of(v);
  Vec3d s, tangent;
  if (!t.boundary[v]) {
    for (size_t j = 0; j < n; ++j) {
      const double angle = 2 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n);
      s = s + p[ring[j]] * std::cos(angle);
      tangent = tangent + p[ring[j]] * std::sin(angle);
    }
    return cross(s, tangent);
  }
  s = p[ring[n - 1]] - p[ring[0]];
  if (n == 2) {
    tangent = p[ring[0]] + p[ring[1]] - p[v] * 2;
  } else if (n == 3) {
    tangent = p[ring[1]] - p[v];
  } else if (n == 4) {
    tangent = p[ring[0]] * -1 + p[ring[1]] * 2 + p[ring[2]] * 2 - p[ring[3]] - p[v] * 2;
  } else {
    const double theta = std::numbers::pi / static_cast<double>(n - 1);
    tangent = (p[ring[0]] + p[ring[n - 1]]) * std::sin(theta);
    for (size_t k = 1; k + 1 < n; ++k) {
      tangent = tangent + p[ring[k]] * ((2 * std::cos(theta) - 2) * std::sin(k * theta));
    }
    tangent = tangent * -1;
  }
  return cross(s, tangent);
}

}  // namespace

Result<IrMesh> loop_subdivide(const IrMesh& control, int levels) {
  if (levels < 0 || levels > kMaxLoopLevels) {
    return Error{"\"levels\" must be in [0, " + std::to_string(kMaxLoopLevels) + "]"};
  }
  const size_t triangles = control.indices.size() / 3;
  if (triangles > (kMaxLoopTriangles >> (2 * levels))) {
    return Error{std::to_string(triangles) + " triangles subdivided " + std::to_string(levels) +
                 " times exceed " + std::to_string(kMaxLoopTriangles) +
                 " triangles: lower \"levels\""};
  }
  // Keep only the vertices triangles use, in their order (pbrt's structures have no place
  // for the others).
  std::vector<uint32_t> remap(control.positions.size(), UINT32_MAX);
  for (uint32_t i : control.indices) remap[i] = 0;
  std::vector<Vec3d> positions;
  for (size_t i = 0; i < remap.size(); ++i) {
    if (remap[i] == UINT32_MAX) continue;
    remap[i] = static_cast<uint32_t>(positions.size());
    positions.push_back(control.positions[i]);
  }
  std::vector<uint32_t> indices;
  indices.reserve(control.indices.size());
  for (uint32_t i : control.indices) indices.push_back(remap[i]);
  for (int level = 0; level < levels; ++level) {
    TF_TRY(t, build_topology(indices, positions.size()));
    refine(t, &positions, &indices);
  }
  TF_TRY(t, build_topology(indices, positions.size()));
  IrMesh out;
  out.positions.reserve(positions.size());
  for (uint32_t v = 0; v < positions.size(); ++v) {
    const double gamma = 1.0 / (static_cast<double>(t.ring_of(v).second) +
                                3.0 / (8.0 * loop_beta(t.ring_of(v).second)));
    out.positions.push_back(weigh_ring(positions, t, v, gamma, 1.0 / 5.0));
  }
  out.normals.reserve(positions.size());
  for (uint32_t v = 0; v < positions.size(); ++v) {
    out.normals.push_back(normalize(limit_normal(out.positions, t, v)));
  }
  out.indices = std::move(indices);
  return out;
}

}  // namespace tf::scene
