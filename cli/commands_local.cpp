// Subcommands that run on this machine alone: render (embedded farm), devices, info.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/embedded_farm.h"
#include "cli/local_run.h"
#include "cli/progress.h"
#include "formats/fileio/atomic_write.h"
#include "formats/scene/load.h"
#include "worker/backend_executor.h"

namespace tf::cli {
namespace {

// out/<scene name>.exr; a file called scene.pbrt is named after its folder.
std::filesystem::path default_output(const std::string& scene) {
  std::filesystem::path path(scene);
  std::string name = path.stem().string();
  if (name == "scene" && path.has_parent_path()) {
    name = std::filesystem::absolute(path).parent_path().filename().string();
  }
  return std::filesystem::path("out") / (name + ".exr");
}

// Creates the output's folder if needed (a failure shows up as the write's error) and
// replaces the file atomically.
Status write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  return write_file_atomically(path, bytes);
}

}  // namespace

int render(const RenderArgs& args) {
  JobRequest request;
  request.scene = args.scene;
  if (args.frame) request.frames = std::to_string(*args.frame);
  request.spp = args.spp;
  request.tile_size = args.tile;
  request.samples_per_unit = args.samples_per_unit;
  // The embedded farm's workers are this process: nothing to verify against each other.
  request.replication = 1;
  request.quorum = 1;
  request.lenient = args.lenient;
  request.quality = args.quality;
  Result<PreparedJob> job = prepare_job(request);
  if (!job) return fail(job.message(), kExitBadInput);
  Result<std::unique_ptr<EmbeddedFarm>> farm =
      start_local_farm(args.backend, args.workers, args.state_dir);
  if (!farm) return fail(farm.message(), kExitBadInput);
  DispatcherClient& client = farm.value()->client();
  Result<uint64_t> job_id = submit_job(client, job.value());
  if (!job_id) return fail(job_id.message(), kExitBadInput);

  ProgressReporter progress(stdout);
  Result<proto::JobStatus> final_status = follow_job(client, job_id.value(), progress);
  if (!final_status) return fail(final_status.message(), kExitJobFailed);
  progress.finish(final_status.value());
  if (interrupted()) return fail("render interrupted; nothing written", kExitJobFailed);
  if (final_status->state != proto::JobState::kDone) {
    return fail("the render " + std::string(proto::job_state_name(final_status->state)) + ": " +
                    final_status->message,
                kExitJobFailed);
  }
  Result<proto::OutputsReply> outputs = client.outputs(job_id.value());
  if (!outputs) return fail(outputs.message(), kExitJobFailed);
  const std::filesystem::path exr = args.output.empty() ? default_output(args.scene)
                                                        : std::filesystem::path(args.output);
  std::filesystem::path png = exr;
  png.replace_extension(".png");
  for (const proto::OutputFile& f : outputs->files) {
    const bool is_exr = f.name.ends_with(".exr");
    Result<std::vector<uint8_t>> bytes = client.fetch_output(f.hash);
    if (!bytes) return fail(bytes.message(), kExitJobFailed);
    if (Status s = write_bytes(is_exr ? exr : png, bytes.value()); !s) {
      return fail(s.message(), kExitBadInput);
    }
  }
  std::printf("wrote %s and %s\n", exr.string().c_str(), png.string().c_str());
  return kExitOk;
}

int devices(bool json) {
  const std::vector<DeviceInfo> all = list_devices();
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const DeviceInfo& d : all) {
      list.push_back({{"backend", d.backend}, {"index", d.index}, {"name", d.name},
                      {"memory_bytes", d.memory_bytes}, {"compute_units", d.compute_units},
                      {"on_host_cpu", d.on_host_cpu}});
    }
    std::printf("%s\n", list.dump(2).c_str());
    return kExitOk;
  }
  if (all.empty()) std::printf("no devices found\n");
  for (size_t i = 0; i < all.size(); ++i) {
    const DeviceInfo& d = all[i];
    std::printf("%-7s %d  %s  (%llu MiB, %u compute units%s)\n", d.backend.c_str(), d.index,
                d.name.c_str(), static_cast<unsigned long long>(d.memory_bytes >> 20),
                d.compute_units,
                d.on_host_cpu && d.backend != "cpu" ? ", host CPU: used only with --backend" : "");
  }
  return kExitOk;
}

int info(const std::string& scene, bool json, bool lenient) {
  Result<LoadedScene> loaded = load_scene_file(scene, {lenient});
  if (!loaded) {
    return fail(with_lenient_hint(loaded.message()), kExitBadInput);
  }
  if (json) {
    std::printf("%s\n", describe_scene_json(loaded.value()).dump(2).c_str());
  } else {
    std::printf("%s", describe_scene(loaded.value()).c_str());
  }
  return kExitOk;
}

}  // namespace tf::cli
