// A worker: one DEALER session with a dispatcher, one thread per device executing units.
//
// Protocol steps and the rule that survives each failure (zguide "Paranoid Pirate"):
// - on connect the worker sends WorkerHello (devices, backends, kernel versions, slots); the
//   dispatcher answers an unknown worker's messages with HelloRequired, and the worker says
//   hello again and repeats every asset request still waiting (this bridges a dispatcher
//   restart that the socket rode out: requests the old dispatcher had read died with it);
// - both sides send a heartbeat every interval; when nothing arrives from the dispatcher for
//   liveness intervals, the worker closes its socket and reconnects after a backoff that starts
//   at 1 s and doubles up to 32 s (reset by a successful session); queued units are kept,
//   results finished while disconnected go out on the next connection, and results lost with
//   a connection are redone elsewhere once their leases lapse (the dispatcher drops duplicates);
// - each device declares `units_per_device` slots; the dispatcher grants at least that many
//   and, once it has measured the device's rate, about two seconds of work (every granted unit
//   is queued); the socket thread never computes,
//   so heartbeats flow while devices are busy;
// - a device that finishes units in under a millisecond (a GPU) does not wake the socket thread
//   per result: the first result of a batch arms a one-millisecond timer, and every result
//   finished by then goes out on that one wake-up (a result is never held longer; a slower
//   device's results, failures and a device's last queued unit go out at once), and to a
//   dispatcher that speaks protocol version 4 they go as ResultBatch messages, not one each
//   (result_batches.h);
// - near the end of a job the dispatcher may recall queued leases (LeaseRecall, protocol
//   version 5) to hand them to a device that ran dry: the worker returns those it has not
//   started (UnitReturn) and keeps the rest;
// - assets are fetched once per bundle into the AssetCache (BlobRequest / BlobReply);
// - request_stop() (safe from a signal handler) makes run() hand every unfinished unit back
//   (UnitReturn, leaving) and return after the device threads finish their current unit;
// - with a drain timeout (WorkerOptions::drain_timeout_ms > 0) the first request_stop() drains
//   instead: the worker hands back its queued units only (UnitReturn, draining), so that the
//   dispatcher leases it nothing more while its running leases stay open, returns at once any
//   grant that crossed the drain, goes on heartbeating, and sends the results of its running
//   units. When none runs any more, or the timeout passed, it hands back what still runs and
//   leaves (UnitReturn, leaving), and run() returns without waiting for a unit still running
//   (the destructor waits for it). A second request_stop() during the drain leaves at once;
// - with an idle policy (WorkerOptions::idle, idle_policy.h), when the machine stops being idle
//   the worker pauses: it hands its queued units back (UnitReturn, pausing), so that the
//   dispatcher leases it nothing more, and returns at once any grant that crossed the pause;
//   its running units finish and their results go out as usual, and heartbeats go on. When the
//   machine is idle again it resumes by saying hello again. A reconnection while paused says
//   hello and pauses again at once.
//
// Thread safety: run() on one thread; request_stop() from any thread or a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <zmq.hpp>

#include "formats/protocol/messages.h"
#include "formats/protocol/transport.h"
#include "kernels/status.h"
#include "worker/asset_cache.h"
#include "worker/executor.h"
#include "worker/idle_monitor.h"
#include "worker/idle_policy.h"

namespace tf {

// A unit leased to a worker, as granted.
using LeasedUnit = std::variant<proto::RenderUnitSpec, proto::SimUnitSpec>;

struct WorkerOptions {
  // One endpoint, or the comma-separated dispatchers of one farm (proto::split_endpoints): on
  // losing its link the worker tries the next, so it follows whichever one is active.
  std::string dispatcher_endpoint;
  std::string name;  // shown by the dispatcher; default: host name
  // Empty: default_worker_cache_dir() of the worker's public key, else of its routing id; a
  // worker with neither a key nor a chosen routing id gets a new folder per run, removed when
  // the worker is destroyed.
  std::filesystem::path cache_dir;
  uint64_t cache_bytes = 8ull << 30;
  uint32_t units_per_device = 2;
  int64_t heartbeat_interval_ms = 1000;
  int liveness = 3;
  int64_t reconnect_initial_ms = 1000;
  int64_t reconnect_max_ms = 32000;
  int64_t blob_fetch_timeout_ms = 120000;
  // On a tcp:// dispatcher, transport.curve holds this worker's keypair (its identity: credit
  // and reputation attach to the public key) and the dispatcher's public key.
  proto::TransportOptions transport;
  std::function<void(const std::string&)> log;  // default: stderr
  // Testing aid (`--misbehave garbage`, misbehaving_executor.h): when non-zero, every result
  // goes out as a frame of this many random bytes instead of a message. 0 for honest workers.
  size_t garbage_result_bytes = 0;
  // When the worker may work (idle_policy.h); null: always. Asked every idle_check_interval_ms
  // (0: every heartbeat interval) on a thread of its own; a verdict must hold for
  // idle_hold_ms before the worker pauses or resumes (0: at once).
  std::shared_ptr<IdleSource> idle;
  int64_t idle_check_interval_ms = 0;
  int64_t idle_hold_ms = 5000;
  // How long the first request_stop() lets running units finish (see above); 0: no drain,
  // every unit goes back at once and run() returns when the running units end.
  int64_t drain_timeout_ms = 0;
};

class Worker {
 public:
  // Opens the asset cache (see WorkerOptions::cache_dir). `context` must outlive the worker;
  // executors: one per device.
  static Result<std::unique_ptr<Worker>> create(zmq::context_t& context, WorkerOptions options,
                                                std::vector<std::unique_ptr<UnitExecutor>> executors);
  // Waits for device threads that run() left running (a drain that timed out or was cut
  // short), then releases the worker.
  ~Worker();

  // Runs the session until request_stop() (and the drain it starts, if any); returns an error
  // only for a failure that makes going on pointless: the socket cannot be created, or the
  // dispatcher refused this worker's protocol version (the error says both versions).
  Status run();
  // Async-signal-safe.
  void request_stop();

  uint64_t units_completed() const { return units_completed_; }
  // Whether the worker is paused by its idle policy now.
  bool paused() const { return paused_; }
  // Leased units handed back unstarted because the worker paused or drained (or was paused
  // or draining when they came), or because the dispatcher recalled them.
  uint64_t units_handed_back() const { return units_handed_back_; }
  // Units still running when the worker left (a drain that timed out or was cut short): run()
  // returned without waiting for them.
  uint64_t units_abandoned() const { return units_abandoned_; }

 private:
  struct Shared;
  Worker(zmq::context_t& context, WorkerOptions options, std::unique_ptr<AssetCache> cache,
         std::vector<std::unique_ptr<UnitExecutor>> executors);
  void device_loop(size_t device);
  // Puts a unit's outcome in the outbox (keeping a hash-only result's bytes for a later
  // request), then wakes the socket thread or arms the batch timer. Called by the device
  // threads and by the threads that finish simulation results beside them. Returns whether
  // the device queue was empty; drops the outcome once the worker stops (the unit was handed
  // back already).
  bool post_outcome(const LeasedUnit& unit, proto::Body outcome,
                    std::chrono::steady_clock::duration unit_time);
  void wake();  // async-signal-safe
  // Wakes the socket thread after `window` (worker.cpp, batch_window): a batch of results opened.
  void arm_batch_timer(std::chrono::microseconds window);
  // One connection's lifetime: returns true when stopping, false to reconnect. Sets
  // `*heard` when any message arrived from the dispatcher during the session.
  bool session(zmq::socket_t& socket, bool* heard);
  // How long the socket thread's poll may wait, given when it last sent and last heard.
  std::chrono::milliseconds poll_timeout(std::chrono::steady_clock::time_point last_sent,
                                         std::chrono::steady_clock::time_point last_heard) const;
  proto::WorkerHello hello() const;
  // Sends the hello and queues every asset request still waiting to be asked again (a new
  // connection, or a restarted dispatcher's HelloRequired).
  void introduce(zmq::socket_t& socket);
  void hand_back_and_leave(zmq::socket_t& socket);
  // Pauses or resumes when the idle policy's state differs from the worker's (socket thread).
  void follow_idle_policy(zmq::socket_t& socket);
  // Sends a UnitReturn of `lease_ids` (none: only the flags) that says whether the worker is
  // paused and whether it drains.
  void send_pausing_return(zmq::socket_t& socket, std::vector<uint64_t> lease_ids);
  // Socket thread, on the dispatcher's LeaseRecall: takes the recalled units that have not
  // started out of the queue and hands them back (a running or finished one stays).
  void hand_back_recalled(zmq::socket_t& socket, const proto::LeaseRecall& recall);
  // Socket thread, on the first stop request with a drain timeout: takes the queued units out
  // and hands them back (draining; on `socket`, or with the next hello when there is none).
  void begin_drain(zmq::socket_t* socket);
  // Whether the drain is over: every running unit's outcome went out, or the timeout passed
  // (then the units still running are abandoned to the goodbye).
  bool drain_over();

  zmq::context_t& context_;
  std::string endpoint_;  // the dispatcher of the list this connection goes to
  WorkerOptions options_;
  std::unique_ptr<AssetCache> cache_;
  std::filesystem::path per_run_cache_dir_;  // removed on destruction when set
  std::vector<std::unique_ptr<UnitExecutor>> executors_;
  std::unique_ptr<Shared> shared_;
  int wake_fd_ = -1;  // eventfd: device threads and request_stop() wake the socket thread
  int batch_timer_fd_ = -1;  // timerfd: ends the window of a batch of results (see device_loop)
  std::atomic<bool> stop_{false};
  // The dispatcher's ErrorReply kUnsupportedVersion (formats/protocol/versions.h): run()
  // returns it as its error. Set and read on the socket thread.
  std::string refusal_;
  std::atomic<uint64_t> units_completed_{0};
  std::unique_ptr<IdleMonitor> idle_monitor_;  // set during run() with an idle policy
  std::atomic<bool> paused_{false};
  std::atomic<uint64_t> units_handed_back_{0};
  std::atomic<bool> drain_requested_{false};  // set by the first request_stop() with a drain
  std::atomic<bool> draining_{false};         // socket thread: the drain has begun
  std::chrono::steady_clock::time_point drain_until_;
  std::atomic<uint64_t> units_abandoned_{0};
  std::vector<std::thread> devices_;  // joined by run(), or by the destructor after a drain
};

}  // namespace tf
