#include "kernels/sim/sim_cpu_rows.h"

#include <algorithm>

#include "kernels/sim/d2q9.h"
#include "kernels/sim/d3q19.h"
#include "kernels/sim/scalar_fields.h"

// Row loops built for several ISAs, chosen once at load time (GCC on x86-64 with ifunc).
// The D3Q19 stream loop stops at AVX2: measured on AMD EPYC (Zen 4), its AVX-512 build ran
// 10-30% slower (19 populations plus 19 equilibria do not fit the 32 vector registers, and
// 16-cell vectors leave long scalar remainders on short rows).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TF_SIM_ISA_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]
#define TF_SIM_ISA_CLONES_UP_TO_AVX2 [[gnu::target_clones("avx2", "default")]]
#else
#define TF_SIM_ISA_CLONES
#define TF_SIM_ISA_CLONES_UP_TO_AVX2
#endif

namespace tf::sim::cpu_rows {
namespace {

// The two lattices behind one interface, so that each row loop is written once.
struct D2q9 {
  static constexpr int kQ = TF_D2Q9_Q;
  static constexpr int kCx[kQ] = TF_D2Q9_CX;
  static constexpr int kCy[kQ] = TF_D2Q9_CY;
  static constexpr int kCz[kQ] = {};
  static void update(tf_sim_grid g, const tf_lbm_params& p, const float* __restrict src,
                     float* __restrict dst, const unsigned char* __restrict types, int x, int y,
                     int, int inside, int forced) {
    tf_d2q9_update(g, p, src, dst, types, x, y, inside, forced);
  }
  static void stream(const tf_lbm_params& p, const float* __restrict src, float* __restrict dst,
                     int n, int cell, const int* from, int shift, int forced) {
    tf_d2q9_update_stream(p, src, dst, n, cell, from, shift, forced);
  }
};

struct D3q19 {
  static constexpr int kQ = TF_D3Q19_Q;
  static constexpr int kCx[kQ] = TF_D3Q19_CX;
  static constexpr int kCy[kQ] = TF_D3Q19_CY;
  static constexpr int kCz[kQ] = TF_D3Q19_CZ;
  static void update(tf_sim_grid g, const tf_lbm_params& p, const float* __restrict src,
                     float* __restrict dst, const unsigned char* __restrict types, int x, int y,
                     int z, int inside, int forced) {
    tf_d3q19_update(g, p, src, dst, types, x, y, z, inside, forced);
  }
  static void stream(const tf_lbm_params& p, const float* __restrict src, float* __restrict dst,
                     int n, int cell, const int* from, int shift, int forced) {
    tf_d3q19_update_stream(p, src, dst, n, cell, from, shift, forced);
  }
};

// Index of the cell population i streams from into (x, y, z), wrapped; -1 beyond a
// non-periodic edge.
template <class L>
int source_cell(tf_sim_grid g, int i, int x, int y, int z) {
  return tf_sim_neighbor(g, x - L::kCx[i], y - L::kCy[i], z - L::kCz[i]);
}

// row_source[i] = index of the first cell of the row population i streams from into row
// (y, z), wrapped, minus c_x: population i of cell x of the row comes from row_source[i] + x.
// Only rows at a y or z edge wrap; the others are at fixed offsets (a per-row cost that
// showed in profiles of the D3Q19 stepper when every row took the wrapping path).
template <class L>
void source_rows(tf_sim_grid g, int y, int z, int* row_source) {
  const bool three_d = L::kQ == TF_D3Q19_Q;
  const int row_cell = (z * g.ny + y) * g.nx;
  if (y > 0 && y < g.ny - 1 && (!three_d || (z > 0 && z < g.nz - 1))) {
    for (int i = 0; i < L::kQ; ++i) {
      row_source[i] = row_cell - ((L::kCz[i] * g.ny + L::kCy[i]) * g.nx + L::kCx[i]);
    }
    return;
  }
  for (int i = 0; i < L::kQ; ++i) {
    row_source[i] = source_cell<L>(g, i, L::kCx[i], y, z) - L::kCx[i];
  }
}

// Parameters by value, restrict pointers and the cell update inlined (flatten): that is what
// lets GCC vectorize a loop over x. kInside = 1 promises that every neighbour lies inside the
// box (drops the wrap and edge logic; same bytes either way); kForced is tf_lbm_forced(p), a
// constant so that an unforced loop carries no forcing arithmetic.
template <class L, int kInside, int kForced>
[[gnu::always_inline]] inline void general_loop(tf_sim_grid g, tf_lbm_params p,
                                                const float* __restrict src, float* __restrict dst,
                                                const unsigned char* __restrict types, int y, int z,
                                                int x_begin, int x_end) {
  for (int x = x_begin; x < x_end; ++x) {
    L::update(g, p, src, dst, types, x, y, z, kInside, kForced);
  }
}

template <class L>
TF_SIM_ISA_CLONES [[gnu::flatten, gnu::noinline]] void general_cells(
    tf_sim_grid g, tf_lbm_params p, const float* __restrict src, float* __restrict dst,
    const unsigned char* __restrict types, int y, int z, int x_begin, int x_end, bool inside) {
  const bool forced = tf_lbm_forced(p);
  if (inside && forced) {
    general_loop<L, 1, 1>(g, p, src, dst, types, y, z, x_begin, x_end);
  } else if (inside) {
    general_loop<L, 1, 0>(g, p, src, dst, types, y, z, x_begin, x_end);
  } else if (forced) {
    general_loop<L, 0, 1>(g, p, src, dst, types, y, z, x_begin, x_end);
  } else {
    general_loop<L, 0, 0>(g, p, src, dst, types, y, z, x_begin, x_end);
  }
}

// Stream-path cells [x_begin, x_end) of a row that starts at cell `row_cell`, none at the x
// edge: population i of cell x comes from cell row_source[i] + x (its source row, shifted by
// -c_x).
template <class L>
[[gnu::always_inline]] inline void stream_loop(tf_lbm_params p, const float* __restrict src,
                                               float* __restrict dst, int n, int row_cell,
                                               const int* __restrict row_source, int x_begin,
                                               int x_end) {
  if (tf_lbm_forced(p)) {
    for (int x = x_begin; x < x_end; ++x) {
      L::stream(p, src, dst, n, row_cell + x, row_source, x, 1);
    }
  } else {
    for (int x = x_begin; x < x_end; ++x) {
      L::stream(p, src, dst, n, row_cell + x, row_source, x, 0);
    }
  }
}

TF_SIM_ISA_CLONES [[gnu::flatten, gnu::noinline]] void d2q9_stream_cells(
    tf_lbm_params p, const float* __restrict src, float* __restrict dst, int n, int row_cell,
    const int* __restrict row_source, int x_begin, int x_end) {
  stream_loop<D2q9>(p, src, dst, n, row_cell, row_source, x_begin, x_end);
}

TF_SIM_ISA_CLONES_UP_TO_AVX2 [[gnu::flatten, gnu::noinline]] void d3q19_stream_cells(
    tf_lbm_params p, const float* __restrict src, float* __restrict dst, int n, int row_cell,
    const int* __restrict row_source, int x_begin, int x_end) {
  stream_loop<D3q19>(p, src, dst, n, row_cell, row_source, x_begin, x_end);
}

template <class L>
void update_lbm_segment(const TileState& s, tf_sim_grid g, const float* src, float* dst,
                        const Segment& seg) {
  const int y = seg.row % g.ny;
  const int z = seg.row / g.ny;
  const int n = g.nx * g.ny * g.nz;
  const int row_cell = seg.row * g.nx;
  switch (seg.path) {
    case Path::solid:  // tf_lbm_select_output writes +0.0f for every population of a solid
      for (int i = 0; i < L::kQ; ++i) {
        float* row = dst + static_cast<std::ptrdiff_t>(i) * n + row_cell;
        std::fill(row + seg.x_begin, row + seg.x_end, 0.0f);
      }
      return;
    case Path::edge:
    case Path::inner:
      general_cells<L>(g, s.lbm, src, dst, s.cell_types.data(), y, z, seg.x_begin, seg.x_end,
                       seg.path == Path::inner);
      return;
    case Path::stream:
    case Path::stream_edge: {
      // Population i of cell x comes from cell row_source[i] + x: its source row (wrapped once
      // per segment) shifted by -c_x. At a periodic x edge, x - c_x wraps around the row.
      int row_source[L::kQ];
      source_rows<L>(g, y, z, row_source);
      if (seg.path == Path::stream_edge) {
        for (int x = seg.x_begin; x < seg.x_end; ++x) {
          int from[L::kQ];
          for (int i = 0; i < L::kQ; ++i) {
            from[i] = row_source[i] + L::kCx[i] + tf_sim_wrap(x - L::kCx[i], g.nx, 1) - x;
          }
          stream_loop<L>(s.lbm, src, dst, n, row_cell, from, x, x + 1);
        }
      } else if constexpr (L::kQ == TF_D2Q9_Q) {
        d2q9_stream_cells(s.lbm, src, dst, n, row_cell, row_source, seg.x_begin, seg.x_end);
      } else {
        d3q19_stream_cells(s.lbm, src, dst, n, row_cell, row_source, seg.x_begin, seg.x_end);
      }
      return;
    }
  }
}

// The path cell (x, y, z) of a lattice Boltzmann state takes (see the header).
template <class L>
Path lbm_path_of(const TileState& s, tf_sim_grid g, int x, int y, int z) {
  const bool three_d = L::kQ == TF_D3Q19_Q;
  const bool inside = x > 0 && x < g.nx - 1 && y > 0 && y < g.ny - 1 &&
                      (!three_d || (z > 0 && z < g.nz - 1));
  const Path general = inside ? Path::inner : Path::edge;
  const auto type_of = [&](int cell) { return s.cell_types[static_cast<std::size_t>(cell)]; };
  const int cell = s.cell_index(x, y, z);
  if (tf_lbm_is_solid(type_of(cell))) return Path::solid;
  if (type_of(cell) != TF_CELL_FLUID) return general;
  for (int i = 0; i < L::kQ; ++i) {
    const int from = inside ? cell - ((L::kCz[i] * g.ny + L::kCy[i]) * g.nx + L::kCx[i])
                            : source_cell<L>(g, i, x, y, z);
    if (from < 0 || tf_lbm_is_solid(type_of(from))) return general;
  }
  return x > 0 && x < g.nx - 1 ? Path::stream : Path::stream_edge;
}

// Per-row summaries of the cell types (index z * ny + y), so that a row whose neighbourhood
// holds no solid is planned without looking at its cells one by one.
struct RowSummary {
  std::vector<char> all_fluid;   // every cell of the row is FLUID
  std::vector<char> solid_free;  // no cell of the row is solid
};

RowSummary summarize_rows(const TileState& s, tf_sim_grid g) {
  const int rows = g.ny * g.nz;
  RowSummary summary{std::vector<char>(static_cast<std::size_t>(rows)),
                     std::vector<char>(static_cast<std::size_t>(rows))};
  for (int row = 0; row < rows; ++row) {
    const auto first = s.cell_types.begin() + static_cast<std::ptrdiff_t>(row) * g.nx;
    const auto last = first + g.nx;
    const auto r = static_cast<std::size_t>(row);
    summary.all_fluid[r] = std::all_of(first, last, [](auto t) { return t == TF_CELL_FLUID; });
    summary.solid_free[r] = std::none_of(first, last, [](auto t) { return tf_lbm_is_solid(t); });
  }
  return summary;
}

// True when every cell of row (y, z) with 0 < x < nx - 1 takes the stream path: the row is all
// fluid, and every row a population streams from exists (wrapped) and holds no solid.
template <class L>
bool row_streams(const RowSummary& rows, tf_sim_grid g, int y, int z) {
  if (!rows.all_fluid[static_cast<std::size_t>(z * g.ny + y)]) return false;
  for (int i = 0; i < L::kQ; ++i) {
    const int wy = tf_sim_wrap(y - L::kCy[i], g.ny, g.periodic_y);
    const int wz = tf_sim_wrap(z - L::kCz[i], g.nz, g.periodic_z);
    if (wy < 0 || wz < 0 || !rows.solid_free[static_cast<std::size_t>(wz * g.ny + wy)]) {
      return false;
    }
  }
  return true;
}

template <class L>
void plan_lbm_rows(const TileState& s, tf_sim_grid g, int row_begin, int row_end,
                   std::vector<Segment>& segments) {
  const RowSummary rows = summarize_rows(s, g);
  // Adds cells [x_begin, x_end) of `row`, extending the last segment when it continues it.
  const auto append = [&](int row, int x_begin, int x_end, Path path) {
    if (!segments.empty() && segments.back().row == row && segments.back().path == path &&
        segments.back().x_end == x_begin) {
      segments.back().x_end = x_end;
    } else {
      segments.push_back({row, x_begin, x_end, path});
    }
  };
  for (int row = row_begin; row < row_end; ++row) {
    const int y = row % g.ny;
    const int z = row / g.ny;
    if (g.nx > 2 && row_streams<L>(rows, g, y, z)) {
      // The x edges last: on a periodic x axis they read the far end of their rows, which the
      // stream loop has just brought into the cache.
      append(row, 1, g.nx - 1, Path::stream);
      append(row, 0, 1, lbm_path_of<L>(s, g, 0, y, z));
      append(row, g.nx - 1, g.nx, lbm_path_of<L>(s, g, g.nx - 1, y, z));
      continue;
    }
    for (int x = 0; x < g.nx; ++x) append(row, x, x + 1, lbm_path_of<L>(s, g, x, y, z));
  }
}

}  // namespace

std::vector<Segment> plan_rows(const TileState& s, const tf_sim_grid& g, int row_begin,
                               int row_end) {
  std::vector<Segment> segments;
  switch (s.model) {
    case Model::d2q9:
      plan_lbm_rows<D2q9>(s, g, row_begin, row_end, segments);
      break;
    case Model::d3q19:
      plan_lbm_rows<D3q19>(s, g, row_begin, row_end, segments);
      break;
    case Model::gray_scott:
    case Model::heat:  // one path: whole rows
      for (int row = row_begin; row < row_end; ++row) {
        segments.push_back({row, 0, g.nx, Path::edge});
      }
      break;
  }
  return segments;
}

void update_segment(const TileState& s, const tf_sim_grid& g, const float* src, float* dst,
                    const Segment& seg) {
  const int y = seg.row % g.ny;
  const unsigned char* types = s.cell_types.data();
  switch (s.model) {
    case Model::d2q9:
      update_lbm_segment<D2q9>(s, g, src, dst, seg);
      break;
    case Model::d3q19:
      update_lbm_segment<D3q19>(s, g, src, dst, seg);
      break;
    case Model::gray_scott:
      for (int x = seg.x_begin; x < seg.x_end; ++x) {
        tf_gray_scott_update_cell(g, s.gray_scott, src, dst, types, x, y);
      }
      break;
    case Model::heat:
      for (int x = seg.x_begin; x < seg.x_end; ++x) {
        tf_heat_update_cell(g, s.heat, src, dst, types, x, y);
      }
      break;
  }
}

}  // namespace tf::sim::cpu_rows
