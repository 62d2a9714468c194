#include "kernels/render/light_tables.h"

#include "kernels/device/portable_math.h"
#include "kernels/device/vec3.h"
#include "kernels/render/sampling.h"

namespace tf {
namespace {

double dbl(float x) { return static_cast<double>(x); }

double luminance(double r, double g, double b) { return 0.2126 * r + 0.7152 * g + 0.0722 * b; }

double triangle_area(const KernelScene& s, const tf_triangle& t) {
  auto pos = [&](uint32_t i) { return v3(s.vertices[i].px, s.vertices[i].py, s.vertices[i].pz); };
  tf_vec3 p0 = pos(t.v0);
  return 0.5 * static_cast<double>(v3_length(v3_cross(v3_sub(pos(t.v1), p0), v3_sub(pos(t.v2), p0))));
}

// Average luminance of an image light (radiance units, scale applied): an image environment
// light, or an area light's emission texture (pbrt-v4's DiffuseAreaLight::Phi averages its
// image's texels the same way).
double image_light_mean(const KernelScene& s, const tf_light& l) {
  const tf_texture& tex = s.textures[static_cast<size_t>(l.texture)];
  double sum = 0.0;
  size_t n = static_cast<size_t>(tex.width) * tex.height;
  for (size_t i = 0; i < n; ++i) {
    const float* p = &s.texels[tex.offset + 3 * i];
    sum += luminance(dbl(p[0]) * dbl(tex.r) * dbl(l.r), dbl(p[1]) * dbl(tex.g) * dbl(l.g),
                     dbl(p[2]) * dbl(tex.b) * dbl(l.b));
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// Emitted power (luminance) of a light, as pbrt-v4's Light::Phi.
double light_power(const KernelScene& s, const tf_light& l, float radius) {
  const double pi = 3.14159265358979323846;
  double lum = luminance(dbl(l.r), dbl(l.g), dbl(l.b));
  double disk = pi * dbl(radius) * dbl(radius);  // cross-section of the scene's bounding sphere
  switch (l.type) {
    case TF_LIGHT_AREA: {
      double area;
      if (l.prim < s.triangles.size()) {
        area = triangle_area(s, s.triangles[l.prim]);
      } else {
        double r = dbl(s.spheres[l.prim - s.triangles.size()].radius);
        area = 4.0 * pi * r * r;
      }
      const double mean = l.texture >= 0 ? image_light_mean(s, l) : lum;
      return mean * area * pi * (l.two_sided != 0u ? 2.0 : 1.0);
    }
    case TF_LIGHT_POINT:
      return 4.0 * pi * lum;
    case TF_LIGHT_SPOT:
      return 2.0 * pi * lum * ((1.0 - dbl(l.cos_falloff)) + (dbl(l.cos_falloff) - dbl(l.cos_total)) / 2.0);
    case TF_LIGHT_DISTANT:
      return lum * disk;
    case TF_LIGHT_ENV_UNIFORM:
      return 4.0 * pi * disk * lum;
    case TF_LIGHT_ENV_IMAGE:
      return 4.0 * pi * disk * image_light_mean(s, l);
    default:
      return 0.0;
  }
}

// Bucket values of an image environment light's 2D table: texel luminance, times sin(theta)
// at the row centre for the equirect mapping (its solid angle per texel).
std::vector<float> env_image_func(const KernelScene& s, const tf_light& l) {
  const tf_texture& tex = s.textures[static_cast<size_t>(l.texture)];
  std::vector<float> func(static_cast<size_t>(tex.width) * tex.height);
  for (uint32_t y = 0; y < tex.height; ++y) {
    float row_weight = 1.0f;
    if (l.mapping == TF_ENV_EQUIRECT) {
      row_weight = tf_sinf(TF_PI * (static_cast<float>(y) + 0.5f) / static_cast<float>(tex.height));
    }
    for (uint32_t x = 0; x < tex.width; ++x) {
      size_t i = static_cast<size_t>(y) * tex.width + x;
      const float* p = &s.texels[tex.offset + 3 * i];
      tf_vec3 c = v3(p[0] * tex.r * l.r, p[1] * tex.g * l.g, p[2] * tex.b * l.b);
      func[i] = tf_maxf(v3_luminance(c), 0.0f) * row_weight;
    }
  }
  return func;
}

}  // namespace

void append_distribution_1d(const std::vector<float>& func, std::vector<float>* out) {
  size_t n = func.size();
  std::vector<double> cdf(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) cdf[i + 1] = cdf[i] + dbl(func[i]) / static_cast<double>(n);
  double integral = cdf[n];
  out->insert(out->end(), func.begin(), func.end());
  for (size_t i = 0; i <= n; ++i) {
    double c = integral > 0.0 ? cdf[i] / integral : static_cast<double>(i) / static_cast<double>(n);
    out->push_back(i == n ? 1.0f : static_cast<float>(c));
  }
  out->push_back(static_cast<float>(integral));
}

void build_light_tables(KernelScene* scene, float scene_radius) {
  std::vector<float>& dist = scene->distribution;
  dist.clear();
  std::vector<float> power(scene->lights.size());
  bool any = false;
  for (size_t i = 0; i < power.size(); ++i) {
    power[i] = static_cast<float>(light_power(*scene, scene->lights[i], scene_radius));
    if (!(power[i] > 0.0f)) power[i] = 0.0f;  // also maps NaN to 0
    any = any || power[i] > 0.0f;
  }
  if (!any) {
    for (float& p : power) p = 1.0f;
  }
  append_distribution_1d(power, &dist);
  for (tf_light& l : scene->lights) {
    if (l.type != TF_LIGHT_ENV_IMAGE) continue;
    const tf_texture& tex = scene->textures[static_cast<size_t>(l.texture)];
    l.distribution = static_cast<uint32_t>(dist.size());
    std::vector<float> func = env_image_func(*scene, l);
    std::vector<float> row_integrals(tex.height);
    for (uint32_t y = 0; y < tex.height; ++y) {
      std::vector<float> row(func.begin() + static_cast<long>(y) * tex.width,
                             func.begin() + static_cast<long>(y + 1) * tex.width);
      size_t at = dist.size();
      append_distribution_1d(row, &dist);
      row_integrals[y] = dist[at + TF_DIST1D_SIZE(tex.width) - 1];
    }
    append_distribution_1d(row_integrals, &dist);
  }
}

}  // namespace tf
