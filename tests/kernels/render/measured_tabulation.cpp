#include "tests/kernels/render/measured_tabulation.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sigma_of(double cos_theta, double alpha) {
  const double sin2 = std::max(0.0, 1.0 - cos_theta * cos_theta);
  return 0.5 * (cos_theta + std::sqrt(cos_theta * cos_theta + alpha * alpha * sin2));
}

// The half vector at unit coordinates (ux, uy), azimuth relative to phi_o = 0.
Dir half_vector(double ux, double uy) {
  const double theta = ux * ux * kPi / 2, phi = 2 * kPi * uy - kPi;
  return {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
}

// The continuous warp of a bilinear density on an n x n grid (x fastest): CDFs of the
// marginal over y and of the conditional over x, integrated exactly, inverted by bisection.
class BilinearWarp {
 public:
  BilinearWarp(const float* table, uint32_t n) : t_(table), n_(n), rows_(n) {
    for (uint32_t row = 0; row < n; ++row) {
      for (uint32_t k = 0; k + 1 < n; ++k) rows_[row] += 0.5 * (at(row, k) + at(row, k + 1));
    }
  }

  // The position (x, y) that the uniform sample (sx, sy) warps to.
  void warp(double sx, double sy, double* x, double* y) const {
    *y = solve([&](double v) { return marginal_cdf(v); }, sy);
    *x = solve([&](double v) { return conditional_cdf(v, *y); }, sx);
  }

 private:
  double at(uint32_t row, uint32_t col) const { return t_[row * n_ + col]; }

  // Integral over [0, v] of the piecewise-linear function with node values g(k), normalised
  // by its integral over [0, 1].
  template <class G>
  double linear_cdf(G g, double v) const {
    double total = 0, below = 0;
    const double pos = v * (n_ - 1);
    for (uint32_t k = 0; k + 1 < n_; ++k) {
      const double a = g(k), b = g(k + 1), cell = 0.5 * (a + b);
      total += cell;
      if (pos >= k + 1) {
        below += cell;
      } else if (pos > k) {
        const double t = pos - k;
        below += a * t + 0.5 * t * t * (b - a);
      }
    }
    return below / total;
  }
  double marginal_cdf(double y) const {
    return linear_cdf([&](uint32_t k) { return rows_[k]; }, y);
  }
  double conditional_cdf(double x, double y) const {
    const double pos = std::min(y * (n_ - 1), n_ - 1.0);
    const uint32_t j = std::min<uint32_t>(static_cast<uint32_t>(pos), n_ - 2);
    const double t = pos - j;
    return linear_cdf([&](uint32_t k) { return (1 - t) * at(j, k) + t * at(j + 1, k); }, x);
  }
  template <class F>
  static double solve(F cdf, double u) {
    double lo = 0, hi = 1;
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (cdf(mid) < u ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

  const float* t_;
  uint32_t n_;
  std::vector<double> rows_;  // each row's integral (trapezoid rule)
};

}  // namespace

double ggx_d(const Dir& wm, double alpha) {
  const double c2 = wm.z * wm.z, s2 = std::max(0.0, 1.0 - c2), a2 = alpha * alpha;
  const double denom = c2 * a2 + s2;
  return a2 / (kPi * denom * denom);
}

// A GGX conductor (height-correlated Smith masking, Schlick's Fresnel from f0).
Brdf ggx_conductor(double alpha, std::array<double, 3> f0) {
  return [alpha, f0](const Dir& wo, const Dir& wi) {
    Dir h{wo.x + wi.x, wo.y + wi.y, wo.z + wi.z};
    const double len = std::sqrt(h.x * h.x + h.y * h.y + h.z * h.z);
    h = {h.x / len, h.y / len, h.z / len};
    auto lambda = [alpha](const Dir& w) {
      const double tan2 = (1 - w.z * w.z) / (w.z * w.z);
      return 0.5 * (std::sqrt(1 + alpha * alpha * tan2) - 1);
    };
    const double g = 1 / (1 + lambda(wo) + lambda(wi));
    const double c = std::pow(1 - (wo.x * h.x + wo.y * h.y + wo.z * h.z), 5);
    std::array<double, 3> f{};
    for (int k = 0; k < 3; ++k) {
      f[k] = (f0[k] + (1 - f0[k]) * c) * ggx_d(h, alpha) * g / (4 * wo.z * wi.z);
    }
    return f;
  };
}

MeasuredTables Tabulated::tables() const {
  const uint32_t nodes = static_cast<uint32_t>(phi_i.size() * theta_i.size());
  return MeasuredTables{phi_i,
                        theta_i,
                        phi_i.size() <= 2,
                        {n, n, 1, ndf},
                        {n, n, 1, sigma},
                        {n, n, nodes, vndf},
                        {n, n, nodes, luminance},
                        {n, n, 3 * nodes, rgb}};
}

Tabulated tabulate(const Brdf& f, double alpha, bool true_vndf, uint32_t n, uint32_t n_theta,
                   double max_theta, uint32_t n_phi) {
  Tabulated t;
  t.n = n;
  t.phi_i.clear();
  for (uint32_t p = 0; p < n_phi; ++p) {
    t.phi_i.push_back(n_phi == 1 ? 0.0f : static_cast<float>(kPi * (2.0 * p / (n_phi - 1) - 1)));
  }
  for (uint32_t k = 0; k < n_theta; ++k) {
    t.theta_i.push_back(static_cast<float>(max_theta * k / (n_theta - 1)));
  }
  const size_t nn = static_cast<size_t>(n) * n;
  auto node = [n](uint32_t i) { return static_cast<double>(i) / (n - 1); };
  for (uint32_t y = 0; y < n; ++y) {
    for (uint32_t x = 0; x < n; ++x) {
      t.ndf.push_back(static_cast<float>(ggx_d(half_vector(node(x), node(y)), alpha)));
      const double theta = node(x) * node(x) * kPi / 2;
      t.sigma.push_back(static_cast<float>(sigma_of(std::cos(theta), alpha)));
    }
  }
  // Per node (phi_i slowest); half vectors' azimuths are absolute (isotropic tables: relative
  // to phi_o = 0, the same).
  for (size_t node_at = 0; node_at < t.phi_i.size() * n_theta; ++node_at) {
    const double phi_o = t.phi_i[node_at / n_theta], theta_o = t.theta_i[node_at % n_theta];
    const Dir wo{std::sin(theta_o) * std::cos(phi_o), std::sin(theta_o) * std::sin(phi_o),
                 std::cos(theta_o)};
    const double sigma_o = sigma_of(wo.z, alpha);
    const size_t vndf_at = t.vndf.size();
    for (uint32_t y = 0; y < n; ++y) {
      for (uint32_t x = 0; x < n; ++x) {
        const Dir m = half_vector(node(x), node(y));
        const double cos_om = std::max(0.0, wo.x * m.x + wo.y * m.y + wo.z * m.z);
        const double jacobian = 2 * kPi * kPi * node(x) * std::sqrt(m.x * m.x + m.y * m.y);
        const double v = ggx_d(m, alpha) * cos_om / sigma_o * jacobian;
        t.vndf.push_back(true_vndf ? static_cast<float>(v) : 1.0f);
      }
    }
    const BilinearWarp warp(t.vndf.data() + vndf_at, n);
    std::vector<std::array<double, 3>> r(nn);
    for (uint32_t y = 0; y < n; ++y) {
      for (uint32_t x = 0; x < n; ++x) {
        double ux = node(x), uy = node(y);
        if (true_vndf) warp.warp(node(x), node(y), &ux, &uy);
        const Dir m = half_vector(ux, uy);
        const double d = 2 * (wo.x * m.x + wo.y * m.y + wo.z * m.z);
        const Dir wi{d * m.x - wo.x, d * m.y - wo.y, d * m.z - wo.z};
        std::array<double, 3> value{0, 0, 0};
        if (wi.z > 0) {
          const std::array<double, 3> fv = f(wo, wi);
          for (int c = 0; c < 3; ++c) value[c] = fv[c] * 4 * sigma_o * wi.z / ggx_d(m, alpha);
        }
        r[y * n + x] = value;
        t.luminance.push_back(static_cast<float>((value[0] + value[1] + value[2]) / 3 + 0.01));
      }
    }
    for (int c = 0; c < 3; ++c) {
      for (size_t i = 0; i < nn; ++i) t.rgb.push_back(static_cast<float>(r[i][c]));
    }
  }
  return t;
}

}  // namespace tf::test
