// The tilefarm subcommands. Each returns the process exit code: 0 success, 1 the job failed,
// 2 bad usage or bad input (the message names the problem). Messages go to stderr; results
// (paths, ids, JSON) to stdout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/job_submission.h"
#include "dispatcher/server.h"

namespace tf::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitJobFailed = 1;
inline constexpr int kExitBadInput = 2;

struct RenderArgs {
  std::string scene;
  std::string output;  // OUT.exr; empty: out/<scene name>.exr
  std::optional<uint32_t> spp;
  uint32_t tile = 32;
  std::optional<uint32_t> samples_per_unit;
  std::string backend = "auto";
  int workers = 0;  // 0: one per device
  std::optional<uint32_t> frame;
  std::string state_dir;
  bool lenient = false;  // JobRequest::lenient
  QualityFlags quality;  // JobRequest::quality
};
int render(const RenderArgs& args);
int devices(bool json);
int info(const std::string& scene, bool json, bool lenient);

// How a worker or client secures its link to a tcp:// dispatcher (commands_keys.cpp).
struct ClientSecurityArgs {
  std::string key_file;    // own keypair; empty: $XDG_CONFIG_HOME/tilefarm/<role>.key
  std::string server_key;  // the dispatcher's public key, or a file holding it
  bool insecure = false;   // plain tcp
};
// Transport options for talking to `endpoint`: CurveZMQ with the keypair (created on first
// use under the default path named `default_key_name`, e.g. "client.key") and the server key
// for tcp://; plain for inproc/ipc, or for tcp with `insecure` (warned on stderr). Errors name
// the key file or say which flag is missing.
Result<proto::TransportOptions> peer_transport(const std::string& endpoint,
                                               const ClientSecurityArgs& security,
                                               const std::string& default_key_name);
// ClientOptions for a client command (client.key), see peer_transport.
Result<ClientOptions> client_options(const std::string& endpoint, const ClientSecurityArgs& security);

struct DispatcherArgs {
  std::string listen;
  std::string state_dir;
  std::string store_url;  // empty: SQLite in state_dir; else the farm's PostgreSQL database
  double leader_lease_seconds = 5;
  bool insecure = false;
  std::string worker_allow_file;  // empty: open worker enrollment
  std::string client_allow_file;
  std::string ban_file;
  std::string auditor_allow_file;  // the operator's auditor worker keys (trusted from the start)
  TrustPolicy trust;
  std::string http;             // ADDRESS:PORT of the dashboard and /metrics; empty: none
  std::string http_token_file;  // the token every dashboard request must carry
};
// The dispatcher's keypair (STATE/dispatcher.key, created on first start; its public key is
// printed) and access lists, for a tcp:// endpoint without `insecure`.
Result<DispatcherSecurity> dispatcher_security(const DispatcherArgs& args);
int dispatcher(const DispatcherArgs& args);
// Writes a keypair to `output` (default: the client key path) and output.pub.
int keygen(const std::string& output, bool force);

struct WorkerArgs {
  std::string dispatcher;
  std::string backend = "auto";
  std::vector<int> devices;
  std::string cache_dir;
  uint32_t units_per_device = 2;
  ClientSecurityArgs security;
  std::string misbehave;  // testing aid: wrong|lazy|copy|slow|garbage|collude (misbehaving_executor.h)
  uint64_t misbehave_after = 0;  // honest for this many units first
  // When the worker may work (worker/idle_policy.h): always, idle, or HH:MM-HH:MM local time.
  std::string when = "always";
  double idle_minutes = 5;       // idle: no user input for this long
  double max_other_load = 0.25;  // idle: other processes' share of the CPUs at most
  double max_gpu_temp = 0;       // pause above this GPU temperature (C); 0: no limit
  double max_power = 0;          // pause above this GPU board power (W); 0: no limit
  double idle_hold_seconds = 5;  // a change must hold this long before the worker follows it
  // On SIGTERM, how long running units may finish before the worker leaves (0: no drain).
  double drain_timeout_seconds = 0;
};
int worker(const WorkerArgs& args);

struct SubmitArgs {
  JobRequest request;
  std::string dispatcher;
  std::string output_dir;
  bool wait = false;
  ClientSecurityArgs security;
};
int submit(const SubmitArgs& args);

struct StatusArgs {
  std::string dispatcher;
  std::optional<uint64_t> job;  // empty: every job
  bool json = false;
  // Watch: poll every `interval_seconds` and print the jobs again whenever they change, until
  // none of them is queued or running; 0 when every one is done, 1 when any failed or was
  // cancelled. Each poll rides out a dispatcher restart (DispatcherClient retries).
  bool watch = false;
  double interval_seconds = 1.0;
  ClientSecurityArgs security;
};
int status(const StatusArgs& args);
int cancel(const std::string& dispatcher, uint64_t job, const ClientSecurityArgs& security);

// Re-runs the units of a finished job that rested on keys quarantined since (`status` lists
// its affected frames); with `wait`, waits and fetches the outputs again into output_dir.
struct ResubmitArgs {
  uint64_t job = 0;
  bool affected = false;  // the only mode: required, so that the command says what it re-runs
  std::string dispatcher;
  std::string output_dir;
  bool wait = false;
  ClientSecurityArgs security;
};
int resubmit(const ResubmitArgs& args);
int outputs(const std::string& dispatcher, uint64_t job, const std::string& dir,
            const ClientSecurityArgs& security);

// A simulation batch (commands_sim.cpp): on an embedded farm when `dispatcher` is empty
// (waits, then writes the outputs), else submitted (prints the job id; with `wait`, follows it
// and writes the outputs). Outputs go to output_dir (default out/<batch name>): one folder per
// run, one per snapshot (rho.npy ux.npy uy.npy fields.exr speed.png meta.json...), and the
// run's summary.json.
struct SimArgs {
  std::string batch;
  std::string dispatcher;
  std::string output_dir;
  bool wait = false;
  uint32_t chunk_steps = 0;  // 0: the dispatcher's choice (dispatcher/sim_plan.h)
  uint32_t tile = 0;
  int32_t priority = 0;
  uint32_t replication = 2;
  uint32_t quorum = 2;
  std::string backend = "auto";
  int workers = 0;
  std::string state_dir;
  ClientSecurityArgs security;
};
int simulate(const SimArgs& args);

// Trust commands (commands_trust.cpp) read either a state folder (read-only, also beside a
// running dispatcher) or a dispatcher: exactly one of state_dir and dispatcher is set.
struct TrustSourceArgs {
  std::string state_dir;
  std::string store_url;  // a PostgreSQL farm's database, read directly
  std::string dispatcher;
  ClientSecurityArgs security;
};
int credits(const TrustSourceArgs& source, bool json);
int workers(const TrustSourceArgs& source, bool json);
// Exit 1 when an entry is bad (the message names the first one). `ledger_key_file`: verify
// against this copy of ledger.pub instead of the one the source holds.
int ledger_verify(const TrustSourceArgs& source, const std::string& ledger_key_file);
// One JSON object per entry and line, to `output` (written atomically) or stdout when empty.
int ledger_export(const TrustSourceArgs& source, const std::string& output);

}  // namespace tf::cli
