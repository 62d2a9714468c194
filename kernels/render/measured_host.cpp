#include "kernels/render/measured_host.h"

#include <cmath>
#include <string>
#include <vector>

#include "kernels/render/measured_bxdf.h"

namespace tf {
namespace {

// Appends the values and returns their offset.
float append(std::vector<float>* block, std::span<const float> values) {
  const float offset = static_cast<float>(block->size());
  block->insert(block->end(), values.begin(), values.end());
  return offset;
}

// pbrt-v4's PiecewiseLinear2D construction with normalisation and CDFs, slice by slice.
Status make_distribution(const MeasuredTable& g, std::vector<float>* data,
                         std::vector<float>* marginal, std::vector<float>* conditional) {
  const size_t w = g.width, h = g.height, n = w * h;
  data->resize(g.values.size());
  marginal->resize(static_cast<size_t>(g.slices) * h);
  conditional->resize(g.values.size());
  for (size_t s = 0; s < g.slices; ++s) {
    const float* in = g.values.data() + s * n;
    float* cond = conditional->data() + s * n;
    float* marg = marginal->data() + s * h;
    for (size_t y = 0; y < h; ++y) {
      double sum = 0.0;
      cond[y * w] = 0.0f;
      for (size_t x = 0; x + 1 < w; ++x) {
        sum += 0.5 * (static_cast<double>(in[y * w + x]) + static_cast<double>(in[y * w + x + 1]));
        cond[y * w + x + 1] = static_cast<float>(sum);
      }
    }
    marg[0] = 0.0f;
    double sum = 0.0;
    for (size_t y = 0; y + 1 < h; ++y) {
      sum += 0.5 * (static_cast<double>(cond[(y + 1) * w - 1]) +
                    static_cast<double>(cond[(y + 2) * w - 1]));
      marg[y + 1] = static_cast<float>(sum);
    }
    if (!(marg[h - 1] > 0.0f)) return Error{"a slice has no mass"};
    const float normalization = 1.0f / marg[h - 1];
    for (size_t i = 0; i < n; ++i) cond[i] *= normalization;
    for (size_t i = 0; i < h; ++i) marg[i] *= normalization;
    for (size_t i = 0; i < n; ++i) (*data)[s * n + i] = in[i] * normalization;
  }
  return Status::ok();
}

// A header entry holding an exact integer.
bool entry(std::span<const float> block, uint32_t i, uint64_t* value) {
  const float v = block[i];
  if (!(v >= 0.0f && v < 16777216.0f) || v != std::floor(v)) return false;
  *value = static_cast<uint64_t>(v);
  return true;
}

// The `count` values at `offset` inside the block, or an empty span.
std::span<const float> range(std::span<const float> block, uint64_t offset, uint64_t count) {
  if (offset > block.size() || count > block.size() - offset) return {};
  return block.subspan(offset, count);
}

bool all_finite(std::span<const float> v) {
  for (float x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

Status grid(std::span<const float> block, uint32_t count_entry, uint32_t offset_entry,
            const char* name, uint64_t* n) {
  uint64_t offset = 0;
  if (!entry(block, count_entry, n) || !entry(block, offset_entry, &offset) || *n == 0) {
    return Error{std::string("measured tables: bad ") + name + " grid entry"};
  }
  std::span<const float> g = range(block, offset, *n);
  if (g.empty() || !all_finite(g)) {
    return Error{std::string("measured tables: the ") + name + " grid lies outside the block"};
  }
  for (size_t i = 1; i < g.size(); ++i) {
    if (!(g[i] > g[i - 1])) {
      return Error{std::string("measured tables: the ") + name + " grid is not increasing"};
    }
  }
  return Status::ok();
}

// Each slice's CDFs: the conditional rows start at 0 and do not decrease, the marginal ends
// at 1 (within rounding).
bool cdfs_ok(std::span<const float> marginal, std::span<const float> conditional, uint64_t w,
             uint64_t h, uint64_t slices) {
  for (uint64_t s = 0; s < slices; ++s) {
    if (!(std::fabs(marginal[s * h + h - 1] - 1.0f) < 1e-3f) || marginal[s * h] != 0.0f) {
      return false;
    }
    for (uint64_t i = 1; i < h; ++i) {
      if (marginal[s * h + i] < marginal[s * h + i - 1]) return false;
    }
    for (uint64_t r = 0; r < h; ++r) {
      const float* row = conditional.data() + (s * h + r) * w;
      if (row[0] != 0.0f) return false;
      for (uint64_t i = 1; i < w; ++i) {
        if (row[i] < row[i - 1]) return false;
      }
    }
  }
  return true;
}

Status table(std::span<const float> block, uint32_t t, uint64_t slices) {
  static const char* const kNames[TF_MEASURED_TABLE_COUNT] = {"ndf", "sigma", "vndf", "luminance",
                                                              "rgb"};
  const std::string what = std::string("measured tables: table \"") + kNames[t] + "\" ";
  const uint32_t e = TF_MEASURED_TABLE(t);
  uint64_t w = 0, h = 0, data = 0, marginal = 0, conditional = 0;
  if (!entry(block, e, &w) || !entry(block, e + 1, &h) || !entry(block, e + 2, &data) ||
      !entry(block, e + 3, &marginal) || !entry(block, e + 4, &conditional)) {
    return Error{what + "has a bad header entry"};
  }
  const float scale = block[e + 5];
  if (w < 2 || h < 2 || w * h > block.size() || !(scale > 0.0f) || !std::isfinite(scale)) {
    return Error{what + "must be at least 2 x 2 with a positive finite scale"};
  }
  std::span<const float> values = range(block, data, w * h * slices);
  if (values.empty() || !all_finite(values)) {
    return Error{what + "lies outside the block or holds a value that is not finite"};
  }
  const bool distribution = t == TF_MEASURED_VNDF || t == TF_MEASURED_LUMINANCE;
  for (float v : values) {
    if ((t == TF_MEASURED_SIGMA && !(v > 0.0f)) || (distribution && v < 0.0f)) {
      return Error{what + (distribution ? "has a negative density" : "has a value <= 0")};
    }
  }
  if (!distribution) return Status::ok();
  std::span<const float> m = range(block, marginal, h * slices);
  std::span<const float> c = range(block, conditional, w * h * slices);
  if (m.empty() || c.empty() || !all_finite(m) || !all_finite(c) || !cdfs_ok(m, c, w, h, slices)) {
    return Error{what + "has CDFs outside the block or that are not CDFs"};
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<float>> build_measured_block(const MeasuredTables& d) {
  std::vector<float> block(TF_MEASURED_HEADER_SIZE, 0.0f);
  block[TF_MEASURED_N_PHI] = static_cast<float>(d.phi_i.size());
  block[TF_MEASURED_N_THETA] = static_cast<float>(d.theta_i.size());
  block[TF_MEASURED_ISOTROPIC] = d.isotropic ? 1.0f : 0.0f;
  block[TF_MEASURED_PHI_GRID] = append(&block, d.phi_i);
  block[TF_MEASURED_THETA_GRID] = append(&block, d.theta_i);
  const MeasuredTable* grids[TF_MEASURED_TABLE_COUNT] = {&d.ndf, &d.sigma, &d.vndf, &d.luminance,
                                                         &d.rgb};
  const uint64_t nodes = static_cast<uint64_t>(d.phi_i.size()) * d.theta_i.size();
  const uint64_t slices[TF_MEASURED_TABLE_COUNT] = {1, 1, nodes, nodes, 3 * nodes};
  static const char* const kNames[TF_MEASURED_TABLE_COUNT] = {"ndf", "sigma", "vndf", "luminance",
                                                              "colour"};
  for (uint32_t t = 0; t < TF_MEASURED_TABLE_COUNT; ++t) {
    const MeasuredTable& g = *grids[t];
    const std::string field = std::string("field \"") + kNames[t] + "\"";
    if (g.width < 2 || g.height < 2) return Error{field + ": tables smaller than 2 x 2"};
    if (g.slices != slices[t] || g.values.size() != uint64_t{g.width} * g.height * g.slices) {
      return Error{field + ": as many tables as parameter nodes needed"};
    }
    const size_t e = TF_MEASURED_TABLE(t);  // entries set after the appends (which reallocate)
    if (t != TF_MEASURED_VNDF && t != TF_MEASURED_LUMINANCE) {
      block[e + 2] = append(&block, g.values);
      block[e + 5] = 1.0f;
    } else {
      std::vector<float> data, marginal, conditional;
      Status st = make_distribution(g, &data, &marginal, &conditional);
      if (!st) return Error{field + ": " + st.message()};
      block[e + 2] = append(&block, data);
      block[e + 3] = append(&block, marginal);
      block[e + 4] = append(&block, conditional);
      block[e + 5] = static_cast<float>((g.width - 1u) * (g.height - 1u));
    }
    block[e] = static_cast<float>(g.width);
    block[e + 1] = static_cast<float>(g.height);
  }
  if (block.size() >= (size_t{1} << 24)) return Error{"tables of 2^24 floats or more"};
  Status st = validate_measured_block(block, 0);
  if (!st) return Error{st.message()};
  return block;
}

Status validate_measured_block(std::span<const float> texels, uint32_t offset) {
  if (offset > texels.size() || texels.size() - offset < TF_MEASURED_HEADER_SIZE) {
    return Error{"measured tables lie outside the texel array"};
  }
  std::span<const float> block = texels.subspan(offset);
  if (block.size() > 16777216u) block = block.first(16777216u);  // header offsets are < 2^24
  uint64_t n_phi = 0, n_theta = 0, isotropic = 0;
  Status st = grid(block, TF_MEASURED_N_PHI, TF_MEASURED_PHI_GRID, "phi_i", &n_phi);
  if (!st) return st;
  st = grid(block, TF_MEASURED_N_THETA, TF_MEASURED_THETA_GRID, "theta_i", &n_theta);
  if (!st) return st;
  if (!entry(block, TF_MEASURED_ISOTROPIC, &isotropic) || isotropic > 1 ||
      (isotropic == 1 && n_phi > 2)) {
    return Error{"measured tables: bad isotropic flag"};
  }
  const uint64_t nodes = n_phi * n_theta;
  if (nodes > block.size()) return Error{"measured tables: more parameter nodes than values"};
  const uint64_t slices[TF_MEASURED_TABLE_COUNT] = {1, 1, nodes, nodes, 3 * nodes};
  for (uint32_t t = 0; t < TF_MEASURED_TABLE_COUNT; ++t) {
    st = table(block, t, slices[t]);
    if (!st) return st;
  }
  return Status::ok();
}

}  // namespace tf
