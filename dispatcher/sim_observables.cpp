// A simulation run's observables (DispatcherCore, see dispatcher_core.h): gathered at the
// run's end from the observations of its accepted units, which their result hashes bind
// (store: observations), and written as the run's forces.csv and probes.csv.
//
// Forces of a sample step are the sums of its units' fixed-point parts (exact in any order,
// so whatever the tiling); a probe's values come from the one unit whose box holds its cell.
#include <map>

#include "dispatcher/dispatcher_core.h"
#include "formats/sim/observables_output.h"
#include "formats/sim/sim_unit.h"

namespace tf {

Result<std::vector<sim::ObservedStep>> DispatcherCore::gather_observables(const JobState& job,
                                                                          uint32_t run) {
  const SimJobPlan& plan = sim_plans_.at(job.row.id);
  const sim::ObservationPlan& observed = plan.observation;
  const int fields = sim::field_count(plan.batch.model);
  std::map<uint64_t, sim::ObservedStep> by_step;
  const auto planned = run_units_.find({job.row.id, run});
  if (planned == run_units_.end()) return std::vector<sim::ObservedStep>{};
  for (uint64_t id : planned->second) {
    const UnitRow& u = units_.at(id).row;
    if (!u.result) continue;
    const std::vector<uint64_t> steps = sim::sample_steps(observed, u.s0, u.s1 - u.s0);
    if (steps.empty()) continue;
    Result<std::vector<uint8_t>> bytes = store_->observations(*u.result);
    if (!bytes) return Error{"unit " + std::to_string(u.id) + ": " + bytes.message()};
    const sim::Box box = unit_box(u);
    Result<std::vector<sim::Sample>> samples =
        sim::read_samples(bytes.value(), steps.size(), observed, plan.batch.model, box);
    if (!samples) return Error{"unit " + std::to_string(u.id) + ": " + samples.message()};
    for (size_t i = 0; i < steps.size(); ++i) {
      sim::ObservedStep& step = by_step[steps[i]];
      if (step.force.empty()) {
        step.step = steps[i];
        step.force.assign(static_cast<size_t>(3 * observed.obstacles), 0);
        step.probes.assign(observed.probes.size() * static_cast<size_t>(fields), 0.0f);
      }
      const sim::Sample& sample = samples.value()[i];
      for (size_t k = 0; k < step.force.size(); ++k) step.force[k] += sample.force[k];
      size_t taken = 0;
      for (size_t p = 0; p < observed.probes.size(); ++p) {
        if (!sim::probe_in_box(observed.probes[p], box)) continue;
        for (int f = 0; f < fields; ++f) {
          step.probes[p * static_cast<size_t>(fields) + static_cast<size_t>(f)] =
              sample.probes[taken++];
        }
      }
    }
  }
  std::vector<sim::ObservedStep> out;
  out.reserve(by_step.size());
  for (auto& [step, observed_step] : by_step) out.push_back(std::move(observed_step));
  return out;
}

std::vector<sim::NamedFile> DispatcherCore::observables_files(
    const sim::RunSpec& spec, const std::vector<sim::ObservedStep>& steps) {
  const std::string folder = run_folder_name(spec.name) + "/";
  std::vector<sim::NamedFile> files;
  if (sim::records_forces(spec.spec)) {
    files.push_back(sim::text_file(folder + "forces.csv", sim::forces_csv(spec, steps)));
  }
  if (!spec.spec.observables.probes.empty()) {
    files.push_back(sim::text_file(folder + "probes.csv", sim::probes_csv(spec, steps)));
  }
  return files;
}

}  // namespace tf
