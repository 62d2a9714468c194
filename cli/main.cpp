// tilefarm: argument parsing and wiring only; every subcommand lives in commands_*.cpp.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace tf::cli;
  CLI::App app{"tilefarm: a distributed rendering farm"};
  app.require_subcommand(1);
  int code = kExitOk;

  RenderArgs render_args;
  auto* render_cmd = app.add_subcommand("render", "Render a scene on an embedded local farm");
  render_cmd->add_option("scene", render_args.scene, "pbrt-v4 scene file")->required();
  render_cmd->add_option("-o,--output", render_args.output, "Output EXR (a PNG preview is written beside it)");
  render_cmd->add_option("--spp", render_args.spp, "Samples per pixel (default: the scene's)");
  render_cmd->add_option("--tile", render_args.tile, "Tile size in pixels")->check(CLI::Range(1, 1024));
  render_cmd->add_option("--samples-per-unit", render_args.samples_per_unit, "Samples per work unit");
  render_cmd->add_option("--backend", render_args.backend, "cpu, opencl, cuda or auto")
      ->check(CLI::IsMember({"cpu", "opencl", "cuda", "auto"}));
  render_cmd->add_option("--workers", render_args.workers, "Local workers (default: one per device)")
      ->check(CLI::Range(0, 256));
  render_cmd->add_option("--frame", render_args.frame, "Frame number (for ####-patterns)");
  render_cmd->add_option("--state", render_args.state_dir, "Dispatcher state folder (default: temporary)");
  render_cmd->callback([&] { code = render(render_args); });

  bool json = false;
  auto* devices_cmd = app.add_subcommand("devices", "List compute devices");
  devices_cmd->add_flag("--json", json, "JSON output");
  devices_cmd->callback([&] { code = devices(json); });

  std::string scene;
  auto* info_cmd = app.add_subcommand("info", "Describe a scene");
  info_cmd->add_option("scene", scene, "Scene file")->required();
  info_cmd->add_flag("--json", json, "JSON output");
  info_cmd->callback([&] { code = info(scene, json); });

  std::string listen = "tcp://0.0.0.0:7600";
  std::string state_dir;
  auto* dispatcher_cmd = app.add_subcommand("dispatcher", "Run a dispatcher");
  dispatcher_cmd->add_option("--listen", listen, "ZeroMQ endpoint to bind");
  dispatcher_cmd->add_option("--state", state_dir, "State folder (database and blobs)")->required();
  dispatcher_cmd->callback([&] { code = dispatcher(listen, state_dir); });

  WorkerArgs worker_args;
  auto* worker_cmd = app.add_subcommand("worker", "Run a worker");
  worker_cmd->add_option("--dispatcher", worker_args.dispatcher, "Dispatcher endpoint")->required();
  worker_cmd->add_option("--backend", worker_args.backend, "cpu, opencl, cuda or auto")
      ->check(CLI::IsMember({"cpu", "opencl", "cuda", "auto"}));
  worker_cmd->add_option("--devices", worker_args.devices, "Device positions (see `tilefarm devices`)")
      ->delimiter(',');
  worker_cmd->add_option("--cache", worker_args.cache_dir, "Asset cache folder");
  worker_cmd->add_option("--units-per-device", worker_args.units_per_device, "Units in flight per device")
      ->check(CLI::Range(1, 64));
  worker_cmd->callback([&] { code = worker(worker_args); });

  SubmitArgs submit_args;
  std::string frames;
  std::string endpoint = "tcp://127.0.0.1:7600";
  auto* submit_cmd = app.add_subcommand("submit", "Submit a job to a dispatcher");
  submit_cmd->add_option("scene", submit_args.request.scene, "Scene file or pattern (shot_####.pbrt)")->required();
  submit_cmd->add_option("--dispatcher", endpoint, "Dispatcher endpoint");
  submit_cmd->add_option("--frames", frames, "Frames: 1-240, 1-100x2, 1,5,10-20");
  submit_cmd->add_option("--spp", submit_args.request.spp, "Samples per pixel");
  submit_cmd->add_option("--tile", submit_args.request.tile_size, "Tile size")->check(CLI::Range(1, 1024));
  submit_cmd->add_option("--samples-per-unit", submit_args.request.samples_per_unit, "Samples per unit");
  submit_cmd->add_option("--priority", submit_args.request.priority, "Priority (higher first)");
  submit_cmd->add_option("--output", submit_args.output_dir, "Folder for the outputs (with --wait)");
  submit_cmd->add_flag("--wait", submit_args.wait, "Wait for the job and fetch its outputs");
  submit_cmd->callback([&] {
    if (!frames.empty()) submit_args.request.frames = frames;
    submit_args.dispatcher = endpoint;
    code = submit(submit_args);
  });

  StatusArgs status_args;
  auto* status_cmd = app.add_subcommand("status", "Show jobs");
  status_cmd->add_option("job", status_args.job, "Job id (default: every job)");
  status_cmd->add_option("--dispatcher", endpoint, "Dispatcher endpoint");
  status_cmd->add_flag("--json", status_args.json, "JSON output (with --watch: one line per change)");
  status_cmd->add_flag("--watch", status_args.watch, "Refresh until the job(s) finish; exit 1 if any failed");
  status_cmd->add_option("--interval", status_args.interval_seconds, "Seconds between refreshes (with --watch)")
      ->check(CLI::Range(0.05, 3600.0));
  status_cmd->callback([&] {
    status_args.dispatcher = endpoint;
    code = status(status_args);
  });

  uint64_t job = 0;
  auto* cancel_cmd = app.add_subcommand("cancel", "Cancel a job");
  cancel_cmd->add_option("job", job, "Job id")->required();
  cancel_cmd->add_option("--dispatcher", endpoint, "Dispatcher endpoint");
  cancel_cmd->callback([&] { code = cancel(endpoint, job); });

  std::string to_dir;
  auto* outputs_cmd = app.add_subcommand("outputs", "Fetch a job's finished frames");
  outputs_cmd->add_option("job", job, "Job id")->required();
  outputs_cmd->add_option("--to", to_dir, "Destination folder")->required();
  outputs_cmd->add_option("--dispatcher", endpoint, "Dispatcher endpoint");
  outputs_cmd->callback([&] { code = outputs(endpoint, job, to_dir); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help_code = app.exit(e);
    return help_code == 0 ? kExitOk : kExitBadInput;
  }
  return code;
}
