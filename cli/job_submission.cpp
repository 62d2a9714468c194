#include "cli/job_submission.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "dispatcher/planner.h"
#include "dispatcher/refinement.h"
#include "formats/scene/load.h"

namespace tf {

std::string expand_frame_pattern(const std::string& pattern, uint32_t frame) {
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '#') {
      out += pattern[i++];
      continue;
    }
    size_t width = 0;
    while (i < pattern.size() && pattern[i] == '#') ++width, ++i;
    std::string number = std::to_string(frame);
    if (number.size() < width) number.insert(0, width - number.size(), '0');
    out += number;
  }
  return out;
}

std::string with_lenient_hint(const std::string& load_error) {
  if (load_error.find(kLenientLoadHint) == std::string::npos) return load_error;
  return load_error + " (pass --lenient)";
}

namespace {

// The request's quality options, checked here so that a mistake is reported before any scene
// is read or uploaded (the dispatcher checks them again).
Result<QualityOptions> quality_options(const JobRequest& request) {
  QualityOptions q{request.quality.noise_target, request.quality.min_spp, request.quality.max_spp,
                   0};
  if (!request.quality.deadline.empty()) {
    Result<uint64_t> seconds = parse_duration_seconds(request.quality.deadline);
    if (!seconds) return Error{"--deadline: " + seconds.message()};
    q.deadline_s = seconds.value();
  }
  if (q.enabled() && request.spp) {
    return Error{"--spp fixes the samples per pixel; with --noise-target or --deadline give "
                 "--min-spp and --max-spp instead"};
  }
  return resolve_quality(q, PlanLimits{}.max_spp);
}

}  // namespace

Result<PreparedJob> prepare_job(const JobRequest& request) {
  const bool is_pattern = request.scene.find('#') != std::string::npos;
  std::vector<uint32_t> frames{1};
  if (request.frames) {
    Result<std::vector<uint32_t>> parsed = parse_frame_list(*request.frames);
    if (!parsed) return Error{parsed.message()};
    frames = std::move(parsed.value());
  } else if (is_pattern) {
    return Error{"scene pattern " + request.scene + " needs --frames (e.g. --frames 1-240)"};
  }
  PreparedJob job;
  Result<QualityOptions> quality = quality_options(request);
  if (!quality) return Error{quality.message()};
  job.submit.noise_target = quality->noise_target;
  job.submit.min_spp = quality->min_spp;
  job.submit.max_spp = quality->max_spp;
  job.submit.deadline_seconds = quality->deadline_s;
  job.submit.tile_size = request.tile_size;
  job.submit.priority = request.priority;
  job.submit.replication = request.replication;
  job.submit.quorum = request.quorum;
  job.submit.lenient = request.lenient;
  std::map<std::string, BundleEntry> entries;  // by relative path
  std::set<std::string> warned;                // frames of one shot repeat their warnings
  for (uint32_t frame : frames) {
    const std::filesystem::path file =
        std::filesystem::absolute(expand_frame_pattern(request.scene, frame)).lexically_normal();
    if (!std::filesystem::is_regular_file(file)) {
      return Error{"scene file " + file.string() + " does not exist"};
    }
    if (job.scene_dir.empty()) {
      job.scene_dir = file.parent_path();
      job.submit.name = file.filename().string();
      if (is_pattern) job.submit.name = std::filesystem::path(request.scene).filename().string();
    } else if (file.parent_path() != job.scene_dir) {
      return Error{"every frame's scene must be in one folder: " + file.string() + " is not in " +
                   job.scene_dir.string()};
    }
    Result<LoadedScene> scene = load_scene_file(file, {request.lenient});
    if (!scene) {
      return Error{with_lenient_hint(scene.message())};
    }
    for (const std::string& w : scene->warnings) {
      if (warned.insert(w).second) std::fprintf(stderr, "warning: %s\n", w.c_str());
    }
    const uint32_t spp = request.spp.value_or(scene->spp);
    if (job.submit.spp == 0) job.submit.spp = spp;
    Result<BundleManifest> manifest = make_bundle_manifest(file);
    if (!manifest) return Error{manifest.message()};
    for (const BundleEntry& e : manifest->entries) entries[e.relative_path] = e;
    job.submit.frames.push_back({frame, manifest->root_file, scene->width, scene->height});
    if (job.manifest.root_file.empty()) job.manifest.root_file = manifest->root_file;
  }
  for (auto& [path, entry] : entries) job.manifest.entries.push_back(entry);
  // Rendered to quality, a tile's rounds are cut by the samples it may reach, not the scene's.
  const uint32_t most_spp = quality->enabled() ? quality->max_spp : job.submit.spp;
  job.submit.samples_per_unit =
      request.samples_per_unit.value_or(std::min<uint32_t>(most_spp, 256));
  job.submit.bundle = bundle_id(job.manifest);
  return job;
}

Result<uint64_t> submit_job(DispatcherClient& client, const PreparedJob& job) {
  Result<Hash256> uploaded = client.upload_bundle(job.manifest, job.scene_dir);
  if (!uploaded) return Error{uploaded.message()};
  return client.submit(job.submit);
}

}  // namespace tf
