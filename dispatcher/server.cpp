#include "dispatcher/server.h"

#include <algorithm>
#include <cstdio>

namespace tf {

DispatcherServer::DispatcherServer(DispatcherServerOptions options, zmq::socket_t socket,
                                   std::unique_ptr<DispatcherCore> core)
    : options_(std::move(options)), socket_(std::move(socket)), core_(std::move(core)) {
  if (!options_.log) {
    options_.log = [](const std::string& line) { std::fprintf(stderr, "dispatcher: %s\n", line.c_str()); };
  }
}

Result<std::unique_ptr<DispatcherServer>> DispatcherServer::start(
    zmq::context_t& context, DispatcherServerOptions options) {
  Result<std::unique_ptr<DispatcherCore>> core =
      DispatcherCore::open(options.core, proto::now_ms());
  if (!core) return Error{core.message()};
  zmq::socket_t socket(context, zmq::socket_type::router);
  proto::configure_socket(socket, options.transport);
  std::string bound;
  try {
    socket.bind(options.endpoint);
    bound = socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Error{"cannot listen on " + options.endpoint + ": " + e.what()};
  }
  std::unique_ptr<DispatcherServer> server(
      new DispatcherServer(std::move(options), std::move(socket), std::move(core.value())));
  server->endpoint_ = bound;
  return server;
}

Status DispatcherServer::run() {
  const long poll_ms = std::max<long>(10, static_cast<long>(options_.core.heartbeat_interval_ms / 4));
  std::vector<Outgoing> out;
  while (!stop_) {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(poll_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Error{std::string("poll failed: ") + e.what()};
    }
    const int64_t now = proto::now_ms();
    for (size_t n = 0; n < options_.max_messages_per_iteration; ++n) {
      Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(socket_, true);
      if (!raw) {
        options_.log("dropped a message: " + raw.message());
        continue;
      }
      if (!raw.value()) break;
      Result<proto::Envelope> envelope = proto::decode_message(
          raw.value()->payload, proto::roles(proto::Role::kWorker, proto::Role::kClient));
      if (!envelope) {
        options_.log("rejected a message from peer " + std::to_string(raw.value()->peer.size()) +
                     "-byte id: " + envelope.message());
        continue;
      }
      if (Status s = core_->handle(raw.value()->peer, envelope.value(), now, &out); !s) {
        return s;
      }
    }
    if (Status s = core_->tick(now, &out); !s) return s;
    if (Status s = core_->commit(); !s) return s;
    for (const Outgoing& o : out) (void)proto::send_envelope(socket_, o.peer, o.envelope);
    out.clear();
  }
  return Status::ok();
}

}  // namespace tf
