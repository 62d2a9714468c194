// A hostile peer for security tests and benchmarks: an authenticated CurveZMQ DEALER (the
// worst case: a key that passed the handshake) that sends malformed messages as fast as its
// socket takes them, on its own thread, until destroyed. It cycles through
//   garbage bytes, truncated valid messages, valid messages with trailing bytes, frames too
//   large for their kind (1 MiB), three-frame messages, well-formed results for leases it
//   does not hold, and, at most once a second, a frame over the transport's size limit
//   (which makes the dispatcher drop the connection; the peer's socket reconnects).
#pragma once

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "formats/protocol/codec.h"
#include "formats/protocol/transport.h"

namespace tf::testing {

class HostilePeer {
 public:
  HostilePeer(zmq::context_t& context, const std::string& endpoint, proto::TransportOptions transport)
      : socket_(context, zmq::socket_type::dealer) {
    proto::configure_socket(socket_, transport);
    socket_.connect(endpoint);
    thread_ = std::thread([this] { flood(); });
  }
  ~HostilePeer() {
    stop_ = true;
    thread_.join();
  }
  HostilePeer(const HostilePeer&) = delete;
  HostilePeer& operator=(const HostilePeer&) = delete;

  uint64_t messages_sent() const { return sent_; }

 private:
  static std::vector<uint8_t> forged_result(std::mt19937_64& rng) {
    proto::UnitResult result;
    result.lease_id = rng();
    result.unit_id = rng() % 64;
    result.kernel_version = "synthetic-1";
    result.width = result.height = 8;
    result.rgb.assign(8 * 8 * 3, 1.0f);
    return proto::encode_message({0, result});
  }

  // Queues one message; false when the socket is full (the caller backs off briefly).
  bool send(std::vector<zmq::const_buffer> frames) {
    for (size_t i = 0; i < frames.size(); ++i) {
      const auto flags = zmq::send_flags::dontwait |
                         (i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      if (!socket_.send(frames[i], flags)) return i > 0;  // a started message always completes
    }
    return true;
  }

  void flood() {
    std::mt19937_64 rng(20261125);
    const std::vector<uint8_t> valid = forged_result(rng);
    std::vector<uint8_t> noise(1 << 20);
    for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
    const std::vector<uint8_t> huge(proto::kMaxFrameBytes + 1, 0x5a);
    std::vector<uint8_t> with_trailer = valid;
    with_trailer.insert(with_trailer.end(), 24, 0);
    auto last_huge = std::chrono::steady_clock::now();
    for (uint64_t n = 0; !stop_; ++n) {
      bool queued = false;
      switch (n % 6) {
        case 0: queued = send({zmq::buffer(noise.data(), 1 + rng() % 2048)}); break;
        case 1: queued = send({zmq::buffer(valid.data(), 1 + rng() % (valid.size() - 1))}); break;
        case 2: queued = send({zmq::buffer(with_trailer)}); break;
        case 3: queued = send({zmq::buffer(noise.data(), n % 60 == 3 ? noise.size() : 4096)}); break;
        case 4: queued = send({zmq::buffer(valid), zmq::buffer(valid), zmq::buffer(noise.data(), 16)}); break;
        default: queued = send({zmq::buffer(forged_result(rng))}); break;
      }
      if (std::chrono::steady_clock::now() - last_huge > std::chrono::seconds(1)) {
        queued = send({zmq::buffer(huge)}) && queued;
        last_huge = std::chrono::steady_clock::now();
      }
      if (queued) {
        ++sent_;
      } else {
        zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLOUT, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(5));
      }
      drain_replies();
    }
  }

  // Replies (HelloRequired, errors) are read and dropped, so that they never block the peer.
  void drain_replies() {
    zmq::message_t reply;
    while (socket_.recv(reply, zmq::recv_flags::dontwait)) {
    }
  }

  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::thread thread_;
};

}  // namespace tf::testing
