// `tilefarm sim`: a simulation batch on an embedded farm, or submitted to a dispatcher.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/commands.h"
#include "cli/embedded_farm.h"
#include "cli/local_run.h"
#include "cli/progress.h"
#include "formats/sim/batch_spec.h"

namespace tf::cli {
namespace {

// A batch ready to submit: the job, and the files it names (mask images) to upload first.
struct PreparedBatch {
  proto::SubmitJob job;
  std::vector<std::vector<uint8_t>> files;
};

// The batch's text and files, checked here first so that their errors (file:line: key:
// problem; a mask of the wrong size) show before any farm starts.
Result<PreparedBatch> prepare_batch(const SimArgs& args) {
  std::ifstream in(args.batch, std::ios::binary);
  if (!in) return Error{"cannot read batch file " + args.batch};
  std::ostringstream text;
  text << in.rdbuf();
  Result<sim::BatchSpec> spec = sim::parse_batch(text.str(), args.batch);
  if (!spec) return Error{spec.message()};
  const std::filesystem::path folder = std::filesystem::path(args.batch).parent_path();
  Status masks = sim::resolve_masks(spec.value(), [&](const std::string& name) {
    return Result<std::filesystem::path>(folder / name);
  });
  if (!masks) return Error{args.batch + ": " + masks.message()};
  PreparedBatch prepared;
  for (const std::string& name : sim::mask_images(spec.value())) {
    std::ifstream file(folder / name, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    prepared.job.sim_files.push_back({name, blake2b_256(bytes)});
    prepared.files.push_back(std::move(bytes));
  }
  proto::SubmitJob& job = prepared.job;
  job.name = spec->name;
  job.sim_batch = text.str();
  job.sim_source = std::filesystem::path(args.batch).filename().string();
  job.sim_chunk_steps = args.chunk_steps;
  job.sim_tile = args.tile;
  job.priority = args.priority;
  job.replication = args.replication;
  job.quorum = args.quorum;
  return prepared;
}

// Uploads the batch's files, then submits it.
Result<uint64_t> submit_batch(DispatcherClient& client, const PreparedBatch& batch) {
  if (Status s = client.upload_blobs(batch.files); !s) return Error{s.message()};
  return client.submit(batch.job);
}

// Follows the job (with progress, Ctrl-C cancels on an embedded farm), then downloads its
// outputs into `output_dir`.
int finish(DispatcherClient& client, uint64_t job, const std::filesystem::path& output_dir,
           bool embedded) {
  ProgressReporter progress(stderr);
  Result<proto::JobStatus> final_status =
      embedded ? follow_job(client, job, progress)
               : client.wait(job, std::chrono::milliseconds(500),
                             [&](const proto::JobStatus& s) { progress.update(s); });
  if (!final_status) return fail(final_status.message(), kExitJobFailed);
  progress.finish(final_status.value());
  if (final_status->state != proto::JobState::kDone) {
    return fail("the batch " + std::string(proto::job_state_name(final_status->state)) + ": " +
                    final_status->message,
                kExitJobFailed);
  }
  Result<std::vector<std::filesystem::path>> files = client.download_outputs(job, output_dir);
  if (!files) return fail(files.message(), kExitJobFailed);
  std::printf("wrote %zu files under %s\n", files->size(), output_dir.string().c_str());
  return kExitOk;
}

}  // namespace

int simulate(const SimArgs& args) {
  Result<PreparedBatch> batch = prepare_batch(args);
  if (!batch) return fail(batch.message(), kExitBadInput);
  proto::SubmitJob& job = batch->job;
  const std::filesystem::path output_dir =
      args.output_dir.empty() ? std::filesystem::path("out") / job.name
                              : std::filesystem::path(args.output_dir);
  if (args.dispatcher.empty()) {
    // The embedded farm's workers are this process: nothing to verify against each other.
    job.replication = 1;
    job.quorum = 1;
    Result<std::unique_ptr<EmbeddedFarm>> farm =
        start_local_farm(args.backend, args.workers, args.state_dir);
    if (!farm) return fail(farm.message(), kExitBadInput);
    Result<uint64_t> id = submit_batch(farm.value()->client(), batch.value());
    if (!id) return fail(id.message(), kExitBadInput);
    const int code = finish(farm.value()->client(), id.value(), output_dir, true);
    if (interrupted()) return fail("batch interrupted; outputs not fetched", kExitJobFailed);
    return code;
  }
  Result<ClientOptions> client_opts = client_options(args.dispatcher, args.security);
  if (!client_opts) return fail(client_opts.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherClient client(context, args.dispatcher, std::move(client_opts.value()));
  Result<uint64_t> id = submit_batch(client, batch.value());
  if (!id) return fail(id.message(), kExitBadInput);
  std::printf("%llu\n", static_cast<unsigned long long>(id.value()));
  std::fflush(stdout);
  if (!args.wait) return kExitOk;
  return finish(client, id.value(), output_dir, false);
}

}  // namespace tf::cli
