#include "formats/protocol/transport.h"

#include <random>

namespace tf::proto {

void configure_socket(zmq::socket_t& socket, const TransportOptions& options) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxFrameBytes));
  socket.set(zmq::sockopt::sndhwm, options.send_hwm);
  socket.set(zmq::sockopt::rcvhwm, options.recv_hwm);
  socket.set(zmq::sockopt::reconnect_ivl, options.reconnect_ivl_ms);
  socket.set(zmq::sockopt::reconnect_ivl_max, options.reconnect_ivl_max_ms);
  if (!options.routing_id.empty()) socket.set(zmq::sockopt::routing_id, options.routing_id);
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
  const std::vector<uint8_t> bytes = encode_message(envelope);
  try {
    if (peer) {
      if (!socket.send(zmq::buffer(*peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        return false;
      }
    }
    return socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait).has_value();
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
  const size_t expected = router ? 2 : 1;
  if (frames.size() != expected) {
    return Error{"message with " + std::to_string(frames.size()) + " frames (expected " +
                 std::to_string(expected) + ")"};
  }
  RawMessage raw;
  if (router) raw.peer = frames[0].to_string();
  const zmq::message_t& body = frames.back();
  raw.payload.assign(static_cast<const uint8_t*>(body.data()),
                     static_cast<const uint8_t*>(body.data()) + body.size());
  return std::optional<RawMessage>(std::move(raw));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tf::proto
