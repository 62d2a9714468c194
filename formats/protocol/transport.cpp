#include "formats/protocol/transport.h"

#include <algorithm>
#include <random>

namespace tf::proto {
namespace {

// ZMQ_ZAP_ENFORCE_DOMAIN: Debian's zmq.h declares it only for the draft API (so cppzmq has no
// sockopt for it), but its libzmq honours it at run time. The value is fixed by libzmq.
constexpr int kZapEnforceDomain = 93;

}  // namespace

void configure_socket(zmq::socket_t& socket, const TransportOptions& options) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxFrameBytes));
  socket.set(zmq::sockopt::sndhwm, options.send_hwm);
  socket.set(zmq::sockopt::rcvhwm, options.recv_hwm);
  socket.set(zmq::sockopt::reconnect_ivl, options.reconnect_ivl_ms);
  socket.set(zmq::sockopt::reconnect_ivl_max, options.reconnect_ivl_max_ms);
  if (!options.routing_id.empty()) socket.set(zmq::sockopt::routing_id, options.routing_id);
  if (!options.curve) return;
  const CurveOptions& curve = *options.curve;
  socket.set(zmq::sockopt::curve_publickey, curve.public_key);
  socket.set(zmq::sockopt::curve_secretkey, curve.secret_key);
  if (curve.server_key.empty()) {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::zap_domain, curve.zap_domain);
    const int on = 1;
    if (zmq_setsockopt(socket.handle(), kZapEnforceDomain, &on, sizeof on) != 0) throw zmq::error_t();
  } else {
    socket.set(zmq::sockopt::curve_serverkey, curve.server_key);
  }
}

bool needs_curve(const std::string& endpoint) {
  for (const std::string& e : split_endpoints(endpoint)) {
    if (e.starts_with("tcp://")) return true;
  }
  return false;
}

std::vector<std::string> split_endpoints(const std::string& list) {
  std::vector<std::string> endpoints;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) endpoints.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return endpoints;
}

std::string random_routing_id(const std::string& prefix) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device device;
  std::mt19937_64 rng((uint64_t{device()} << 32) ^ device());
  std::string id = prefix;
  for (int i = 0; i < 16; ++i) id += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return id;
}

bool send_envelope(zmq::socket_t& socket, const std::optional<std::string>& peer,
                   const Envelope& envelope) {
  zmq::message_t frame;
  encode_message_into(envelope, [&](size_t size) {
    frame.rebuild(size);
    return static_cast<uint8_t*>(frame.data());
  });
  try {
    if (peer) {
      if (!socket.send(zmq::buffer(*peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        return false;
      }
    }
    return socket.send(frame, zmq::send_flags::dontwait).has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

Result<std::optional<RawMessage>> receive_raw(zmq::socket_t& socket, bool router) {
  std::vector<zmq::message_t> frames;
  try {
    zmq::message_t first;
    if (!socket.recv(first, zmq::recv_flags::dontwait)) return std::optional<RawMessage>();
    frames.push_back(std::move(first));
    while (frames.back().more()) {
      zmq::message_t next;
      (void)socket.recv(next, zmq::recv_flags::none);
      frames.push_back(std::move(next));
    }
  } catch (const zmq::error_t& e) {
    return Error{std::string("receive failed: ") + e.what()};
  }
  RawMessage raw;
  if (router) {
    raw.peer = frames[0].to_string();
    // The ZAP handler's User-Id rides on every frame that came over the wire (not on the
    // routing id frame, which the ROUTER makes up); absent on plain sockets.
    const char* user_id = frames.size() > 1 ? zmq_msg_gets(frames[1].handle(), "User-Id") : nullptr;
    raw.peer_key = user_id != nullptr ? user_id : raw.peer;
  }
  const size_t expected = router ? 2 : 1;
  if (frames.size() != expected) {
    raw.rejected = "message with " + std::to_string(frames.size()) + " frames (expected " +
                   std::to_string(expected) + ")";
    return std::optional<RawMessage>(std::move(raw));
  }
  raw.frame = std::move(frames.back());
  return std::optional<RawMessage>(std::move(raw));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tf::proto
