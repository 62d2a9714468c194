// The transport's own limit, as the peer that farm throughput is judged against: a bare
// ZeroMQ ROUTER on tcp://127.0.0.1 with CurveZMQ, exchanging fixed-size messages with N
// DEALERs (each its own keypair), `in_flight` requests outstanding per DEALER. The ROUTER
// sends `request_bytes`, each DEALER answers at once with `reply_bytes`; no decoding, no
// state, no storage. One thread drives the ROUTER, one thread answers for every DEALER, as
// the dispatcher loop and the workers' socket threads do.
#pragma once

#include <chrono>
#include <cstddef>

namespace tf::bench {

struct BareExchangeOptions {
  int dealers = 16;
  int in_flight = 4;
  size_t request_bytes = 256;
  size_t reply_bytes = 1024;
  std::chrono::milliseconds duration{500};
};

// Completed exchanges (request out, reply back) per second; 0 when the sockets could not be
// set up.
double bare_exchanges_per_second(const BareExchangeOptions& options);

}  // namespace tf::bench
