#include "kernels/sim/sim_tiling.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace tf::sim {
namespace {

// Position v mapped into [0, n) on a periodic axis; -1 outside a non-periodic one.
int domain_coordinate(int v, int n, bool periodic) {
  if (periodic) return ((v % n) + n) % n;
  return (v < 0 || v >= n) ? -1 : v;
}

bool same_parameters(const TileState& a, const TileState& b) {
  return a.model == b.model && std::memcmp(&a.lbm, &b.lbm, sizeof a.lbm) == 0 &&
         std::memcmp(&a.gray_scott, &b.gray_scott, sizeof a.gray_scott) == 0 &&
         std::memcmp(&a.heat, &b.heat, sizeof a.heat) == 0;
}

bool box_inside(const Box& box, Extent domain) {
  return box.x0 >= 0 && box.y0 >= 0 && box.z0 >= 0 && box.size.nx >= 1 && box.size.ny >= 1 &&
         box.size.nz >= 1 && box.x0 + box.size.nx <= domain.nx &&
         box.y0 + box.size.ny <= domain.ny && box.z0 + box.size.nz <= domain.nz;
}

std::string describe(const Box& box) {
  return "box at (" + std::to_string(box.x0) + ", " + std::to_string(box.y0) + ", " +
         std::to_string(box.z0) + ") of " + std::to_string(box.size.nx) + " x " +
         std::to_string(box.size.ny) + " x " + std::to_string(box.size.nz);
}

}  // namespace

std::vector<Box> split_domain(Extent domain, Extent tile) {
  std::vector<Box> boxes;
  if (domain.nx < 1 || domain.ny < 1 || domain.nz < 1 || tile.nx < 1 || tile.ny < 1 ||
      tile.nz < 1) {
    return boxes;
  }
  for (int z = 0; z < domain.nz; z += tile.nz) {
    for (int y = 0; y < domain.ny; y += tile.ny) {
      for (int x = 0; x < domain.nx; x += tile.nx) {
        Box b;
        b.x0 = x;
        b.y0 = y;
        b.z0 = z;
        b.size = {std::min(tile.nx, domain.nx - x), std::min(tile.ny, domain.ny - y),
                  std::min(tile.nz, domain.nz - z)};
        boxes.push_back(b);
      }
    }
  }
  return boxes;
}

int ghost_width(Model model, int steps) { return steps * stencil_radius(model); }

Result<TileState> extract_tile(const TileState& domain, const Box& box, int ghost) {
  if (Status st = validate(domain); !st) return Error{st.message()};
  if (domain.ghost != 0) return Error{"tiles are cut from a whole domain (ghost width 0)"};
  if (!box_inside(box, domain.size)) return Error{describe(box) + " is not inside the domain"};
  if (ghost < 0) return Error{"ghost width must not be negative"};
  const bool is_3d = dimension_count(domain.model) == 3;
  const int gz = is_3d ? ghost : 0;
  Extent size{box.size.nx + 2 * ghost, box.size.ny + 2 * ghost, box.size.nz + 2 * gz};
  Result<TileState> made = make_state(domain.model, size, {});
  if (!made) return made;
  TileState& tile = made.value();
  tile.ghost = ghost;
  tile.origin = {box.x0 - ghost, box.y0 - ghost, box.z0 - gz};
  tile.lbm = domain.lbm;
  tile.gray_scott = domain.gray_scott;
  tile.heat = domain.heat;
  tile.observation = domain.observation;
  tile.inlet_ramp_steps = domain.inlet_ramp_steps;
  const bool ids = !domain.obstacle_ids.empty();
  if (ids) tile.obstacle_ids.assign(static_cast<std::size_t>(size.cell_count()), 0);
  const auto tile_cells = static_cast<std::size_t>(size.cell_count());
  const auto domain_cells = static_cast<std::size_t>(domain.size.cell_count());
  const int components = component_count(domain.model);
  for (int z = 0; z < size.nz; ++z) {
    const int dz = domain_coordinate(box.z0 - gz + z, domain.size.nz, domain.periodic[2]);
    for (int y = 0; y < size.ny; ++y) {
      const int dy = domain_coordinate(box.y0 - ghost + y, domain.size.ny, domain.periodic[1]);
      for (int x = 0; x < size.nx; ++x) {
        const int dx = domain_coordinate(box.x0 - ghost + x, domain.size.nx, domain.periodic[0]);
        const auto t = static_cast<std::size_t>(tile.cell_index(x, y, z));
        if (dx < 0 || dy < 0 || dz < 0) {
          tile.cell_types[t] = TF_CELL_WALL;  // fields stay zero
          continue;
        }
        const auto d = static_cast<std::size_t>(domain.cell_index(dx, dy, dz));
        tile.cell_types[t] = domain.cell_types[d];
        if (ids) tile.obstacle_ids[t] = domain.obstacle_ids[d];
        for (int q = 0; q < components; ++q) {
          tile.fields[q * tile_cells + t] = domain.fields[q * domain_cells + d];
        }
      }
    }
  }
  return made;
}

std::vector<float> unit_output(const TileState& tile) {
  const Extent inner = tile.interior();
  const int g = tile.ghost;
  const int gz = dimension_count(tile.model) == 3 ? g : 0;
  const auto tile_cells = static_cast<std::size_t>(tile.size.cell_count());
  const int components = component_count(tile.model);
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(inner.cell_count()) * static_cast<std::size_t>(components));
  for (int q = 0; q < components; ++q) {
    for (int z = 0; z < inner.nz; ++z) {
      for (int y = 0; y < inner.ny; ++y) {
        const auto row = static_cast<std::size_t>(tile.cell_index(g, y + g, z + gz));
        const auto* first = tile.fields.data() + static_cast<std::size_t>(q) * tile_cells + row;
        out.insert(out.end(), first, first + inner.nx);
      }
    }
  }
  return out;
}

Status insert_unit_output(TileState& domain, const Box& box, const std::vector<float>& output) {
  if (!box_inside(box, domain.size)) return Error{describe(box) + " is not inside the domain"};
  const int components = component_count(domain.model);
  const auto box_cells = static_cast<std::size_t>(box.size.cell_count());
  if (output.size() != box_cells * static_cast<std::size_t>(components)) {
    return Error{"unit output holds " + std::to_string(output.size()) + " values; " +
                 describe(box) + " needs " + std::to_string(box_cells * components)};
  }
  const auto domain_cells = static_cast<std::size_t>(domain.size.cell_count());
  const float* next = output.data();
  for (int q = 0; q < components; ++q) {
    for (int z = 0; z < box.size.nz; ++z) {
      for (int y = 0; y < box.size.ny; ++y) {
        const auto row =
            static_cast<std::size_t>(domain.cell_index(box.x0, box.y0 + y, box.z0 + z));
        std::copy(next, next + box.size.nx,
                  domain.fields.begin() + static_cast<std::ptrdiff_t>(q * domain_cells + row));
        next += box.size.nx;
      }
    }
  }
  return Status::ok();
}

Status insert_interior(TileState& domain, const TileState& tile, const Box& box) {
  if (Status st = validate(tile); !st) return st;
  if (!same_parameters(domain, tile)) return Error{"tile and domain differ in model or parameters"};
  if (!(tile.interior() == box.size)) return Error{"tile interior does not match " + describe(box)};
  return insert_unit_output(domain, box, unit_output(tile));
}

Status run_tiled_cpu(TileState& domain, Extent tile, int steps, int threads) {
  if (steps < 0) return Error{"step count must not be negative, got " + std::to_string(steps)};
  if (dimension_count(domain.model) == 2) tile.nz = 1;
  std::vector<Box> boxes = split_domain(domain.size, tile);
  if (boxes.empty()) return Error{"tile size must be positive in every axis"};
  TileState result = domain;
  for (const Box& box : boxes) {
    Result<TileState> unit = extract_tile(domain, box, ghost_width(domain.model, steps));
    if (!unit) return unit.status();
    if (Status st = run_steps_cpu(unit.value(), steps, threads); !st) return st;
    if (Status st = insert_interior(result, unit.value(), box); !st) return st;
  }
  domain = std::move(result);
  return Status::ok();
}

}  // namespace tf::sim
