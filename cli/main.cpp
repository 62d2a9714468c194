// tilefarm: argument parsing and wiring only; every subcommand lives in commands_*.cpp.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/local_run.h"
#include "cli/log_output.h"

// --dispatcher of the client commands.
constexpr const char* kDispatcherHelp =
    "Dispatcher endpoint, or the farm's dispatchers comma-separated (tcp://a:7600,tcp://b:7600):"
    " requests go to the one that answers";

// Rendering to quality (render and submit; dispatcher/refinement.h).
void add_quality_flags(CLI::App* cmd, tf::QualityFlags& quality) {
  cmd->add_option("--noise-target", quality.noise_target,
                  "Render to quality: refine each tile until its estimated relative error is at "
                  "most this (e.g. 0.02)");
  cmd->add_option("--min-spp", quality.min_spp,
                  "With --noise-target or --deadline: every tile's first samples (default 16)");
  cmd->add_option("--max-spp", quality.max_spp,
                  "With --noise-target or --deadline: the most samples a tile gets (default 1024)");
  cmd->add_option("--deadline", quality.deadline,
                  "Render to quality until this long after submission (e.g. 10m, 1h30m); then no "
                  "new round starts and the frame depends on the farm's speed");
}

int main(int argc, char** argv) {
  using namespace tf::cli;
  reuse_freed_memory();
  CLI::App app{"tilefarm: a distributed rendering and simulation farm"};
  app.require_subcommand(1);
  int code = kExitOk;
  // --log-format, before the subcommand or on the long-running commands themselves.
  const auto add_log_format = [](CLI::App* cmd) {
    cmd->add_option_function<std::string>(
           "--log-format",
           [](const std::string& name) { set_log_format(parse_log_format(name).value()); },
           "Log lines on stderr of the dispatcher and worker: text (default) or json (one object "
           "a line: time, level, component, message)")
        ->check(CLI::IsMember({"text", "json"}));
  };
  add_log_format(&app);

  RenderArgs render_args;
  auto* render_cmd = app.add_subcommand("render", "Render a scene on an embedded local farm");
  render_cmd->add_option("scene", render_args.scene, "pbrt-v4 scene file")->required();
  render_cmd->add_option("-o,--output", render_args.output, "Output EXR (a PNG preview is written beside it)");
  render_cmd->add_option("--spp", render_args.spp, "Samples per pixel (default: the scene's)");
  render_cmd->add_option("--tile", render_args.tile, "Tile size in pixels")->check(CLI::Range(1, 1024));
  render_cmd->add_option("--samples-per-unit", render_args.samples_per_unit, "Samples per work unit");
  render_cmd->add_option("--backend", render_args.backend, "cpu, opencl, cuda or auto (every GPU/accelerator; the CPU when there is none)")
      ->check(CLI::IsMember({"cpu", "opencl", "cuda", "auto"}));
  render_cmd->add_option("--workers", render_args.workers, "Local workers (default: one per device)")
      ->check(CLI::Range(0, 256));
  render_cmd->add_option("--frame", render_args.frame, "Frame number (for ####-patterns)");
  render_cmd->add_option("--state", render_args.state_dir, "Dispatcher state folder (default: temporary)");
  render_cmd->add_flag("--lenient", render_args.lenient,
                       "Approximate unsupported scene constructs (warned) instead of failing");
  add_quality_flags(render_cmd, render_args.quality);
  render_cmd->callback([&] { code = render(render_args); });

  bool json = false;
  auto* devices_cmd = app.add_subcommand("devices", "List compute devices");
  devices_cmd->add_flag("--json", json, "JSON output");
  devices_cmd->callback([&] { code = devices(json); });

  std::string scene;
  auto* info_cmd = app.add_subcommand("info", "Describe a scene");
  info_cmd->add_option("scene", scene, "Scene file")->required();
  info_cmd->add_flag("--json", json, "JSON output");
  bool info_lenient = false;
  info_cmd->add_flag("--lenient", info_lenient, "Load as `render --lenient` would (warnings listed)");
  info_cmd->callback([&] { code = info(scene, json, info_lenient); });

  // --key, --server-key, --insecure of every command that talks to a dispatcher.
  const auto add_security_flags = [](CLI::App* cmd, ClientSecurityArgs& security) {
    cmd->add_option("--key", security.key_file, "Own keypair file (default: ~/.config/tilefarm/<role>.key, created if missing)");
    cmd->add_option("--server-key", security.server_key, "The dispatcher's public key, or a file holding it (tcp)");
    cmd->add_flag("--insecure", security.insecure, "Plain tcp: no encryption, no authentication (local experiments only)");
  };

  DispatcherArgs dispatcher_args;
  dispatcher_args.listen = "tcp://0.0.0.0:7600";
  auto* dispatcher_cmd = app.add_subcommand("dispatcher", "Run a dispatcher");
  dispatcher_cmd->add_option("--listen", dispatcher_args.listen, "ZeroMQ endpoint to bind");
  dispatcher_cmd->add_option("--state", dispatcher_args.state_dir, "State folder (database, blobs, dispatcher.key, ledger.key)")->required();
  dispatcher_cmd->add_option("--store", dispatcher_args.store_url, "Keep the farm's state in this PostgreSQL database (postgresql://user:password@host:port/db) instead of --state; several dispatchers on one database: one is active, the others wait as standbys (keys still in --state)");
  dispatcher_cmd->add_option("--leader-lease", dispatcher_args.leader_lease_seconds, "With --store: seconds without renewal after which a standby takes over")
      ->capture_default_str()->check(CLI::Range(1.0, 600.0));
  dispatcher_cmd->add_flag("--insecure", dispatcher_args.insecure, "Plain tcp: no encryption, no authentication (local experiments only)");
  dispatcher_cmd->add_option("--worker-allow", dispatcher_args.worker_allow_file, "Worker public keys allowed, one a line (default: open enrollment)");
  dispatcher_cmd->add_option("--client-allow", dispatcher_args.client_allow_file, "Client public keys allowed to submit and read jobs, one a line");
  dispatcher_cmd->add_option("--ban", dispatcher_args.ban_file, "Public keys refused at the handshake, one a line");
  dispatcher_cmd->add_option("--auditor-allow", dispatcher_args.auditor_allow_file, "Worker public keys of the operator's own auditors, one a line: trusted from the start, they vouch for other keys and settle disagreements");
  dispatcher_cmd->add_option("--trust-after", dispatcher_args.trust.trust_after, "Results in a row, vouched for by trusted keys, that make a key trusted")
      ->capture_default_str()->check(CLI::PositiveNumber);
  dispatcher_cmd->add_option("--spot-check-rate", dispatcher_args.trust.spot_check_rate, "Share of a trusted key's units still verified by a second replica")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  dispatcher_cmd->add_option("--http", dispatcher_args.http, "Serve the read-only web dashboard and Prometheus /metrics on ADDRESS:PORT (e.g. 127.0.0.1:8080); off by default. Off loopback it needs --http-token");
  dispatcher_cmd->add_option("--http-token", dispatcher_args.http_token_file, "File whose first line is the token every dashboard request must carry (Authorization: Bearer TOKEN, or ?token=TOKEN in a browser)");
  add_log_format(dispatcher_cmd);
  dispatcher_cmd->callback([&] { code = dispatcher(dispatcher_args); });

  std::string key_output;
  bool force = false;
  auto* keygen_cmd = app.add_subcommand("keygen", "Write a CurveZMQ keypair (prints the public key)");
  keygen_cmd->add_option("-o,--output", key_output, "Keypair file (default: ~/.config/tilefarm/client.key); FILE.pub gets the public key");
  keygen_cmd->add_flag("--force", force, "Replace existing files");
  keygen_cmd->callback([&] { code = keygen(key_output, force); });

  WorkerArgs worker_args;
  auto* worker_cmd = app.add_subcommand("worker", "Run a worker");
  worker_cmd->add_option("--dispatcher", worker_args.dispatcher, "Dispatcher endpoint, or the farm's dispatchers comma-separated (tcp://a:7600,tcp://b:7600): the worker follows the active one")->required();
  worker_cmd->add_option("--backend", worker_args.backend, "cpu, opencl, cuda or auto (every GPU/accelerator; the CPU when there is none)")
      ->check(CLI::IsMember({"cpu", "opencl", "cuda", "auto"}));
  worker_cmd->add_option("--devices", worker_args.devices, "Device positions (see `tilefarm devices`)")
      ->delimiter(',');
  worker_cmd->add_option("--cache", worker_args.cache_dir,
                        "Asset cache folder (default: $XDG_CACHE_HOME/tilefarm/worker-<key hash>)");
  worker_cmd->add_option("--units-per-device", worker_args.units_per_device, "Units in flight per device")
      ->check(CLI::Range(1, 64));
  worker_cmd->add_option("--when", worker_args.when,
                         "When this worker may work: always (default); idle (nobody has used the machine for --idle-minutes, "
                         "other processes use at most --max-other-load of the CPUs, and no other process computes on an NVIDIA GPU); "
                         "or a daily window of local time HH:MM-HH:MM (22:00-06:00 runs across midnight). When it may not, the "
                         "worker hands its queued units back, finishes the running ones and takes no new work until it may again; "
                         "credit and reputation are not affected")
      ->capture_default_str();
  worker_cmd->add_option("--idle-minutes", worker_args.idle_minutes,
                         "With --when idle: minutes without keyboard or mouse input (systemd-logind's idle hint) before the machine counts as idle")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  worker_cmd->add_option("--max-other-load", worker_args.max_other_load,
                         "With --when idle: the largest share of all CPUs (0 to 1) that other processes may use while this worker works")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  worker_cmd->add_option("--max-gpu-temp", worker_args.max_gpu_temp,
                         "Pause while an NVIDIA GPU is hotter than this many degrees C (read with NVML; default: no limit)")
      ->check(CLI::PositiveNumber);
  worker_cmd->add_option("--max-power", worker_args.max_power,
                         "Pause while an NVIDIA GPU draws more than this many watts (read with NVML; default: no limit)")
      ->check(CLI::PositiveNumber);
  worker_cmd->add_option("--idle-hold", worker_args.idle_hold_seconds,
                         "Seconds a change between idle and busy must last before the worker pauses or resumes (avoids flapping)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  worker_cmd->add_option("--drain-timeout", worker_args.drain_timeout_seconds,
                         "On SIGTERM, drain for up to this many seconds: hand the queued units back, take no new work, let the "
                         "running units finish and send their results, then leave (what still runs then is handed back; a second "
                         "SIGTERM leaves at once). 0 (default): no drain, every unfinished unit goes back at once and the results "
                         "of the units running then are dropped (right for units of seconds; set it above your longest unit's "
                         "time for long ones, and keep a service manager's stop timeout above it)")
      ->capture_default_str()->check(CLI::NonNegativeNumber)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a service's default, then the user's
  add_security_flags(worker_cmd, worker_args.security);
  auto* misbehave =
      worker_cmd->add_option("--misbehave", worker_args.misbehave,
                             "Testing aid: cheat on purpose (wrong: perturbed pixels, lazy: half the "
                             "samples, copy: another unit's result, slow: past the lease, garbage: "
                             "undecodable frames, collude: the same wrong result as every colluder)")
          ->check(CLI::IsMember({"wrong", "lazy", "copy", "slow", "garbage", "collude"}));
  worker_cmd->add_option("--misbehave-after", worker_args.misbehave_after,
                         "Testing aid: stay honest for the first N units, then misbehave")
      ->needs(misbehave);
  add_log_format(worker_cmd);
  worker_cmd->callback([&] { code = worker(worker_args); });

  SubmitArgs submit_args;
  std::string frames;
  std::string endpoint = "tcp://127.0.0.1:7600";
  auto* submit_cmd = app.add_subcommand("submit", "Submit a job to a dispatcher");
  submit_cmd->add_option("scene", submit_args.request.scene, "Scene file or pattern (shot_####.pbrt)")->required();
  submit_cmd->add_option("--dispatcher", endpoint, kDispatcherHelp);
  submit_cmd->add_option("--frames", frames, "Frames: 1-240, 1-100x2, 1,5,10-20");
  submit_cmd->add_option("--spp", submit_args.request.spp, "Samples per pixel");
  submit_cmd->add_option("--tile", submit_args.request.tile_size, "Tile size")->check(CLI::Range(1, 1024));
  submit_cmd->add_option("--samples-per-unit", submit_args.request.samples_per_unit, "Samples per unit");
  submit_cmd->add_option("--priority", submit_args.request.priority, "Priority (higher first)");
  submit_cmd->add_option("--replication", submit_args.request.replication,
                         "Replicas per unit, on distinct workers and owners (default 2)")->check(CLI::Range(1, 32));
  submit_cmd->add_option("--quorum", submit_args.request.quorum,
                         "Agreeing result hashes that accept a unit (default 2, at most --replication)")->check(CLI::Range(1, 32));
  submit_cmd->add_flag("--lenient", submit_args.request.lenient,
                       "Approximate unsupported scene constructs (warned) instead of failing");
  add_quality_flags(submit_cmd, submit_args.request.quality);
  submit_cmd->add_option("--output", submit_args.output_dir, "Folder for the outputs (with --wait)");
  submit_cmd->add_flag("--wait", submit_args.wait, "Wait for the job and fetch its outputs");
  ClientSecurityArgs client_security;
  add_security_flags(submit_cmd, client_security);
  submit_cmd->callback([&] {
    submit_args.security = client_security;
    if (!frames.empty()) submit_args.request.frames = frames;
    submit_args.dispatcher = endpoint;
    code = submit(submit_args);
  });

  SimArgs sim_args;
  auto* sim_cmd = app.add_subcommand(
      "sim", "Run a simulation batch (TOML) on an embedded farm, or submit it with --dispatcher");
  sim_cmd->add_option("batch", sim_args.batch, "Batch file (see scenes/sim/*.toml)")->required();
  sim_cmd->add_option("--dispatcher", sim_args.dispatcher, "Submit to this dispatcher (or comma-separated list of a farm's dispatchers) instead of an embedded farm");
  sim_cmd->add_option("-o,--output", sim_args.output_dir, "Output folder (default: out/<batch name>)");
  sim_cmd->add_flag("--wait", sim_args.wait, "With --dispatcher: wait for the batch and fetch its outputs");
  sim_cmd->add_option("--chunk-steps", sim_args.chunk_steps, "Steps per work unit (default: about 2^26 cell updates a unit)")
      ->check(CLI::Range(1, 1 << 30));
  sim_cmd->add_option("--tile", sim_args.tile, "Most cells per tile side (default: whole domains up to 2^20 cells)")
      ->check(CLI::Range(1, 1 << 20));
  sim_cmd->add_option("--priority", sim_args.priority, "Priority (higher first)");
  sim_cmd->add_option("--replication", sim_args.replication, "Replicas per unit (with --dispatcher; default 2)")
      ->check(CLI::Range(1, 32));
  sim_cmd->add_option("--quorum", sim_args.quorum, "Agreeing result hashes that accept a unit (with --dispatcher; default 2)")
      ->check(CLI::Range(1, 32));
  sim_cmd->add_option("--backend", sim_args.backend, "Embedded farm: cpu, opencl, cuda or auto (as for render)")
      ->check(CLI::IsMember({"cpu", "opencl", "cuda", "auto"}));
  sim_cmd->add_option("--workers", sim_args.workers, "Embedded farm: local workers (default: one per device)")
      ->check(CLI::Range(0, 256));
  sim_cmd->add_option("--state", sim_args.state_dir, "Embedded farm: dispatcher state folder (default: temporary)");
  add_security_flags(sim_cmd, sim_args.security);
  sim_cmd->callback([&] { code = simulate(sim_args); });

  StatusArgs status_args;
  auto* status_cmd = app.add_subcommand("status", "Show jobs");
  status_cmd->add_option("job", status_args.job, "Job id (default: every job)");
  status_cmd->add_option("--dispatcher", endpoint, kDispatcherHelp);
  status_cmd->add_flag("--json", status_args.json, "JSON output (with --watch: one line per change)");
  status_cmd->add_flag("--watch", status_args.watch, "Refresh until the job(s) finish; exit 1 if any failed");
  status_cmd->add_option("--interval", status_args.interval_seconds, "Seconds between refreshes (with --watch)")
      ->check(CLI::Range(0.05, 3600.0));
  add_security_flags(status_cmd, client_security);
  status_cmd->callback([&] {
    status_args.security = client_security;
    status_args.dispatcher = endpoint;
    code = status(status_args);
  });

  uint64_t job = 0;
  auto* cancel_cmd = app.add_subcommand("cancel", "Cancel a job");
  cancel_cmd->add_option("job", job, "Job id")->required();
  cancel_cmd->add_option("--dispatcher", endpoint, kDispatcherHelp);
  add_security_flags(cancel_cmd, client_security);
  cancel_cmd->callback([&] { code = cancel(endpoint, job, client_security); });

  ResubmitArgs resubmit_args;
  auto* resubmit_cmd = app.add_subcommand(
      "resubmit", "Re-run the units of a finished job that rested on keys quarantined since");
  resubmit_cmd->add_option("job", resubmit_args.job, "Job id")->required();
  resubmit_cmd->add_flag("--affected", resubmit_args.affected,
                         "Re-run the job's affected units (`status` lists their frames)");
  resubmit_cmd->add_option("--dispatcher", endpoint, kDispatcherHelp);
  resubmit_cmd->add_flag("--wait", resubmit_args.wait, "Wait for the job and fetch its outputs");
  resubmit_cmd->add_option("--output", resubmit_args.output_dir, "Folder for the outputs (with --wait)");
  add_security_flags(resubmit_cmd, client_security);
  resubmit_cmd->callback([&] {
    resubmit_args.security = client_security;
    resubmit_args.dispatcher = endpoint;
    code = resubmit(resubmit_args);
  });

  std::string to_dir;
  auto* outputs_cmd = app.add_subcommand("outputs", "Fetch a job's finished frames");
  outputs_cmd->add_option("job", job, "Job id")->required();
  outputs_cmd->add_option("--to", to_dir, "Destination folder")->required();
  outputs_cmd->add_option("--dispatcher", endpoint, kDispatcherHelp);
  add_security_flags(outputs_cmd, client_security);
  outputs_cmd->callback([&] { code = outputs(endpoint, job, to_dir, client_security); });

  // Trust: credits, reputation and the signed ledger, from --state DIR, --store URL or
  // --dispatcher.
  TrustSourceArgs trust_source;
  const auto add_trust_source = [&](CLI::App* cmd) {
    cmd->add_option("--state", trust_source.state_dir, "Read this dispatcher state folder directly (read-only)");
    cmd->add_option("--store", trust_source.store_url, "Read this PostgreSQL farm database directly (read-only sessions)");
    cmd->add_option("--dispatcher", trust_source.dispatcher, "Ask this running dispatcher (or the active one of a comma-separated list)");
    add_security_flags(cmd, trust_source.security);
  };
  auto* credits_cmd = app.add_subcommand("credits", "Credit earned per worker key (from the ledger)");
  credits_cmd->add_flag("--json", json, "JSON output");
  add_trust_source(credits_cmd);
  credits_cmd->callback([&] { code = credits(trust_source, json); });
  auto* workers_cmd = app.add_subcommand("workers", "Reputation, credit and quarantine per worker key");
  workers_cmd->add_flag("--json", json, "JSON output");
  add_trust_source(workers_cmd);
  workers_cmd->callback([&] { code = workers(trust_source, json); });
  auto* ledger_cmd = app.add_subcommand("ledger", "The signed credit ledger");
  ledger_cmd->require_subcommand(1);
  std::string ledger_key;
  auto* verify_cmd = ledger_cmd->add_subcommand("verify", "Check every entry's chain link, hash and signature (exit 1 names the first bad entry)");
  verify_cmd->add_option("--ledger-key", ledger_key, "Verify against this copy of ledger.pub (default: the source's)");
  add_trust_source(verify_cmd);
  verify_cmd->callback([&] { code = ledger_verify(trust_source, ledger_key); });
  std::string export_output;
  bool jsonl = false;
  auto* export_cmd = ledger_cmd->add_subcommand("export", "Write every entry as JSON lines");
  export_cmd->add_flag("--jsonl", jsonl, "JSON lines, one entry a line (required: the only format)")->required();
  export_cmd->add_option("-o,--output", export_output, "Output file (default: stdout)");
  add_trust_source(export_cmd);
  export_cmd->callback([&] { code = ledger_export(trust_source, export_output); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int help_code = app.exit(e);
    return help_code == 0 ? kExitOk : kExitBadInput;
  }
  return code;
}
