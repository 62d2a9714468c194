#include "benchmarks/farm/bare_exchange.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "formats/protocol/curve_keys.h"

namespace tf::bench {
namespace {

// Answers every request on every DEALER with a reply of `reply_bytes`, until `stop`.
void answer_all(std::vector<std::unique_ptr<zmq::socket_t>>& dealers, size_t reply_bytes,
                const std::atomic<bool>& stop) {
  std::vector<zmq::pollitem_t> items;
  for (auto& d : dealers) items.push_back({static_cast<void*>(*d), 0, ZMQ_POLLIN, 0});
  const std::string reply(reply_bytes, 'r');
  while (!stop) {
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(10));
    for (size_t i = 0; i < items.size(); ++i) {
      if ((items[i].revents & ZMQ_POLLIN) == 0) continue;
      zmq::message_t request;
      while (dealers[i]->recv(request, zmq::recv_flags::dontwait)) {
        dealers[i]->send(zmq::buffer(reply), zmq::send_flags::dontwait);
      }
    }
  }
}

}  // namespace

double bare_exchanges_per_second(const BareExchangeOptions& options) {
  zmq::context_t router_context, dealer_context;
  const Result<proto::CurveKeypair> server_keys = proto::generate_keypair();
  if (!server_keys) return 0;
  zmq::socket_t router(router_context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, server_keys->secret_key);
  router.set(zmq::sockopt::sndhwm, 100000);
  router.set(zmq::sockopt::rcvhwm, 100000);
  router.set(zmq::sockopt::rcvtimeo, 2000);  // a stalled exchange ends the measurement
  router.bind("tcp://127.0.0.1:0");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);

  std::vector<std::unique_ptr<zmq::socket_t>> dealers;
  std::vector<std::string> ids;
  for (int i = 0; i < options.dealers; ++i) {
    const Result<proto::CurveKeypair> keys = proto::generate_keypair();
    if (!keys) return 0;
    auto dealer = std::make_unique<zmq::socket_t>(dealer_context, zmq::socket_type::dealer);
    ids.push_back("d" + std::to_string(i));
    dealer->set(zmq::sockopt::linger, 0);
    dealer->set(zmq::sockopt::routing_id, ids.back());
    dealer->set(zmq::sockopt::curve_serverkey, server_keys->public_key);
    dealer->set(zmq::sockopt::curve_publickey, keys->public_key);
    dealer->set(zmq::sockopt::curve_secretkey, keys->secret_key);
    dealer->connect(endpoint);
    // Introduces the DEALER to the ROUTER (which can address only peers it has heard from).
    dealer->send(zmq::str_buffer("hello"), zmq::send_flags::none);
    dealers.push_back(std::move(dealer));
  }
  for (int i = 0; i < options.dealers; ++i) {
    zmq::message_t id, hello;
    if (!router.recv(id) || !router.recv(hello)) return 0;
  }

  std::atomic<bool> stop{false};
  std::thread answering([&] { answer_all(dealers, options.reply_bytes, stop); });
  const std::string request(options.request_bytes, 'q');
  auto send_to = [&](const std::string& id) {
    router.send(zmq::buffer(id), zmq::send_flags::sndmore);
    router.send(zmq::buffer(request), zmq::send_flags::none);
  };
  for (const std::string& id : ids) {
    for (int k = 0; k < options.in_flight; ++k) send_to(id);
  }
  uint64_t exchanges = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + options.duration;
  while (std::chrono::steady_clock::now() < until) {
    zmq::message_t id, reply;
    if (!router.recv(id) || !router.recv(reply)) break;
    ++exchanges;
    send_to(id.to_string());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  answering.join();
  return static_cast<double>(exchanges) / seconds;
}

}  // namespace tf::bench
