// The dispatcher's read-only web dashboard and Prometheus endpoint (cpp-httplib), on threads
// of its own beside the dispatcher loop.
//
// Routes (GET or HEAD only; anything else is 405):
//   /                      the dashboard page (embedded assets: dashboard_assets.h)
//   /assets/NAME           its script and style sheet
//   /api/farm              jobs, connected workers, counters (the loop's latest FarmView)
//   /api/trust             credit per key, the ledger's tail and verification (TrustFeed)
//   /api/jobs/J/frames/F/preview.png   a frame being rendered, as far as it is (FramePreviews)
//   /api/blobs/HASH.png    a finished frame or a simulation snapshot image that a job of the
//                          latest view shows (no other blob is served)
//   /metrics               Prometheus text (metrics_text.h)
// Access (http_access.h): loopback only unless a token is set; with a token every request
// must carry it (401 otherwise); each remote address is limited to a request rate (429);
// request bodies are refused past a few kilobytes; at most kThreads requests run at once.
//
// What it costs the dispatcher loop: nothing per request (it reads FarmBoard's published
// view, its own read-only store connection and the blob store's own connection).
//
// Thread safety: start() and the destructor from one thread; the server's threads run the
// handlers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "dispatcher/blob_store.h"
#include "dispatcher/dashboard/http_access.h"
#include "dispatcher/dashboard/trust_feed.h"
#include "dispatcher/farm_board.h"
#include "kernels/status.h"

namespace httplib {
class Server;
}

namespace tf {

struct DashboardOptions {
  HttpAddress address;               // port 0: any free port (see port())
  std::optional<std::string> token;  // read_token_file(); required off loopback
  double requests_per_second = 20;   // per remote address, on average
  double burst = 60;
  int64_t trust_refresh_ms = 2000;
};

class DashboardServer {
 public:
  static constexpr size_t kThreads = 4;
  static constexpr size_t kMaxRequestBytes = 8192;

  // Binds and starts serving. Errors: the exposure rule (check_exposure), or the address
  // cannot be bound (named).
  static Result<std::unique_ptr<DashboardServer>> start(DashboardOptions options,
                                                        std::shared_ptr<FarmBoard> board,
                                                        BlobStore blobs, TrustFeed::Opener trust);
  ~DashboardServer();  // stops serving and joins its threads

  int port() const { return port_; }
  // "http://127.0.0.1:8080/"
  std::string url() const;

 private:
  DashboardServer(DashboardOptions options, std::shared_ptr<FarmBoard> board, BlobStore blobs,
                  TrustFeed::Opener trust);
  void add_routes();

  DashboardOptions options_;
  std::shared_ptr<FarmBoard> board_;
  BlobStore blobs_;
  TrustFeed trust_;
  TokenCheck tokens_;
  RateLimiter limiter_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tf
