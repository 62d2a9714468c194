#include "kernels/render/medium_host.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tf {
namespace {

bool all_finite(const float* v, size_t n) {
  return std::all_of(v, v + n, [](float x) { return std::isfinite(x); });
}

Error invalid_medium(size_t i, const std::string& what) {
  return Error{"invalid kernel scene: medium " + std::to_string(i) + " " + what};
}

// The largest density medium i can take, or an error when its grid is malformed.
Result<float> max_density(const KernelScene& s, size_t i) {
  const tf_medium& m = s.media[i];
  if (m.kind == TF_MEDIUM_CLOUD) {
    if (!std::isfinite(m.density) || !std::isfinite(m.wispiness) || !std::isfinite(m.frequency)) {
      return invalid_medium(i, "needs finite cloud parameters");
    }
    return 1.0f;  // CloudMedium::Density clamps to [0, 1]
  }
  const uint64_t n = static_cast<uint64_t>(m.nx) * m.ny * m.nz;
  if (m.nx == 0 || m.ny == 0 || m.nz == 0 || m.offset + n > s.densities.size()) {
    return invalid_medium(i, "has an empty grid or one outside the density array");
  }
  const float* first = s.densities.data() + m.offset;
  if (!all_finite(first, n) || std::any_of(first, first + n, [](float d) { return d < 0; })) {
    return invalid_medium(i, "needs finite grid densities >= 0");
  }
  return *std::max_element(first, first + n);
}

// Whether the grid of n[0] x n[1] x n[2] samples at `offset` lies in the density array with
// finite samples.
bool grid_ok(const KernelScene& s, const tf_u32 n[3], tf_u32 offset, size_t per_sample = 1) {
  const uint64_t count = static_cast<uint64_t>(n[0]) * n[1] * n[2] * per_sample;
  return count > 0 && offset + count <= s.densities.size() &&
         all_finite(s.densities.data() + offset, count);
}

// The emission fields that medium_emission.h reads of an emissive medium.
Status check_emission(const KernelScene& s, size_t i) {
  const tf_medium& m = s.media[i];
  if (m.emissive == 0u) return Status::ok();
  if (!all_finite(m.le, 3) || !(m.le[0] >= 0 && m.le[1] >= 0 && m.le[2] >= 0)) {
    return invalid_medium(i, "needs a finite emission >= 0");
  }
  if (m.kind == TF_MEDIUM_CLOUD) return invalid_medium(i, "is a cloud, which cannot emit");
  if (m.kind != TF_MEDIUM_GRID) return Status::ok();
  if (m.lescale_n[0] != 0u && !grid_ok(s, m.lescale_n, m.lescale_offset)) {
    return invalid_medium(i, "has a Lescale grid that is empty, not finite or outside the array");
  }
  if (m.temp_n[0] == 0u) return Status::ok();
  const tf_u32 table[3] = {m.bb_count, 1u, 1u};
  if (!grid_ok(s, m.temp_n, m.temp_offset) || !all_finite(m.temp_p0, 3) ||
      !all_finite(m.temp_p1, 3) || !std::isfinite(m.temp_shift) || !std::isfinite(m.temp_scale) ||
      m.bb_count < 2u || !grid_ok(s, table, m.bb_offset, 3) || !(m.bb_t0 < m.bb_t1) ||
      !std::isfinite(m.bb_t1 - m.bb_t0)) {
    return invalid_medium(i, "has a malformed temperature grid or blackbody table");
  }
  for (int a = 0; a < 3; ++a) {
    if (!(m.temp_p0[a] < m.temp_p1[a])) return invalid_medium(i, "needs a temperature box p0 < p1");
  }
  return Status::ok();
}

}  // namespace

Status finalize_heterogeneous_media(KernelScene* scene) {
  for (size_t i = 0; i < scene->media.size(); ++i) {
    tf_medium& m = scene->media[i];
    if (Status st = check_emission(*scene, i); !st.is_ok()) return st;
    if (m.kind == TF_MEDIUM_HOMOGENEOUS) continue;
    if (m.kind != TF_MEDIUM_GRID && m.kind != TF_MEDIUM_CLOUD) {
      return invalid_medium(i, "has an unknown kind " + std::to_string(m.kind));
    }
    if (!all_finite(m.medium_from_world, 12) || !all_finite(m.p0, 3) || !all_finite(m.p1, 3)) {
      return invalid_medium(i, "needs a finite transform and box");
    }
    for (int a = 0; a < 3; ++a) {
      if (!(m.p0[a] < m.p1[a])) return invalid_medium(i, "needs a box with p0 < p1");
    }
    Result<float> d = max_density(*scene, i);
    if (!d) return d.status();
    const float sigma_t =
        std::max({m.sigma_a_r + m.sigma_s_r, m.sigma_a_g + m.sigma_s_g, m.sigma_a_b + m.sigma_s_b});
    m.majorant = d.value() * sigma_t;
    if (!std::isfinite(m.majorant)) return invalid_medium(i, "has an infinite majorant");
  }
  return Status::ok();
}

}  // namespace tf
