#include "worker/worker.h"

#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>
#include <variant>

#include "formats/protocol/result_hash.h"
#include "formats/sim/initial_state.h"
#include "worker/kept_results.h"
#include "worker/misbehaving_executor.h"
#include "worker/result_batches.h"
#include "worker/sim_execution.h"

namespace tf {

using BlobPromise = std::promise<Result<std::vector<uint8_t>>>;

// State shared by the socket thread and the device threads, guarded by `mutex`.
struct Worker::Shared {
  std::mutex mutex;
  std::condition_variable work_ready;
  std::deque<LeasedUnit> queue;              // leased, not started
  std::set<uint64_t> running;                // lease ids being executed
  std::deque<proto::Body> outbox;            // results and failures to send
  std::map<Hash256, std::vector<BlobPromise>> fetches;  // blob requests awaiting replies
  std::deque<Hash256> fetches_to_send;
  KeptResults kept;  // bytes of hash-only results, for ResultBytesRequest
  SimStateCache sim_states;  // chunk states of simulation units
};

namespace {

// Results of a device that still has units queued go out together: the first result arms a
// timer instead of waking the socket thread, and the results finished meanwhile go out on that
// one wake-up (at most kResultBatchUnits wait for it). For render units the timer waits about
// kResultBatchUnitTimes units' time, from 1 ms (a GPU's units) to 100 ms (a CPU's): every
// message costs a CurveZMQ box, a frame and a decode at both ends whatever its size, and a
// render result waiting behind queued work delays nothing (its device is busy with the next
// unit; the last result of a queue goes at once). Simulation results wait 1 ms, and only from
// a device that fast: a run's next chunk depends on the verification of the last.
constexpr std::chrono::microseconds kResultBatchMinWindow{1000};
constexpr std::chrono::microseconds kResultBatchMaxWindow{100000};
constexpr int kResultBatchUnitTimes = 8;
constexpr size_t kResultBatchUnits = 256;

std::chrono::microseconds batch_window(std::chrono::steady_clock::duration unit_time) {
  return std::clamp(std::chrono::duration_cast<std::chrono::microseconds>(unit_time) *
                        kResultBatchUnitTimes,
                    kResultBatchMinWindow, kResultBatchMaxWindow);
}

uint64_t lease_of(const LeasedUnit& unit) {
  return std::visit([](const auto& spec) { return spec.lease_id; }, unit);
}

// The leases of the results and failures in an outbox, appended to `leases`.
void append_outbox_leases(const std::deque<proto::Body>& outbox, std::vector<uint64_t>* leases) {
  for (const proto::Body& body : outbox) {
    if (const auto* result = std::get_if<proto::UnitResult>(&body)) {
      leases->push_back(result->lease_id);
    } else if (const auto* failure = std::get_if<proto::UnitFailure>(&body)) {
      leases->push_back(failure->lease_id);
    }
  }
}

bool uploads_bytes(const LeasedUnit& unit) {
  return std::visit([](const auto& spec) { return spec.upload_bytes; }, unit);
}

proto::Body execute(UnitExecutor& executor, AssetCache& cache, const AssetCache::FetchFn& fetch,
                    const proto::RenderUnitSpec& spec) {
  auto failure = [&](const std::string& message) -> proto::Body {
    return proto::UnitFailure{spec.lease_id, spec.unit_id, message};
  };
  {
    // The pin keeps the bundle's files in place while the executor reads them; the loaded
    // scene no longer needs them.
    Result<PinnedBundle> bundle = cache.bundle_dir(spec.bundle, fetch);
    if (!bundle) return failure(bundle.message());
    if (Status s = executor.load_scene(bundle->path() / spec.scene_path, spec.lenient); !s) {
      return failure("cannot load " + spec.scene_path + ": " + s.message());
    }
  }
  const RenderUnit unit{spec.frame, spec.x0, spec.y0, spec.x1, spec.y1, spec.s0, spec.s1};
  TileResult tile;
  if (Status s = executor.render(unit, &tile); !s) return failure(s.message());
  if (tile.width != unit.width() || tile.height != unit.height() ||
      tile.rgb.size() != size_t{unit.width()} * unit.height() * 3) {
    return failure("the " + executor.device().backend + " backend returned a tile of the wrong size");
  }
  proto::UnitResult result;
  result.lease_id = spec.lease_id;
  result.unit_id = spec.unit_id;
  result.kernel_version = executor.kernel_version();
  result.width = tile.width;
  result.height = tile.height;
  result.rays = tile.rays;
  result.result_hash = proto::result_hash(tile.rgb, tile.rays);
  result.rgb = std::move(tile.rgb);
  return result;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "worker";
  return name;
}

}  // namespace

Result<std::unique_ptr<Worker>> Worker::create(
    zmq::context_t& context, WorkerOptions options,
    std::vector<std::unique_ptr<UnitExecutor>> executors) {
  if (executors.empty()) return Error{"a worker needs at least one device"};
  // A worker without a key or a chosen routing id has a new identity on every run, so its
  // default cache folder lives only as long as the worker.
  const bool per_run_identity = !options.transport.curve && options.transport.routing_id.empty();
  if (options.transport.routing_id.empty()) {
    options.transport.routing_id = proto::random_routing_id("w-");
  }
  std::filesystem::path per_run_cache_dir;
  if (options.cache_dir.empty()) {
    Result<std::filesystem::path> dir = default_worker_cache_dir(
        options.transport.curve ? options.transport.curve->public_key : options.transport.routing_id);
    if (!dir) return Error{dir.message()};
    options.cache_dir = dir.value();
    if (per_run_identity) per_run_cache_dir = dir.value();
  }
  Result<std::unique_ptr<AssetCache>> cache = AssetCache::open(options.cache_dir, options.cache_bytes);
  if (!cache) return Error{cache.message()};
  std::unique_ptr<Worker> worker(
      new Worker(context, std::move(options), std::move(cache.value()), std::move(executors)));
  worker->per_run_cache_dir_ = std::move(per_run_cache_dir);
  if (worker->wake_fd_ < 0) return Error{"cannot create an eventfd for the worker"};
  if (worker->batch_timer_fd_ < 0) return Error{"cannot create a timerfd for the worker"};
  return worker;
}

Worker::Worker(zmq::context_t& context, WorkerOptions options, std::unique_ptr<AssetCache> cache,
               std::vector<std::unique_ptr<UnitExecutor>> executors)
    : context_(context),
      options_(std::move(options)),
      cache_(std::move(cache)),
      executors_(std::move(executors)),
      shared_(std::make_unique<Shared>()),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      batch_timer_fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (options_.name.empty()) options_.name = host_name();
  options_.transport.reconnect_ivl_ms = static_cast<int>(options_.reconnect_initial_ms);
  options_.transport.reconnect_ivl_max_ms = static_cast<int>(options_.reconnect_max_ms);
  if (!options_.log) {
    options_.log = [](const std::string& line) { std::fprintf(stderr, "worker: %s\n", line.c_str()); };
  }
}

Worker::~Worker() {
  stop_ = true;
  shared_->work_ready.notify_all();
  for (std::thread& t : devices_) {
    if (t.joinable()) t.join();
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (batch_timer_fd_ >= 0) ::close(batch_timer_fd_);
  if (!per_run_cache_dir_.empty()) {
    cache_.reset();
    std::error_code ec;
    std::filesystem::remove_all(per_run_cache_dir_, ec);
  }
}

void Worker::wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Worker::arm_batch_timer(std::chrono::microseconds window) {
  itimerspec when{};
  when.it_value.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(window).count();
  when.it_value.tv_nsec = std::chrono::nanoseconds(window % std::chrono::seconds(1)).count();
  ::timerfd_settime(batch_timer_fd_, 0, &when, nullptr);
}

void Worker::request_stop() {
  // The first request with a drain timeout drains (the socket thread begins it); any other
  // stops at once. Lock-free atomics and an eventfd write: async-signal-safe.
  if (options_.drain_timeout_ms > 0 && !drain_requested_.exchange(true)) {
    wake();
    return;
  }
  stop_ = true;
  wake();
}

void Worker::device_loop(size_t device) {
  Shared& sh = *shared_;
  const AssetCache::FetchFn fetch = [this, &sh](const Hash256& hash) -> Result<std::vector<uint8_t>> {
    std::future<Result<std::vector<uint8_t>>> reply;
    {
      std::lock_guard<std::mutex> lock(sh.mutex);
      std::vector<BlobPromise>& waiting = sh.fetches[hash];
      if (waiting.empty()) sh.fetches_to_send.push_back(hash);
      waiting.emplace_back();
      reply = waiting.back().get_future();
    }
    wake();
    if (reply.wait_for(std::chrono::milliseconds(options_.blob_fetch_timeout_ms)) !=
        std::future_status::ready) {
      // The request may have died with a dispatcher; the next fetch of this hash would only
      // wait on it again, so ask anew.
      {
        std::lock_guard<std::mutex> lock(sh.mutex);
        sh.fetches_to_send.push_back(hash);
      }
      wake();
      return Error{"the dispatcher did not send asset " + hash.to_hex() + " in time"};
    }
    return reply.get();
  };
  // Simulation results whose hashes finish beside the device's next units (execute_sim_unit
  // with a `deliver`): at most one per core at once, and all waited for before the loop's end.
  std::deque<std::future<void>> finishing;
  const size_t max_finishing = std::max(1U, std::thread::hardware_concurrency());
  for (;;) {
    LeasedUnit unit;
    bool more_queued = false;
    {
      std::unique_lock<std::mutex> lock(sh.mutex);
      sh.work_ready.wait(lock, [&] { return stop_ || !sh.queue.empty(); });
      if (stop_) return;
      unit = std::move(sh.queue.front());
      sh.queue.pop_front();
      sh.running.insert(lease_of(unit));
      more_queued = !sh.queue.empty();
    }
    while (!finishing.empty() &&
           finishing.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      finishing.pop_front();
    }
    const auto started_at = std::chrono::steady_clock::now();
    const auto* sim = std::get_if<proto::SimUnitSpec>(&unit);
    proto::Body outcome;
    if (sim != nullptr) {
      std::function<void(proto::Body)> deliver;
      if (more_queued) {
        deliver = [this, unit, started_at](proto::Body later) {
          post_outcome(unit, std::move(later), std::chrono::steady_clock::now() - started_at);
        };
      }
      SimOutcome sim_outcome =
          start_sim_unit(*executors_[device], sh.sim_states, fetch, *sim, std::move(deliver));
      if (auto* later = std::get_if<std::future<void>>(&sim_outcome)) {
        finishing.push_back(std::move(*later));
        while (finishing.size() > max_finishing) {
          finishing.front().wait();
          finishing.pop_front();
        }
        continue;
      }
      outcome = std::move(std::get<proto::Body>(sim_outcome));
    } else {
      outcome = execute(*executors_[device], *cache_, fetch, std::get<proto::RenderUnitSpec>(unit));
    }
    const std::optional<Hash256> result_hash =
        std::holds_alternative<proto::UnitResult>(outcome)
            ? std::optional<Hash256>(std::get<proto::UnitResult>(outcome).result_hash)
            : std::nullopt;
    const bool idle =
        post_outcome(unit, std::move(outcome), std::chrono::steady_clock::now() - started_at);
    if (stop_) return;
    // Nothing else to do: the run's next chunks, while the dispatcher verifies this one.
    if (idle && !paused_ && !drain_requested_ && sim != nullptr && result_hash) {
      auto still_idle = [&] {
        std::lock_guard<std::mutex> lock(sh.mutex);
        return sh.queue.empty() && !stop_ && !paused_ && !drain_requested_;
      };
      (void)compute_ahead(*executors_[device], sh.sim_states, *sim, *result_hash, still_idle);
    }
  }
}

bool Worker::post_outcome(const LeasedUnit& unit, proto::Body outcome,
                          std::chrono::steady_clock::duration unit_time) {
  Shared& sh = *shared_;
  const auto* sim = std::get_if<proto::SimUnitSpec>(&unit);
  const bool completed = std::holds_alternative<proto::UnitResult>(outcome);
  bool first_in_outbox = false;
  bool idle = false;
  size_t outbox_size = 0;
  {
    std::lock_guard<std::mutex> lock(sh.mutex);
    sh.running.erase(lease_of(unit));
    if (stop_) return false;  // the unit was handed back already
    // Bytes of a hash-only result are kept for a ResultBytesRequest, unless none can come.
    const bool bytes_wanted_later = sim == nullptr || !sim->by_hash_alone;
    if (auto* result = std::get_if<proto::UnitResult>(&outcome);
        result && !uploads_bytes(unit) && bytes_wanted_later) {
      size_t bytes = 0;
      std::function<std::vector<float>()> output;
      if (result->simulation && result->rgb.empty()) {
        output = kept_sim_output(sh.sim_states, result->result_hash, &bytes);
      }
      outcome = sh.kept.keep(std::move(*result), std::move(output), bytes);
    }
    // The socket thread takes the whole outbox at once: only the outcome that finds it empty
    // needs to wake it or arm the batch timer (an earlier one's is still pending otherwise).
    first_in_outbox = sh.outbox.empty();
    sh.outbox.push_back(std::move(outcome));
    outbox_size = sh.outbox.size();
    idle = sh.queue.empty();
  }
  if (completed) ++units_completed_;
  // More results come within the window: they go out together. A simulation chunk's result
  // waits only as long as a GPU-fast unit's (its run's next chunk waits for its verification).
  // The result that empties the queue takes the open batch with it at once: nothing follows
  // it (a CPU's open batch would otherwise hold a job's last results for up to 100 ms).
  const bool batched = completed && !idle && (sim == nullptr || unit_time < kResultBatchMinWindow);
  if (first_in_outbox && batched) {
    arm_batch_timer(sim == nullptr ? batch_window(unit_time) : kResultBatchMinWindow);
  } else if (first_in_outbox || outbox_size == kResultBatchUnits || idle) {
    wake();
  }
  return idle;
}

proto::WorkerHello Worker::hello() const {
  proto::WorkerHello hello;
  hello.worker_name = options_.name;
  hello.tree_hashes = true;
  hello.initial_states = sim::kInitialStateRecipe;
  for (const auto& e : executors_) {
    const DeviceInfo& d = e->device();
    hello.devices.push_back({d.backend, d.index, d.name, d.memory_bytes, d.compute_units,
                             e->kernel_version(), options_.units_per_device,
                             {e->kernel_version()}});  // an executor runs one version today
  }
  std::lock_guard<std::mutex> lock(shared_->mutex);
  for (const LeasedUnit& unit : shared_->queue) hello.held_leases.push_back(lease_of(unit));
  hello.held_leases.insert(hello.held_leases.end(), shared_->running.begin(), shared_->running.end());
  append_outbox_leases(shared_->outbox, &hello.held_leases);
  return hello;
}

void Worker::hand_back_and_leave(zmq::socket_t& socket) {
  proto::UnitReturn back;
  back.leaving = true;
  std::deque<proto::Body> finished;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    for (const LeasedUnit& unit : shared_->queue) back.lease_ids.push_back(lease_of(unit));
    back.lease_ids.insert(back.lease_ids.end(), shared_->running.begin(), shared_->running.end());
    shared_->queue.clear();
    // A drain sends what finished before the goodbye; run() leaves the running units behind.
    // A stop hands back the units of results still waiting for their batch, as unfinished.
    if (draining_) {
      finished.swap(shared_->outbox);
      units_abandoned_ += shared_->running.size();
    } else {
      append_outbox_leases(shared_->outbox, &back.lease_ids);
    }
    shared_->outbox.clear();
  }
  for (proto::Body& body : finished) proto::send_envelope(socket, std::nullopt, {0, std::move(body)});
  proto::send_envelope(socket, std::nullopt, {0, back});
  // Linger stays bounded (it is 0 otherwise): long enough for the goodbye to leave.
  socket.set(zmq::sockopt::linger, 500);
}

void Worker::send_pausing_return(zmq::socket_t& socket, std::vector<uint64_t> lease_ids) {
  units_handed_back_ += lease_ids.size();
  proto::UnitReturn back;
  back.lease_ids = std::move(lease_ids);
  back.pausing = paused_;
  back.draining = draining_;
  proto::send_envelope(socket, std::nullopt, {0, std::move(back)});
}

void Worker::hand_back_recalled(zmq::socket_t& socket, const proto::LeaseRecall& recall) {
  const std::unordered_set<uint64_t> wanted(recall.lease_ids.begin(), recall.lease_ids.end());
  std::vector<uint64_t> taken;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    std::erase_if(shared_->queue, [&](const LeasedUnit& unit) {
      const uint64_t lease = lease_of(unit);
      if (wanted.count(lease) == 0) return false;
      taken.push_back(lease);
      return true;
    });
  }
  if (!taken.empty()) send_pausing_return(socket, std::move(taken));
}

void Worker::begin_drain(zmq::socket_t* socket) {
  draining_ = true;
  drain_until_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.drain_timeout_ms);
  std::vector<uint64_t> queued;
  size_t running = 0;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    for (const LeasedUnit& unit : shared_->queue) queued.push_back(lease_of(unit));
    shared_->queue.clear();
    running = shared_->running.size();
  }
  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%g", static_cast<double>(options_.drain_timeout_ms) / 1000);
  options_.log("draining: " + std::to_string(running) + " running unit" + (running == 1 ? "" : "s") +
               ", up to " + timeout + " s (" + std::to_string(queued.size()) +
               " queued units handed back; a second stop request leaves at once)");
  if (socket != nullptr) {
    send_pausing_return(*socket, std::move(queued));
  } else {
    units_handed_back_ += queued.size();  // the next hello holds none of them
  }
}

bool Worker::drain_over() {
  size_t running = 0;
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    running = shared_->running.size();
    done = running == 0 && shared_->queue.empty() && shared_->outbox.empty();
  }
  if (done) {
    options_.log("drained: every running unit finished; leaving");
    return true;
  }
  if (std::chrono::steady_clock::now() < drain_until_) return false;
  options_.log("drain timed out: " + std::to_string(running) + " running unit" +
               (running == 1 ? "" : "s") + " handed back; leaving");
  return true;
}

void Worker::follow_idle_policy(zmq::socket_t& socket) {
  const bool may_work = idle_monitor_->may_work();
  if (may_work != paused_) return;  // the worker does what the policy says already
  if (may_work) {
    paused_ = false;
    options_.log("resuming: " + idle_monitor_->reason());
    introduce(socket);  // the hello that restores this worker at the dispatcher
    return;
  }
  paused_ = true;
  std::vector<uint64_t> queued;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    for (const LeasedUnit& unit : shared_->queue) queued.push_back(lease_of(unit));
    shared_->queue.clear();
  }
  options_.log("pausing: " + idle_monitor_->reason() + " (" + std::to_string(queued.size()) +
               " queued units handed back; running units finish)");
  send_pausing_return(socket, std::move(queued));
}

void Worker::introduce(zmq::socket_t& socket) {
  proto::send_envelope(socket, std::nullopt, {0, hello()});
  // The hello restores a paused worker at the dispatcher: a paused or draining one says so
  // right after.
  if (paused_ || draining_) send_pausing_return(socket, {});
  // Blob requests sent before may have died with a connection or a dispatcher: asked again
  // after the hello, so that the dispatcher answers them.
  std::lock_guard<std::mutex> lock(shared_->mutex);
  shared_->fetches_to_send.clear();
  for (const auto& [hash, waiting] : shared_->fetches) shared_->fetches_to_send.push_back(hash);
}

std::chrono::milliseconds Worker::poll_timeout(std::chrono::steady_clock::time_point last_sent,
                                               std::chrono::steady_clock::time_point last_heard) const {
  // The socket thread wakes for messages, its eventfd and its batch timer; on its own only when
  // a heartbeat or the liveness check falls due, so that hundreds of busy workers on one host
  // do not wake for nothing. The idle policy and a drain's deadline are checked on every wake:
  // with either, it also wakes four times a heartbeat.
  const auto interval = std::chrono::milliseconds(options_.heartbeat_interval_ms);
  auto next = std::min(last_sent + interval, last_heard + interval * options_.liveness);
  if (idle_monitor_ || draining_) next = std::min(next, std::chrono::steady_clock::now() + interval / 4);
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - std::chrono::steady_clock::now());
  return std::clamp(wait, std::chrono::milliseconds(1), interval);
}

bool Worker::session(zmq::socket_t& socket, bool* heard) {
  Shared& sh = *shared_;
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(options_.heartbeat_interval_ms);
  auto last_heard = Clock::now();
  auto last_sent = Clock::now();
  // The version the dispatcher last answered in on this connection (0: not heard yet; a new
  // connection may lead to another dispatcher); results go in batches (result_batches.h) only
  // from kResultBatchVersion on.
  uint32_t dispatcher_version = 0;
  introduce(socket);
  for (;;) {
    zmq::pollitem_t items[] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                               {nullptr, wake_fd_, ZMQ_POLLIN, 0},
                               {nullptr, batch_timer_fd_, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 3, poll_timeout(last_sent, last_heard));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) options_.log(std::string("poll failed: ") + e.what());
    }
    if (items[1].revents & ZMQ_POLLIN) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
    }
    if (items[2].revents & ZMQ_POLLIN) {
      uint64_t expirations = 0;
      [[maybe_unused]] ssize_t n = ::read(batch_timer_fd_, &expirations, sizeof expirations);
    }
    if (stop_) {
      hand_back_and_leave(socket);
      return true;
    }
    if (drain_requested_ && !draining_) begin_drain(&socket);
    if (idle_monitor_ && !draining_) follow_idle_policy(socket);
    for (;;) {
      Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(socket, false);
      if (!raw) {
        options_.log("dropped a message: " + raw.message());
        continue;
      }
      if (!raw.value()) break;
      if (!raw.value()->rejected.empty()) {
        options_.log("dropped a message: " + raw.value()->rejected);
        continue;
      }
      Result<proto::Envelope> msg =
          proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kDispatcher));
      if (!msg) {
        options_.log("rejected a message from the dispatcher: " + msg.message());
        continue;
      }
      if (const auto* error = std::get_if<proto::ErrorReply>(&msg->body);
          error != nullptr && error->code == proto::ErrorCode::kUnsupportedVersion) {
        // No release of ours can talk with this dispatcher: retrying would be silence.
        options_.log("the dispatcher refused this worker: " + error->message);
        refusal_ = error->message;
        stop_ = true;
        return true;
      }
      last_heard = Clock::now();
      *heard = true;
      dispatcher_version = msg->protocol_version;
      if (auto* grant = std::get_if<proto::LeaseGrant>(&msg->body);
          grant && (paused_ || draining_)) {
        // Granted before the dispatcher read our pause or drain: back at once, unstarted.
        std::vector<uint64_t> leases;
        for (const proto::RenderUnitSpec& spec : grant->units) leases.push_back(spec.lease_id);
        for (const proto::SimUnitSpec& spec : grant->sim_units) leases.push_back(spec.lease_id);
        send_pausing_return(socket, std::move(leases));
      } else if (grant != nullptr) {
        std::lock_guard<std::mutex> lock(sh.mutex);
        for (proto::RenderUnitSpec& spec : grant->units) sh.queue.push_back(std::move(spec));
        for (proto::SimUnitSpec& spec : grant->sim_units) sh.queue.push_back(std::move(spec));
        sh.work_ready.notify_all();
      } else if (const auto* recall = std::get_if<proto::LeaseRecall>(&msg->body)) {
        hand_back_recalled(socket, *recall);
      } else if (auto* blob = std::get_if<proto::BlobReply>(&msg->body)) {
        std::vector<BlobPromise> waiting;
        {
          std::lock_guard<std::mutex> lock(sh.mutex);
          auto it = sh.fetches.find(blob->hash);
          if (it == sh.fetches.end()) continue;
          waiting = std::move(it->second);
          sh.fetches.erase(it);
        }
        for (BlobPromise& p : waiting) {
          if (blob->found) {
            p.set_value(blob->bytes);
          } else {
            p.set_value(Error{"the dispatcher does not have asset " + blob->hash.to_hex()});
          }
        }
      } else if (const auto* wanted = std::get_if<proto::ResultBytesRequest>(&msg->body)) {
        std::lock_guard<std::mutex> lock(sh.mutex);
        if (std::optional<proto::UnitResult> kept = sh.kept.full(wanted->lease_id)) {
          sh.outbox.push_back(std::move(*kept));
        }
      } else if (std::holds_alternative<proto::HelloRequired>(msg->body)) {
        // A dispatcher that does not know us restarted while this socket reconnected
        // underneath: as on a new connection.
        introduce(socket);
      }
    }
    std::deque<proto::Body> outgoing;
    std::deque<Hash256> fetches;
    {
      std::lock_guard<std::mutex> lock(sh.mutex);
      outgoing.swap(sh.outbox);
      fetches.swap(sh.fetches_to_send);
    }
    // Batches only to a dispatcher heard answering in a version that reads them; the hostile
    // test option sends each result as a garbage frame of its own.
    if (dispatcher_version >= proto::kResultBatchVersion && options_.garbage_result_bytes == 0) {
      outgoing = pack_results(std::move(outgoing));
    }
    for (proto::Body& body : outgoing) {
      if (options_.garbage_result_bytes > 0 && std::holds_alternative<proto::UnitResult>(body)) {
        send_garbage_frame(socket, options_.garbage_result_bytes);
      } else {
        proto::send_envelope(socket, std::nullopt, {0, std::move(body)});
      }
      last_sent = Clock::now();
    }
    for (const Hash256& h : fetches) proto::send_envelope(socket, std::nullopt, {0, proto::BlobRequest{h}});
    if (Clock::now() - last_sent >= interval) {
      proto::send_envelope(socket, std::nullopt, {0, proto::WorkerHeartbeat{}});
      last_sent = Clock::now();
    }
    if (draining_ && drain_over()) {
      hand_back_and_leave(socket);
      return true;
    }
    if (Clock::now() - last_heard > interval * options_.liveness) {
      options_.log("no word from the dispatcher at " + endpoint_ + " for " +
                   std::to_string(options_.liveness) + " heartbeats: reconnecting" +
                   (options_.transport.curve && !*heard
                        ? " (if this goes on: is --server-key the dispatcher's public key, and "
                          "does the dispatcher accept this worker's key?)"
                        : ""));
      return false;
    }
  }
}

Status Worker::run() {
  if (options_.idle) {
    idle_monitor_ = std::make_unique<IdleMonitor>(
        options_.idle,
        options_.idle_check_interval_ms > 0 ? options_.idle_check_interval_ms
                                            : options_.heartbeat_interval_ms,
        options_.idle_hold_ms, [this] { wake(); });
    idle_monitor_->start();
    paused_ = !idle_monitor_->may_work();
    if (paused_) options_.log("starting paused: " + idle_monitor_->reason());
  }
  for (size_t i = 0; i < executors_.size(); ++i) devices_.emplace_back([this, i] { device_loop(i); });
  Status status;
  int64_t backoff_ms = options_.reconnect_initial_ms;
  const std::vector<std::string> endpoints = proto::split_endpoints(options_.dispatcher_endpoint);
  if (endpoints.empty()) {
    status = Error{"no dispatcher endpoint given"};
    stop_ = true;
  }
  for (size_t next = 0; !stop_;) {
    endpoint_ = endpoints.at(next);
    try {
      zmq::socket_t socket(context_, zmq::socket_type::dealer);
      proto::configure_socket(socket, options_.transport);
      socket.connect(endpoint_);
      bool heard = false;
      if (session(socket, &heard)) break;
      if (heard) backoff_ms = options_.reconnect_initial_ms;  // the link worked until now
    } catch (const zmq::error_t& e) {
      status = Error{"cannot connect to the dispatcher at " + endpoint_ + ": " + e.what()};
      break;
    }
    // The next dispatcher of the list (an active one takes over from a lost one) after the
    // first backoff step; once the whole list was tried, a backoff doubling to 32 s. Both cut
    // short by request_stop().
    next = (next + 1) % endpoints.size();
    const int64_t pause_ms = next == 0 ? backoff_ms : options_.reconnect_initial_ms;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pause_ms);
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      // A drain without a connection: results wait for the next one, until the timeout; with
      // nothing running and nothing to send there is nothing to wait for.
      if (drain_requested_ && !draining_) begin_drain(nullptr);
      if (draining_) {
        std::lock_guard<std::mutex> lock(shared_->mutex);
        const bool nothing_left = shared_->running.empty() && shared_->outbox.empty();
        if (nothing_left || std::chrono::steady_clock::now() >= drain_until_) {
          options_.log(nothing_left ? "drained without a connection to the dispatcher: leaving"
                                    : "drain timed out without a connection to the dispatcher: "
                                      "leaving");
          units_abandoned_ += shared_->running.size();
          stop_ = true;
          break;
        }
      }
      zmq::pollitem_t item{nullptr, wake_fd_, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, std::chrono::milliseconds(100));
      } catch (const zmq::error_t&) {
        // EINTR: a signal; the loop condition decides.
      }
      uint64_t count = 0;
      [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
    }
    if (next == 0) backoff_ms = std::min(backoff_ms * 2, options_.reconnect_max_ms);
  }
  stop_ = true;
  shared_->work_ready.notify_all();
  // A unit still running when a drain ended was handed back: the destructor waits for it.
  if (units_abandoned_ == 0) {
    for (std::thread& t : devices_) t.join();
  }
  if (idle_monitor_) idle_monitor_->stop();
  if (!refusal_.empty()) return Error{"the dispatcher refused this worker: " + refusal_};
  return status;
}

}  // namespace tf
