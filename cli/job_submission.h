// Turning a scene file (or a per-frame pattern such as shot_####.pbrt) into a job for the
// dispatcher: frames, their scene files and resolutions, and one scene bundle holding every
// file any frame references.
//
// Thread safety: pure functions apart from reading the scene files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/client.h"
#include "formats/bundle/bundle.h"
#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf {

// The quality options as typed (JobRequest::quality); 0 and empty: not given.
struct QualityFlags {
  double noise_target = 0;
  uint32_t min_spp = 0, max_spp = 0;
  std::string deadline;
};

struct JobRequest {
  std::string scene;                  // a file, or a pattern whose #### is the frame number
  std::optional<std::string> frames;  // frame list (planner syntax); required for a pattern
  std::optional<uint32_t> spp;        // default: the scene's Sampler pixelsamples
  uint32_t tile_size = 32;
  std::optional<uint32_t> samples_per_unit;  // default: min(spp, 256); quality: min(max_spp, 256)
  int32_t priority = 0;
  // Verification (proto::SubmitJob): replicas per unit on distinct workers, and how many
  // agreeing result hashes accept a unit.
  uint32_t replication = 2;
  uint32_t quorum = 2;
  // Approximate unsupported constructs (each warned once on stderr) instead of refusing the
  // scene; workers load it the same way (proto::SubmitJob::lenient).
  bool lenient = false;
  // Rendering to quality (dispatcher/refinement.h): --noise-target, --min-spp, --max-spp and
  // --deadline as given (deadline: a duration such as 10m; empty: none). With neither a target
  // nor a deadline the job renders its spp as before.
  QualityFlags quality;
};

struct PreparedJob {
  BundleManifest manifest;
  std::filesystem::path scene_dir;  // the folder the manifest's paths are relative to
  proto::SubmitJob submit;          // bundle id filled in; ready to send after the upload
};

// The scene file of `frame` for `pattern`: each run of '#' becomes the zero-padded frame
// number (shot_####.pbrt, 7 -> shot_0007.pbrt). A pattern without '#' is returned unchanged.
std::string expand_frame_pattern(const std::string& pattern, uint32_t frame);

// A scene loading error with "(pass --lenient)" added when a lenient load would get past it
// (kLenientLoadHint); other errors are returned as they are, since --lenient fails on them too.
std::string with_lenient_hint(const std::string& load_error);

// Reads every frame's scene (to learn its resolution and spp and to validate it) and builds
// the bundle. Errors name the file and the problem: a missing file, a scene that does not
// parse, frames whose scenes live in different folders, a pattern without --frames, quality
// options that cannot work (resolve_quality(), a deadline that does not parse, --spp together
// with a target or a deadline).
Result<PreparedJob> prepare_job(const JobRequest& request);

// Uploads the bundle and submits; returns the job id.
Result<uint64_t> submit_job(DispatcherClient& client, const PreparedJob& job);

}  // namespace tf
