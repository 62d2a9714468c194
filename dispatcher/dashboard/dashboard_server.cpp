#include "dispatcher/dashboard/dashboard_server.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>

#include "dispatcher/dashboard/dashboard_assets.h"
#include "dispatcher/dashboard/dashboard_json.h"
#include "dispatcher/dashboard/metrics_text.h"
#include "formats/protocol/transport.h"

namespace tf {
namespace {

std::string content_type_of(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

const EmbeddedFile* find_asset(std::string_view name) {
  for (const EmbeddedFile& file : dashboard_assets()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

void send_text(httplib::Response& res, int status, const std::string& text) {
  res.status = status;
  res.set_content(text, "text/plain; charset=utf-8");
}

void send_json(httplib::Response& res, const nlohmann::json& document) {
  res.set_header("Cache-Control", "no-store");
  res.set_content(document.dump(), "application/json");
}

void send_png(httplib::Response& res, const std::vector<uint8_t>& bytes, bool immutable) {
  res.set_header("Cache-Control", immutable ? "max-age=86400, immutable" : "no-store");
  res.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), "image/png");
}

// Parses a decimal id of a route's capture; nullopt when it is not one.
std::optional<uint64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

DashboardServer::DashboardServer(DashboardOptions options, std::shared_ptr<FarmBoard> board,
                                 BlobStore blobs, TrustFeed::Opener trust)
    : options_(std::move(options)),
      board_(std::move(board)),
      blobs_(std::move(blobs)),
      trust_(std::move(trust), options_.trust_refresh_ms),
      tokens_(options_.token),
      limiter_(options_.requests_per_second, options_.burst),
      http_(std::make_unique<httplib::Server>()) {}

Result<std::unique_ptr<DashboardServer>> DashboardServer::start(DashboardOptions options,
                                                                std::shared_ptr<FarmBoard> board,
                                                                BlobStore blobs,
                                                                TrustFeed::Opener trust) {
  if (Status s = check_exposure(options.address, options.token.has_value()); !s) {
    return Error{s.message()};
  }
  std::unique_ptr<DashboardServer> server(new DashboardServer(std::move(options), std::move(board),
                                                              std::move(blobs), std::move(trust)));
  server->add_routes();
  httplib::Server& http = *server->http_;
  const HttpAddress& address = server->options_.address;
  const std::string host = address.host == "localhost" ? "127.0.0.1" : address.host;
  const int port = address.port == 0 ? http.bind_to_any_port(host)
                                     : (http.bind_to_port(host, address.port) ? address.port : -1);
  if (port <= 0) {
    return Error{"the dashboard cannot listen on " + address.host + ":" +
                 std::to_string(address.port) + " (in use, or not an address of this machine)"};
  }
  server->port_ = port;
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  return server;
}

DashboardServer::~DashboardServer() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string DashboardServer::url() const {
  const std::string& host = options_.address.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port_) + "/";
}

void DashboardServer::add_routes() {
  httplib::Server& http = *http_;
  http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http.set_payload_max_length(kMaxRequestBytes);
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);
  http.set_keep_alive_max_count(100);
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!limiter_.allow(req.remote_addr, proto::now_ms())) {
      send_text(res, 429, "too many requests\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!tokens_.allows(req.get_header_value("Authorization"), req.get_param_value("token"),
                        req.get_header_value("Cookie"))) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_text(res, 401, "unauthorized\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method != "GET" && req.method != "HEAD") {
      send_text(res, 405, "the dashboard is read-only\n");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto serve_asset = [](std::string_view name, httplib::Response& res) {
    const EmbeddedFile* file = find_asset(name);
    if (file == nullptr) return send_text(res, 404, "no such file\n");
    res.set_content(file->bytes.data(), file->bytes.size(), content_type_of(name).c_str());
  };
  http.Get("/", [this, serve_asset](const httplib::Request&, httplib::Response& res) {
    if (tokens_.required()) res.set_header("Set-Cookie", tokens_.cookie());
    serve_asset("index.html", res);
  });
  http.Get(R"(/assets/([a-z0-9_.-]+))",
           [serve_asset](const httplib::Request& req, httplib::Response& res) {
             serve_asset(req.matches[1].str(), res);
           });
  http.Get("/api/farm", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, farm_json(*board_->latest()));
  });
  http.Get("/api/trust", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, trust_json(*trust_.summary(proto::now_ms())));
  });
  http.Get(R"(/api/jobs/(\d+)/frames/(\d+)/preview\.png)",
           [this](const httplib::Request& req, httplib::Response& res) {
             const std::optional<uint64_t> job = parse_id(req.matches[1].str());
             const std::optional<uint64_t> frame = parse_id(req.matches[2].str());
             if (!job || !frame || *frame > UINT32_MAX)
               return send_text(res, 404, "no such frame\n");
             auto png = board_->previews().png(*job, static_cast<uint32_t>(*frame));
             if (!png) return send_text(res, 404, "no preview of this frame (not rendering now)\n");
             if (!png->is_ok()) return send_text(res, 500, png->message() + "\n");
             send_png(res, png->value(), false);
           });
  http.Get(R"(/api/blobs/([0-9a-f]{64})\.png)",
           [this](const httplib::Request& req, httplib::Response& res) {
             Result<Hash256> hash = Hash256::from_hex(req.matches[1].str());
             if (!hash || !board_->latest()->may_serve(hash.value())) {
               return send_text(res, 404, "no such image\n");
             }
             Result<std::vector<uint8_t>> bytes = blobs_.get(hash.value());
             if (!bytes) return send_text(res, 500, bytes.message() + "\n");
             send_png(res, bytes.value(), true);
           });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(*board_->latest(), board_->commit_latency().snapshot()),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace tf
