// Subcommands of a networked farm: dispatcher, worker, submit, status, cancel, outputs.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/local_run.h"
#include "cli/log_output.h"
#include "cli/progress.h"
#include "dispatcher/dashboard/dashboard_server.h"
#include "dispatcher/postgres_db.h"
#include "dispatcher/trust_queries.h"
#include "dispatcher/server.h"
#include "formats/protocol/curve_keys.h"
#include "worker/backend_executor.h"
#include "worker/misbehaving_executor.h"
#include "worker/worker.h"

namespace tf::cli {
namespace {

// SIGINT / SIGTERM ask the running server or worker to stop; both stop requests are
// async-signal-safe (an atomic store, an eventfd write).
DispatcherServer* g_server = nullptr;
Worker* g_worker = nullptr;
volatile std::sig_atomic_t g_stop_requested = 0;  // also ends a standby dispatcher's wait

void on_stop_signal(int) {
  g_stop_requested = 1;
  if (g_server) g_server->request_stop();
  if (g_worker) g_worker->request_stop();
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

nlohmann::json to_json(const proto::JobStatus& s) {
  return {{"job", s.job_id}, {"name", s.name}, {"state", proto::job_state_name(s.state)},
          {"priority", s.priority}, {"units_done", s.units_done}, {"units_total", s.units_total},
          {"frames_done", s.frames_done}, {"frames_total", s.frames_total},
          {"kind", s.simulation ? "simulation" : "render"}, {"message", s.message},
          {"affected_frames", s.affected_frames}, {"client", s.client},
          {"units_in_flight", s.units_in_flight}, {"farm_units_in_flight", s.farm_in_flight},
          {"active_clients", s.active_clients}, {"tiles_converged", s.tiles_converged},
          {"tiles_refining", s.tiles_refining}, {"spp_min", s.spp_min}, {"spp_max", s.spp_max}};
}

// The job's fair share as a person reads it: its leased units and their part of all leased
// units, the submitting key (abbreviated) and how many clients share the workers.
std::string share_text(const proto::JobStatus& s) {
  if (s.farm_in_flight == 0) return "";
  char text[160];
  std::snprintf(text, sizeof text, "leased %llu (%.0f%% of the farm; client %s of %u)",
                static_cast<unsigned long long>(s.units_in_flight),
                100.0 * static_cast<double>(s.units_in_flight) /
                    static_cast<double>(s.farm_in_flight),
                s.client.empty() ? "local" : s.client.substr(0, 8).c_str(), s.active_clients);
  return text;
}

// Prints the jobs as a table, or as JSON: indented, or on one line (one line per refresh when
// watching, so that the output is a stream of JSON lines).
void print_statuses(const std::vector<proto::JobStatus>& jobs, bool json, bool one_line_json) {
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : jobs) list.push_back(to_json(s));
    std::printf("%s\n", list.dump(one_line_json ? -1 : 2).c_str());
  } else {
    for (const auto& s : jobs) {
      const std::string tiles = refinement_text(s);
      std::printf("%6llu  %-10s %6llu/%-6llu units  %u/%u %s  %s  %s%s%s%s%s\n",
                  static_cast<unsigned long long>(s.job_id), proto::job_state_name(s.state),
                  static_cast<unsigned long long>(s.units_done),
                  static_cast<unsigned long long>(s.units_total), s.frames_done, s.frames_total,
                  s.simulation ? "runs  " : "frames", s.name.c_str(), share_text(s).c_str(),
                  tiles.empty() ? "" : "  ", tiles.c_str(),
                  s.farm_in_flight > 0 && !s.message.empty() ? "  " : "", s.message.c_str());
    }
  }
  std::fflush(stdout);
}

// --http and --http-token, checked before the dispatcher starts: a dashboard that may not
// listen where asked stops the command at once.
Result<DashboardOptions> dashboard_options(const DispatcherArgs& args) {
  if (args.http.empty()) return Error{"--http-token needs --http ADDRESS:PORT"};
  Result<HttpAddress> address = parse_http_address(args.http);
  if (!address) return Error{address.message()};
  DashboardOptions options;
  options.address = address.value();
  if (!args.http_token_file.empty()) {
    Result<std::string> token = read_token_file(args.http_token_file);
    if (!token) return Error{token.message()};
    options.token = std::move(token.value());
  }
  if (Status s = check_exposure(options.address, options.token.has_value()); !s) {
    return Error{s.message()};
  }
  return options;
}

}  // namespace

int dispatcher(const DispatcherArgs& args) {
  set_log_component("dispatcher");
  const std::string& listen = args.listen;
  const std::string& state_dir = args.state_dir;
  Result<DispatcherSecurity> security = dispatcher_security(args);
  if (!security) return fail(security.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherServerOptions options;
  options.endpoint = listen;
  options.log = library_log_sink("dispatcher");
  options.core.state_dir = state_dir;
  options.core.store_url = args.store_url;
  options.core.leadership.lease_ms = static_cast<int64_t>(args.leader_lease_seconds * 1000);
  options.core.leadership.stop_waiting = [] { return g_stop_requested != 0; };
  options.core.leadership.log = library_log_sink("leadership", "tilefarm");
  options.core.trust = args.trust;
  if (!args.auditor_allow_file.empty()) {
    Result<std::set<std::string>> auditors = proto::read_key_list(args.auditor_allow_file);
    if (!auditors) return fail(auditors.message(), kExitBadInput);
    options.core.auditors = std::move(auditors.value());
  }
  options.security = std::move(security.value());
  std::optional<DashboardOptions> dashboard;
  if (!args.http.empty() || !args.http_token_file.empty()) {
    Result<DashboardOptions> parsed = dashboard_options(args);
    if (!parsed) return fail(parsed.message(), kExitBadInput);
    dashboard = std::move(parsed.value());
    options.core.board = std::make_shared<FarmBoard>();
  }
  install_stop_handlers();  // a standby waiting for the leadership stops on SIGTERM too
  Result<std::unique_ptr<DispatcherServer>> server = DispatcherServer::start(context, options);
  if (!server) return fail(server.message(), g_stop_requested ? kExitOk : kExitBadInput);
  g_server = server.value().get();
  if (g_stop_requested) server.value()->request_stop();
  write_log(LogLevel::kInfo,
            "dispatcher listening on " + server.value()->endpoint() + ", state in " +
                (args.store_url.empty() ? state_dir : redact_database_url(args.store_url)));
  // The dashboard serves the active dispatcher only: a standby starts it once it leads.
  std::unique_ptr<DashboardServer> web;
  if (dashboard) {
    Result<std::unique_ptr<DashboardServer>> started = DashboardServer::start(
        *dashboard, options.core.board, server.value()->blobs(),
        [state_dir, url = args.store_url] { return open_store_read_only(state_dir, url); });
    if (!started) {
      g_server = nullptr;
      return fail(started.message(), kExitBadInput);
    }
    web = std::move(started.value());
    write_log(LogLevel::kInfo, "dashboard and /metrics on " + web->url() +
                                   (dashboard->token ? " (token required)" : ""));
  }
  Status s = server.value()->run();
  g_server = nullptr;
  if (!s) return fail(s.message(), kExitJobFailed);
  return kExitOk;
}

int worker(const WorkerArgs& args) {
  set_log_component("worker");
  Result<std::vector<std::unique_ptr<UnitExecutor>>> executors =
      make_executors(args.backend, args.devices);
  if (!executors) return fail(executors.message(), kExitBadInput);
  size_t garbage_result_bytes = 0;
  if (!args.misbehave.empty()) {
    Result<Misbehavior> mode = parse_misbehavior(args.misbehave);
    if (!mode) return fail(mode.message(), kExitBadInput);
    if (mode.value() == Misbehavior::kGarbage && args.misbehave_after > 0) {
      return fail("--misbehave-after does not apply to garbage (the worker garbles every result)",
                  kExitBadInput);
    }
    write_log(LogLevel::kWarning, "this worker misbehaves on purpose (" + args.misbehave +
                                      ", after " + std::to_string(args.misbehave_after) +
                                      " units): a testing aid");
    const auto units_seen = std::make_shared<std::atomic<uint64_t>>(0);
    for (auto& e : executors.value()) {
      e = std::make_unique<MisbehavingExecutor>(
          std::move(e), MisbehaviorOptions{.mode = mode.value(),
                                           .honest_units = args.misbehave_after,
                                           .units_seen = units_seen});
    }
    if (mode.value() == Misbehavior::kGarbage) garbage_result_bytes = 4096;
  }
  Result<proto::TransportOptions> transport = peer_transport(args.dispatcher, args.security, "worker.key");
  if (!transport) return fail(transport.message(), kExitBadInput);
  IdlePolicyOptions idle;
  idle.when = args.when;
  idle.idle_minutes = args.idle_minutes;
  idle.max_other_load = args.max_other_load;
  idle.max_gpu_temp_c = args.max_gpu_temp;
  idle.max_power_w = args.max_power;
  idle.log = library_log_sink("worker");
  Result<std::unique_ptr<IdleSource>> idle_source = make_idle_source(idle);
  if (!idle_source) return fail(idle_source.message(), kExitBadInput);
  zmq::context_t context;
  WorkerOptions options;
  options.dispatcher_endpoint = args.dispatcher;
  options.transport = std::move(transport.value());
  options.cache_dir = args.cache_dir;  // empty: a folder per worker key (WorkerOptions)
  options.log = library_log_sink("worker");
  options.units_per_device = args.units_per_device;
  options.garbage_result_bytes = garbage_result_bytes;
  options.drain_timeout_ms = static_cast<int64_t>(args.drain_timeout_seconds * 1000);
  // "always" without GPU limits needs no policy: the worker works as it always did.
  if (args.when != "always" || args.max_gpu_temp > 0 || args.max_power > 0) {
    options.idle = std::move(idle_source.value());
    options.idle_hold_ms = static_cast<int64_t>(args.idle_hold_seconds * 1000);
    char limits[160] = "";
    if (args.when == "idle") {
      std::snprintf(limits, sizeof limits, " (no user input for %g min, other CPU load at most %g%%)",
                    args.idle_minutes, args.max_other_load * 100);
    }
    write_log(LogLevel::kInfo, "works only when: " + args.when + limits);
  }
  Result<std::unique_ptr<Worker>> w = Worker::create(context, options, std::move(executors.value()));
  if (!w) return fail(w.message(), kExitBadInput);
  g_worker = w.value().get();
  install_stop_handlers();
  Status s = w.value()->run();
  g_worker = nullptr;
  if (!s) return fail(s.message(), kExitBadInput);
  if (w.value()->units_abandoned() > 0) {
    // A drain ended with units still running; they were handed back, and a device cannot be
    // interrupted: the process ends now rather than wait for them (nothing of them is kept).
    std::fflush(nullptr);
    std::_Exit(kExitOk);
  }
  return kExitOk;
}

// Waits for a job (riding out dispatcher restarts: every request retries on a fresh socket),
// showing progress, then fetches its outputs into `output_dir` (none when empty).
int wait_and_download(DispatcherClient& client, uint64_t job, const std::string& output_dir) {
  ProgressReporter progress(stderr);
  Result<proto::JobStatus> final_status = client.wait(
      job, std::chrono::milliseconds(500), [&](const proto::JobStatus& s) { progress.update(s); });
  if (!final_status) return fail(final_status.message(), kExitJobFailed);
  progress.finish(final_status.value());
  if (final_status->state != proto::JobState::kDone) {
    return fail("job " + std::to_string(job) + " " + proto::job_state_name(final_status->state) +
                    ": " + final_status->message,
                kExitJobFailed);
  }
  if (!output_dir.empty()) {
    Result<std::vector<std::filesystem::path>> files = client.download_outputs(job, output_dir);
    if (!files) return fail(files.message(), kExitJobFailed);
    for (const auto& f : files.value()) std::fprintf(stderr, "wrote %s\n", f.string().c_str());
  }
  return kExitOk;
}

int submit(const SubmitArgs& args) {
  Result<PreparedJob> job = prepare_job(args.request);
  if (!job) return fail(job.message(), kExitBadInput);
  Result<ClientOptions> client_opts = client_options(args.dispatcher, args.security);
  if (!client_opts) return fail(client_opts.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherClient client(context, args.dispatcher, std::move(client_opts.value()));
  Result<uint64_t> id = submit_job(client, job.value());
  if (!id) return fail(id.message(), kExitBadInput);
  std::printf("%llu\n", static_cast<unsigned long long>(id.value()));
  std::fflush(stdout);
  if (!args.wait) return kExitOk;
  return wait_and_download(client, id.value(), args.output_dir);
}

int resubmit(const ResubmitArgs& args) {
  if (!args.affected) {
    return fail("resubmit re-runs the units that rested on quarantined keys: pass --affected",
                kExitBadInput);
  }
  Result<ClientOptions> client_opts = client_options(args.dispatcher, args.security);
  if (!client_opts) return fail(client_opts.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherClient client(context, args.dispatcher, std::move(client_opts.value()));
  if (Status s = client.resubmit_affected(args.job); !s) return fail(s.message(), kExitBadInput);
  if (!args.wait) return kExitOk;
  return wait_and_download(client, args.job, args.output_dir);
}

int status(const StatusArgs& args) {
  Result<ClientOptions> client_opts = client_options(args.dispatcher, args.security);
  if (!client_opts) return fail(client_opts.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherClient client(context, args.dispatcher, std::move(client_opts.value()));
  std::optional<std::vector<proto::JobStatus>> shown;
  for (;;) {
    Result<std::vector<proto::JobStatus>> jobs = client.status(args.job.value_or(0));
    if (!jobs) return fail(jobs.message(), kExitBadInput);
    if (args.job && jobs->empty()) {
      return fail("the dispatcher does not know job " + std::to_string(*args.job), kExitBadInput);
    }
    if (!args.watch) {
      print_statuses(jobs.value(), args.json, /*one_line_json=*/false);
      return kExitOk;
    }
    if (jobs.value() != shown) {
      if (shown && !args.json) std::printf("\n");  // a blank line between refreshed tables
      print_statuses(jobs.value(), args.json, /*one_line_json=*/true);
      shown = jobs.value();
    }
    const auto active = [](const proto::JobStatus& s) { return proto::job_active(s.state); };
    if (std::none_of(jobs->begin(), jobs->end(), active)) {
      const bool all_done = std::all_of(jobs->begin(), jobs->end(), [](const proto::JobStatus& s) {
        return s.state == proto::JobState::kDone;
      });
      return all_done ? kExitOk : kExitJobFailed;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(args.interval_seconds));
  }
}

int cancel(const std::string& endpoint, uint64_t job, const ClientSecurityArgs& security) {
  Result<ClientOptions> client_opts = client_options(endpoint, security);
  if (!client_opts) return fail(client_opts.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherClient client(context, endpoint, std::move(client_opts.value()));
  if (Status s = client.cancel(job); !s) return fail(s.message(), kExitBadInput);
  return kExitOk;
}

int outputs(const std::string& endpoint, uint64_t job, const std::string& dir,
            const ClientSecurityArgs& security) {
  Result<ClientOptions> client_opts = client_options(endpoint, security);
  if (!client_opts) return fail(client_opts.message(), kExitBadInput);
  zmq::context_t context;
  DispatcherClient client(context, endpoint, std::move(client_opts.value()));
  Result<std::vector<std::filesystem::path>> files = client.download_outputs(job, dir);
  if (!files) return fail(files.message(), kExitBadInput);
  for (const auto& f : files.value()) std::printf("%s\n", f.string().c_str());
  return kExitOk;
}

}  // namespace tf::cli
