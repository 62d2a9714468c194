#include "formats/sim/observables_output.h"

#include <cmath>
#include <cstdio>

#include "kernels/sim/observation.h"

namespace tf::sim {
namespace {

double parameter(const BatchSpec& s, const std::string& key) {
  auto it = s.parameters.find(key);
  return it == s.parameters.end() ? 0.0 : it->second;
}

std::string number(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}

// The coefficient of a force component: F / (1/2 rho U^2 L^(d-1)).
double coefficient(double force, const ReferenceScales& r, int dims) {
  return force / (0.5 * r.density * r.velocity * r.velocity * std::pow(r.length, dims - 1));
}

}  // namespace

ReferenceScales reference_scales(const RunSpec& run) {
  const BatchSpec& s = run.spec;
  ReferenceScales r;
  r.velocity = s.observables.reference_velocity;
  if (r.velocity <= 0.0) {
    const double inlet = std::sqrt(parameter(s, "inlet_ux") * parameter(s, "inlet_ux") +
                                   parameter(s, "inlet_uy") * parameter(s, "inlet_uy") +
                                   parameter(s, "inlet_uz") * parameter(s, "inlet_uz"));
    r.velocity = inlet > 0.0 ? inlet : std::abs(parameter(s, "lid_velocity"));
  }
  r.length = s.observables.reference_length > 0.0 ? s.observables.reference_length
                                                  : parameter(s, "length");
  r.density = s.observables.reference_density;
  return r;
}

std::string forces_csv(const RunSpec& run, const std::vector<ObservedStep>& steps) {
  const BatchSpec& s = run.spec;
  const int dims = dimension_count(s.model);
  const ReferenceScales r = reference_scales(run);
  std::string out = dims == 3 ? "step,obstacle,fx,fy,fz" : "step,obstacle,fx,fy";
  if (r.known()) out += dims == 3 ? ",cd,cl,cz" : ",cd,cl";
  out += "\n";
  for (const ObservedStep& step : steps) {
    for (std::size_t k = 0; k < s.obstacles.size() && 3 * k + 2 < step.force.size(); ++k) {
      out += std::to_string(step.step) + "," + s.obstacles[k].name;
      double f[3];
      for (int a = 0; a < dims; ++a) {
        f[a] = force_value(step.force[3 * k + static_cast<std::size_t>(a)]);
        out += "," + number(f[a]);
      }
      if (r.known()) {
        for (int a = 0; a < dims; ++a) out += "," + number(coefficient(f[a], r, dims));
      }
      out += "\n";
    }
  }
  return out;
}

std::string probes_csv(const RunSpec& run, const std::vector<ObservedStep>& steps) {
  const BatchSpec& s = run.spec;
  const char* const lbm2[] = {"rho", "ux", "uy"};
  const char* const lbm3[] = {"rho", "ux", "uy", "uz"};
  const char* const gray_scott[] = {"u", "v"};
  const char* const heat[] = {"temperature"};
  const char* const* names = s.model == Model::d2q9    ? lbm2
                             : s.model == Model::d3q19 ? lbm3
                             : s.model == Model::heat  ? heat
                                                       : gray_scott;
  const auto fields = static_cast<std::size_t>(field_count(s.model));
  std::string out = "step,probe";
  for (std::size_t i = 0; i < fields; ++i) out += std::string(",") + names[i];
  out += "\n";
  for (const ObservedStep& step : steps) {
    for (std::size_t p = 0; p < s.observables.probes.size(); ++p) {
      out += std::to_string(step.step) + "," + s.observables.probes[p].name;
      for (std::size_t i = 0; i < fields && p * fields + i < step.probes.size(); ++i) {
        char text[32];
        std::snprintf(text, sizeof text, "%.9g", double{step.probes[p * fields + i]});
        out += std::string(",") + text;
      }
      out += "\n";
    }
  }
  return out;
}

std::vector<ForceSummary> force_summaries(const RunSpec& run,
                                          const std::vector<ObservedStep>& steps) {
  const BatchSpec& s = run.spec;
  const ReferenceScales r = reference_scales(run);
  std::vector<ForceSummary> out;
  if (!records_forces(s) || !r.known() || steps.empty()) return out;
  const int dims = dimension_count(s.model);
  const std::size_t first = steps.size() / 2;
  for (std::size_t k = 0; k < s.obstacles.size(); ++k) {
    ForceSummary summary{s.obstacles[k].name, 0.0, 0.0, 0.0, std::nullopt};
    std::vector<double> cl;
    for (std::size_t i = first; i < steps.size(); ++i) {
      summary.mean_cd += coefficient(force_value(steps[i].force[3 * k]), r, dims);
      cl.push_back(coefficient(force_value(steps[i].force[3 * k + 1]), r, dims));
    }
    const auto n = static_cast<double>(cl.size());
    summary.mean_cd /= n;
    for (double c : cl) summary.mean_cl += c / n;
    std::vector<uint64_t> crossings;
    for (std::size_t i = 0; i < cl.size(); ++i) {
      const double d = cl[i] - summary.mean_cl;
      summary.rms_cl += d * d / n;
      if (i > 0 && cl[i - 1] < summary.mean_cl && cl[i] >= summary.mean_cl) {
        crossings.push_back(steps[first + i].step);
      }
    }
    summary.rms_cl = std::sqrt(summary.rms_cl);
    if (crossings.size() >= 3) {
      const double period = static_cast<double>(crossings.back() - crossings.front()) /
                            static_cast<double>(crossings.size() - 1);
      summary.strouhal = r.length / (period * r.velocity);
    }
    out.push_back(summary);
  }
  return out;
}

}  // namespace tf::sim
