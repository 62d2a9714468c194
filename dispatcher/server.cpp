#include "dispatcher/server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>

namespace tf {
namespace {

constexpr char kZapDomain[] = "tilefarm";
constexpr size_t kMaxTrackedKeys = 4096;  // per log window; beyond it, lines are dropped
// Lines about one key per log window; a mute's own line comes on top (at most one per window
// while the cool-down is at least a window), so a key never gets more than 5 lines a window.
constexpr int kLinesPerKey = 4;

void log_to_stderr(const std::string& line) { std::fprintf(stderr, "dispatcher: %s\n", line.c_str()); }

}  // namespace

PeerLogLimiter::PeerLogLimiter(std::function<void(const std::string&)> sink, int per_key, int total,
                               int64_t window_ms)
    : sink_(std::move(sink)), per_key_(per_key), total_(total), window_ms_(window_ms) {}

void PeerLogLimiter::log(const std::string& key, const std::string& line, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (now_ms - window_start_ms_ >= window_ms_) roll_window(now_ms);
  auto it = per_key_count_.find(key);
  if (it == per_key_count_.end() && per_key_count_.size() < kMaxTrackedKeys) {
    it = per_key_count_.emplace(key, 0).first;
  }
  if (it == per_key_count_.end() || it->second >= per_key_ || written_ >= total_) {
    ++dropped_;
    return;
  }
  ++it->second;
  ++written_;
  sink_(line);
}

void PeerLogLimiter::roll_window(int64_t now_ms) {
  if (dropped_ > 0) {
    sink_("suppressed " + std::to_string(dropped_) + " more lines about misbehaving peers (at most " +
          std::to_string(per_key_) + " per key every " + std::to_string(window_ms_ / 1000) + " s)");
  }
  window_start_ms_ = now_ms;
  written_ = 0;
  dropped_ = 0;
  per_key_count_.clear();
}

DispatcherServer::DispatcherServer(DispatcherServerOptions options,
                                   std::unique_ptr<DispatcherCore> core)
    : options_(std::move(options)),
      muted_(std::make_shared<MutedKeys>()),
      rejections_(options_.flood),
      core_(std::move(core)) {
  if (!options_.log) options_.log = log_to_stderr;
  access_ = std::make_shared<const AccessPolicy>(options_.security.access);
  peer_log_ = std::make_shared<PeerLogLimiter>(options_.log, kLinesPerKey);
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

DispatcherServer::~DispatcherServer() {
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void DispatcherServer::request_stop() {
  stop_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
}

Result<std::unique_ptr<DispatcherServer>> DispatcherServer::start(
    zmq::context_t& context, DispatcherServerOptions options) {
  const bool tcp = proto::needs_curve(options.endpoint);
  const bool curve = tcp && !options.security.insecure;
  if (curve && !options.security.keypair) {
    return Error{"listening on " + options.endpoint +
                 " needs the dispatcher's CurveZMQ keypair (or an explicit insecure mode for plain tcp)"};
  }
  // The loop never waits for image encoding (frame_encoder.h: it polls the encoder's fd), and
  // signs credit entries once per commit (ledger.h: signed chain heads).
  options.core.work_in_background = true;
  if (curve) options.core.transport_public_key = options.security.keypair->public_key;
  Result<std::unique_ptr<DispatcherCore>> core =
      DispatcherCore::open(options.core, proto::now_ms());
  if (!core) return Error{core.message()};
  std::unique_ptr<DispatcherServer> server(
      new DispatcherServer(std::move(options), std::move(core.value())));
  DispatcherServerOptions& opts = server->options_;
  if (tcp && !curve) {
    opts.log("WARNING: plain tcp on " + opts.endpoint +
             " (insecure): traffic is neither encrypted nor authenticated, and anyone who can "
             "reach this port can submit jobs, read outputs and pose as any worker. Use it for "
             "local experiments only.");
  }
  if (curve) {
    std::shared_ptr<PeerLogLimiter> peer_log = server->peer_log_;
    Result<std::unique_ptr<ZapHandler>> zap = ZapHandler::start(
        context, kZapDomain, server->access_, server->muted_,
        [peer_log](const std::string& key, const std::string& reason) {
          peer_log->log(key, reason + " (key " + key + ")", proto::now_ms());
        });
    if (!zap) return Error{zap.message()};
    server->zap_ = std::move(zap.value());
    const proto::CurveKeypair& keys = *opts.security.keypair;
    opts.transport.curve = proto::CurveOptions{keys.public_key, keys.secret_key, "", kZapDomain};
  } else {
    opts.transport.curve.reset();
  }
  server->socket_.emplace(context, zmq::socket_type::router);
  try {
    proto::configure_socket(*server->socket_, opts.transport);
    server->socket_->bind(opts.endpoint);
    server->endpoint_ = server->socket_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Error{"cannot listen on " + opts.endpoint + ": " + e.what()};
  }
  return server;
}

SecurityStats DispatcherServer::security_stats() const {
  return {handled_, rejected_, muted_messages_, mutes_, zap_ ? zap_->handshakes_refused() : 0};
}

void DispatcherServer::reject(const proto::RawMessage& raw, const std::string& reason,
                              const Clocks& now) {
  ++rejected_;
  peer_log_->log(raw.peer_key, "rejected a message from key " + raw.peer_key + ": " + reason, now.wall_ms);
  if (rejections_.add(raw.peer_key, reason, now.steady_ms)) mute(raw.peer_key, now.steady_ms);
}

void DispatcherServer::mute(const std::string& key, int64_t steady_ms) {
  const FloodLimits& limits = options_.flood;
  muted_->mute(key, steady_ms, limits.mute_ms);
  ++mutes_;
  options_.log("muted key " + key + " for " + std::to_string(limits.mute_ms / 1000) +
               " s: more than " + std::to_string(limits.max_rejections) +
               " of its messages were rejected within " + std::to_string(limits.window_ms / 1000) +
               " s; until then its messages are dropped unread and its new connections refused");
}

void DispatcherServer::report_rejections(int64_t steady_ms) {
  for (const RejectionTally::Window& w : rejections_.take_ended(steady_ms)) {
    core_->record_malformed(w.key, w.first_reason, w.count);
  }
}

std::optional<proto::Envelope> DispatcherServer::admit(const proto::RawMessage& raw, const Clocks& now,
                                                       std::vector<Outgoing>* out) {
  if (muted_->is_muted(raw.peer_key, now.steady_ms)) {
    ++rejected_;
    ++muted_messages_;
    return std::nullopt;
  }
  if (!raw.rejected.empty()) {
    reject(raw, raw.rejected, now);
    return std::nullopt;
  }
  Result<proto::Envelope> envelope = proto::decode_message(
      raw.payload(), proto::roles(proto::Role::kWorker, proto::Role::kClient));
  if (!envelope) {
    reject(raw, envelope.message(), now);
    return std::nullopt;
  }
  if (!agree_version(raw, envelope.value(), now)) return std::nullopt;
  if (zap_) {
    const bool client_kind = proto::sender_role(envelope->body) == proto::Role::kClient;
    const bool allowed = client_kind ? access_->is_client(raw.peer_key) : access_->is_worker(raw.peer_key);
    if (!allowed) {
      const std::string kind = proto::kind_name(envelope->body);
      const std::string refusal =
          client_kind ? "key " + raw.peer_key + " may not send " + kind +
                            ": it is not on this dispatcher's client allow list (its operator "
                            "adds your client.pub to the --client-allow file)"
                      : "key " + raw.peer_key + " may not send " + kind +
                            ": it is not enrolled as a worker on this dispatcher";
      reject(raw, "out of role: " + kind, now);
      out->push_back({raw.peer, {envelope->request_id,
                                 proto::ErrorReply{proto::ErrorCode::kBadRequest, refusal}}});
      return std::nullopt;
    }
  }
  ++handled_;
  return std::move(envelope.value());
}

bool DispatcherServer::agree_version(const proto::RawMessage& raw, const proto::Envelope& envelope,
                                     const Clocks& now) {
  const proto::ProtocolRange peer = proto::range_of(envelope);
  const std::optional<uint32_t> common = proto::common_version(proto::kDispatcherProtocols, peer);
  if (!common) {
    // An old or new peer is not malformed: no reputation, no mute; a refusal it can read
    // (headed by its own version number: an ErrorReply's layout never changes).
    ++rejected_;
    const std::string refusal = proto::version_refusal(proto::kDispatcherProtocols, peer);
    peer_log_->log(raw.peer_key, "refused key " + raw.peer_key + ": " + refusal, now.wall_ms);
    proto::Envelope reply{envelope.request_id,
                          proto::ErrorReply{proto::ErrorCode::kUnsupportedVersion, refusal}};
    reply.protocol_version = peer.max;
    reply.protocol_min = peer.min;
    (void)proto::send_envelope(*socket_, raw.peer, reply);
    return false;
  }
  if (*common == proto::kProtocolVersion) {
    peer_versions_.erase(raw.peer);
  } else {
    if (peer_versions_.size() >= kMaxOlderPeers) peer_versions_.clear();
    peer_versions_[raw.peer] = *common;
  }
  return true;
}

void DispatcherServer::send(Outgoing& outgoing) {
  auto older = peer_versions_.find(outgoing.peer);
  outgoing.envelope.protocol_version =
      older == peer_versions_.end() ? proto::kProtocolVersion : older->second;
  // A worker of an earlier release could not read a recall: it keeps the leases and runs them.
  if (outgoing.envelope.protocol_version < proto::kLeaseRecallVersion &&
      std::holds_alternative<proto::LeaseRecall>(outgoing.envelope.body)) {
    return;
  }
  outgoing.envelope.protocol_min = proto::kDispatcherProtocols.min;
  (void)proto::send_envelope(*socket_, outgoing.peer, outgoing.envelope);
}

void DispatcherServer::publish_view(int64_t steady_ms) {
  if (!options_.core.board || steady_ms - last_view_ms_ < options_.view_interval_ms) return;
  last_view_ms_ = steady_ms;
  std::shared_ptr<FarmView> view = core_->view(proto::now_ms());
  const SecurityStats security = security_stats();
  view->messages_rejected = security.messages_rejected;
  view->handshakes_refused = security.handshakes_refused;
  options_.core.board->publish(std::move(view));
}

Status DispatcherServer::run() {
  const long poll_ms = std::max<long>(10, static_cast<long>(options_.core.heartbeat_interval_ms / 4));
  std::vector<Outgoing> out;
  while (!stop_) {
    // The core's wake-up fd last: it is -1 when the core encodes in the foreground.
    zmq::pollitem_t items[] = {{static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0},
                               {nullptr, stop_fd_, ZMQ_POLLIN, 0},
                               {nullptr, core_->wake_fd(), ZMQ_POLLIN, 0}};
    try {
      // Grants left for the next tick go without waiting (DispatcherCore::dispatch_pending),
      // and a status request held for its job's end is answered when its wait is over.
      long wait_ms = core_->dispatch_pending() ? 0 : poll_ms;
      if (const std::optional<int64_t> due = core_->next_status_due_ms()) {
        wait_ms = std::clamp<long>(static_cast<long>(*due - proto::now_ms()), 0, wait_ms);
      }
      zmq::poll(items, core_->wake_fd() >= 0 ? 3 : 2, std::chrono::milliseconds(wait_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Error{std::string("poll failed: ") + e.what()};
    }
    const Clocks clocks{proto::now_ms(), steady_now_ms()};
    const int64_t now = clocks.wall_ms;
    report_rejections(clocks.steady_ms);
    for (size_t n = 0; n < options_.max_messages_per_iteration; ++n) {
      Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(*socket_, true);
      if (!raw) {
        options_.log(raw.message());
        break;
      }
      if (!raw.value()) break;
      std::optional<proto::Envelope> envelope = admit(*raw.value(), clocks, &out);
      if (!envelope) continue;
      if (Status s = core_->handle(raw.value()->peer, raw.value()->peer_key, *envelope, now, &out); !s) {
        return s;
      }
    }
    if (Status s = core_->tick(now, &out); !s) return s;
    if (Status s = core_->commit(); !s) return s;
    publish_view(clocks.steady_ms);
    for (Outgoing& o : out) send(o);
    out.clear();
  }
  report_rejections(std::numeric_limits<int64_t>::max());
  return core_->commit();
}

}  // namespace tf
