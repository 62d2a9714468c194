#include "dispatcher/zap_handler.h"

#include <array>
#include <chrono>
#include <vector>

namespace tf {
namespace {

constexpr size_t kCurveKeyBytes = 32;
constexpr std::chrono::milliseconds kPollInterval{100};

// ZAP request frames (RFC 27): version, request id, domain, address, routing id, mechanism,
// then the mechanism's credentials (CURVE: the client's 32-byte public key).
enum Frame : size_t { kVersion, kRequestId, kDomain, kAddress, kRoutingId, kMechanism, kCredentials };

std::string z85_of(const zmq::message_t& key) {
  std::array<char, 41> text{};
  zmq_z85_encode(text.data(), static_cast<const uint8_t*>(key.data()), kCurveKeyBytes);
  return text.data();
}

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::start(zmq::context_t& context, std::string domain,
                                                      std::shared_ptr<const AccessPolicy> policy,
                                                      std::shared_ptr<const MutedKeys> muted,
                                                      RefusalFn on_refusal) {
  zmq::socket_t socket(context, zmq::socket_type::rep);
  socket.set(zmq::sockopt::linger, 0);
  try {
    socket.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return Error{std::string("cannot start the key checker (ZAP handler): ") + e.what()};
  }
  // The thread starts in the constructor, after the socket moved in (thread creation is the
  // memory barrier ZeroMQ asks for when a socket changes threads).
  return std::unique_ptr<ZapHandler>(
      new ZapHandler(std::move(socket), std::move(domain), std::move(policy), std::move(muted),
                     std::move(on_refusal)));
}

ZapHandler::ZapHandler(zmq::socket_t socket, std::string domain,
                       std::shared_ptr<const AccessPolicy> policy,
                       std::shared_ptr<const MutedKeys> muted, RefusalFn on_refusal)
    : socket_(std::move(socket)),
      domain_(std::move(domain)),
      policy_(std::move(policy)),
      muted_(std::move(muted)),
      on_refusal_(std::move(on_refusal)),
      thread_([this] { loop(); }) {}

ZapHandler::~ZapHandler() {
  stop_ = true;
  thread_.join();
}

void ZapHandler::loop() {
  while (!stop_) {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, kPollInterval);
      if (item.revents & ZMQ_POLLIN) answer_one();
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;  // the context is closing
    }
  }
}

void ZapHandler::answer_one() {
  std::vector<zmq::message_t> frames;
  do {
    zmq::message_t frame;
    if (!socket_.recv(frame, zmq::recv_flags::none)) return;
    frames.push_back(std::move(frame));
  } while (frames.back().more());

  std::string key = "(no key)";
  std::string refusal;
  if (frames.size() <= kCredentials || frames[kVersion].to_string_view() != "1.0") {
    refusal = "malformed ZAP request";
  } else if (frames[kMechanism].to_string_view() != "CURVE" ||
             frames[kCredentials].size() != kCurveKeyBytes) {
    refusal = "mechanism " + frames[kMechanism].to_string() + " instead of CURVE";
  } else {
    key = z85_of(frames[kCredentials]);
    if (frames[kDomain].to_string_view() != domain_) {
      refusal = "unknown ZAP domain";
    } else if (!policy_->may_connect(key)) {
      refusal = policy_->banned.count(key) != 0 ? "banned key" : "key on no allow list";
    } else if (muted_ && muted_->is_muted(key, steady_now_ms())) {
      refusal = "key muted for sending too many rejected messages (cool-down)";
    }
  }
  if (refusal.empty()) {
    ++accepted_;
  } else {
    ++refused_;
    if (frames.size() > kAddress) refusal += " from " + frames[kAddress].to_string();
    if (on_refusal_) on_refusal_(key, "handshake refused: " + refusal);
  }
  const std::string request_id = frames.size() > kRequestId ? frames[kRequestId].to_string() : "";
  const std::string status = refusal.empty() ? "200" : "400";
  const std::string user_id = refusal.empty() ? key : "";
  const std::array<std::string, 6> reply = {"1.0", request_id, status,
                                            refusal.empty() ? "OK" : "refused", user_id, ""};
  for (size_t i = 0; i < reply.size(); ++i) {
    const auto flags = i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    (void)socket_.send(zmq::buffer(reply[i]), flags);
  }
}

}  // namespace tf
