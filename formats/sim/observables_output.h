// A run's recorded observables as files a researcher reads: forces.csv (the force on every
// obstacle and its coefficients), probes.csv (the fields at every probe), and per obstacle a
// summary of its coefficient histories for summary.json.
//
// Units: lattice units (dx = dt = 1). Coefficients C = F / (1/2 rho U^2 L^(d-1)) with the
// run's reference scales: [observables] reference_velocity / reference_length /
// reference_density, or else the inlet speed (the peak of a parabolic profile) or the lid
// velocity, the parameter `length`, and density 1. cd is the x component (drag for a flow
// along +x), cl the y component (lift), cz the z component in 3D.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/sim/batch_spec.h"

namespace tf::sim {

// The observables of one sample step of a run, gathered over its units: forces summed over
// them (fixed point, kernels/sim/observation.h; obstacles x 3), and the probes' field values
// in batch order (field_count each).
struct ObservedStep {
  uint64_t step = 0;
  std::vector<int64_t> force;
  std::vector<float> probes;
};

struct ReferenceScales {
  double velocity = 0.0, length = 0.0, density = 1.0;
  bool known() const { return velocity > 0.0 && length > 0.0; }
};
ReferenceScales reference_scales(const RunSpec& run);

// "step,obstacle,fx,fy(,fz)(,cd,cl(,cz))" then one line per step and obstacle; coefficient
// columns only when the reference scales are known.
std::string forces_csv(const RunSpec& run, const std::vector<ObservedStep>& steps);
// "step,probe,<fields>" (rho,ux,uy(,uz) | u,v | temperature) then one line per step and probe.
std::string probes_csv(const RunSpec& run, const std::vector<ObservedStep>& steps);

// An obstacle's coefficient history over the second half of the run's samples (the first
// half is taken as the start-up): mean drag and lift, the lift's root-mean-square about its
// mean, and the Strouhal number f L / U from the period between upward crossings of the mean
// lift (nullopt with fewer than three crossings: no shedding seen).
struct ForceSummary {
  std::string obstacle;
  double mean_cd = 0.0, mean_cl = 0.0, rms_cl = 0.0;
  std::optional<double> strouhal;
};
// Empty when the run records no forces or its reference scales are unknown.
std::vector<ForceSummary> force_summaries(const RunSpec& run,
                                          const std::vector<ObservedStep>& steps);

}  // namespace tf::sim
