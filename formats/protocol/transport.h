// ZeroMQ plumbing shared by the dispatcher, the worker and clients: socket options in one
// place (the seam where CurveZMQ keys will be set) and sending/receiving one envelope.
//
// Framing: a DEALER sends [payload]; the dispatcher's ROUTER sees [peer id][payload] and
// replies the same way. One payload frame holds one encoded Envelope.
//
// Thread safety: ZeroMQ sockets belong to one thread; these functions add no shared state.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "formats/protocol/codec.h"
#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf::proto {

struct TransportOptions {
  // Reconnect backoff (zguide: 1 s doubling to 32 s). ZMQ_RECONNECT_IVL_MAX defaults to 0,
  // which would disable the doubling.
  int reconnect_ivl_ms = 1000;
  int reconnect_ivl_max_ms = 32000;
  int send_hwm = 10000;
  int recv_hwm = 10000;
  // Set on DEALER sockets so that a restarted dispatcher sees the same peer id again.
  std::string routing_id;
};

// Applies every socket option tilefarm relies on: ZMQ_LINGER 0 (closing never hangs),
// ZMQ_MAXMSGSIZE kMaxFrameBytes, high-water marks, reconnect backoff, routing id.
// Security options (CurveZMQ) belong here when they arrive.
void configure_socket(zmq::socket_t& socket, const TransportOptions& options);

// A random routing id for a DEALER (16 bytes, printable).
std::string random_routing_id(const std::string& prefix);

// Sends one envelope, preceded by `peer` when given (ROUTER side). Never blocks: returns
// false when the message could not be queued (peer gone, high-water mark reached).
bool send_envelope(zmq::socket_t& socket, const std::optional<std::string>& peer,
                   const Envelope& envelope);

// One received message: the peer id (ROUTER side only) and the payload frame.
struct RawMessage {
  std::string peer;
  std::vector<uint8_t> payload;
};

// Receives one message without blocking; nullopt when none is waiting. Messages with an
// unexpected number of frames are drained and reported as an error.
Result<std::optional<RawMessage>> receive_raw(zmq::socket_t& socket, bool router);

// Milliseconds since the Unix epoch (wall clock: lease deadlines survive restarts).
int64_t now_ms();

}  // namespace tf::proto
