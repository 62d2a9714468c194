// ZeroMQ plumbing shared by the dispatcher, the worker and clients: socket options in one
// place (including the CurveZMQ keys) and sending/receiving one envelope.
//
// Security: every tcp:// endpoint runs CurveZMQ (encryption, and peers identified by their
// public keys) unless the operator explicitly asked for plain tcp; inproc:// and ipc:// stay
// plain (they never leave the machine, and file permissions guard ipc sockets).
//
// Framing: a DEALER sends [payload]; the dispatcher's ROUTER sees [peer id][payload] and
// replies the same way. One payload frame holds one encoded Envelope.
//
// Thread safety: ZeroMQ sockets belong to one thread; these functions add no shared state.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "formats/protocol/codec.h"
#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf::proto {

// The CurveZMQ settings of one socket.
struct CurveOptions {
  std::string public_key;  // this socket's keypair (Z85)
  std::string secret_key;
  // Client side (DEALER): the server's public key. Empty on the server side.
  std::string server_key;
  // Server side (ROUTER): the ZAP domain; ZMQ_ZAP_ENFORCE_DOMAIN is set with it, so that
  // without a ZAP handler every handshake fails (closed, not open).
  std::string zap_domain;
};

struct TransportOptions {
  // Reconnect backoff (zguide: 1 s doubling to 32 s). ZMQ_RECONNECT_IVL_MAX defaults to 0,
  // which would disable the doubling.
  int reconnect_ivl_ms = 1000;
  int reconnect_ivl_max_ms = 32000;
  int send_hwm = 10000;
  int recv_hwm = 10000;
  // Set on DEALER sockets so that a restarted dispatcher sees the same peer id again.
  std::string routing_id;
  // CurveZMQ on this socket; nullopt: plain. Set it only for tcp:// endpoints (needs_curve).
  std::optional<CurveOptions> curve;
};

// True for endpoints that leave the machine (tcp://), which must run CurveZMQ unless the
// operator explicitly chose plain tcp. A list (split_endpoints) needs it when any of its
// endpoints does.
bool needs_curve(const std::string& endpoint);

// The endpoints of a comma-separated list, in order: "tcp://a:7600,tcp://b:7600" names the
// dispatchers of one farm (one active, the others standbys), which workers and clients try in
// turn until one answers. Empty parts are dropped; a single endpoint is a list of one.
std::vector<std::string> split_endpoints(const std::string& list);


// Applies every socket option tilefarm relies on: ZMQ_LINGER 0 (closing never hangs),
// ZMQ_MAXMSGSIZE kMaxFrameBytes, high-water marks, reconnect backoff, routing id, and the
// CurveZMQ options (server or client side) when `options.curve` is set. Call before bind or
// connect. Throws zmq::error_t when libzmq refuses an option (e.g. a malformed key).
void configure_socket(zmq::socket_t& socket, const TransportOptions& options);

// A random routing id for a DEALER (16 bytes, printable).
std::string random_routing_id(const std::string& prefix);

// Sends one envelope, preceded by `peer` when given (ROUTER side). Never blocks: returns
// false when the message could not be queued (peer gone, high-water mark reached). The
// envelope is encoded straight into the ZeroMQ message that is sent (encode_message_into).
bool send_envelope(zmq::socket_t& socket, const std::optional<std::string>& peer,
                   const Envelope& envelope);

// One received message: the peer id (ROUTER side only) and the payload frame, as ZeroMQ
// received it (not copied: over inproc it is the sender's buffer, megabytes for a state).
// `rejected` is non-empty when the message had the wrong number of frames: it says why, the
// payload is empty, and peer / peer_key are set as far as known (so the sender can be blamed).
struct RawMessage {
  std::string peer;
  // Who sent it, as far as the transport can tell (ROUTER side only): on a CURVE endpoint the
  // authenticated public key (Z85, from the ZAP handler's User-Id); on an insecure endpoint the
  // routing id, which the peer chose and which therefore proves nothing.
  std::string peer_key;
  zmq::message_t frame;
  std::string rejected;

  std::span<const uint8_t> payload() const {
    return {static_cast<const uint8_t*>(frame.data()), frame.size()};
  }
};

// Receives one message without blocking; nullopt when none is waiting. A message with an
// unexpected number of frames is drained and returned with `rejected` set. An error only when
// the socket fails.
Result<std::optional<RawMessage>> receive_raw(zmq::socket_t& socket, bool router);

// Milliseconds since the Unix epoch (wall clock: lease deadlines survive restarts).
int64_t now_ms();

}  // namespace tf::proto
