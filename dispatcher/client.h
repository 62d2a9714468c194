// The client side of the dispatcher's protocol: upload a scene bundle, submit, query, cancel,
// fetch outputs. Used by the CLI (submit, status, cancel, outputs, and the embedded render).
//
// Requests carry a fresh request id; replies with another id (late answers to an abandoned
// request) are skipped. A request that gets no reply within its timeout is sent again on a
// fresh socket, until `patience` runs out — so a client rides out a dispatcher restart, and
// never hangs when the dispatcher is gone: the error then says what to check.
//
// Security: on a tcp:// endpoint set options.transport.curve (the client's keypair and the
// dispatcher's public key); a wrong dispatcher key, or a key the dispatcher refuses, looks
// like a dispatcher that never answers (CurveZMQ tells the client nothing), so the timeout
// error names these causes too.
//
// Thread safety: one DispatcherClient belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "formats/bundle/bundle.h"
#include "formats/protocol/messages.h"
#include "formats/protocol/transport.h"
#include "kernels/status.h"

namespace tf {

// The most output bytes download_outputs holds in memory before writing them.
inline constexpr uint64_t kDownloadGroupBytes = uint64_t{256} << 20;

struct ClientOptions {
  std::chrono::milliseconds reply_timeout{5000};  // per attempt
  std::chrono::milliseconds patience{60000};      // total per request, across reconnects
  // wait(): the longest it waits for a job to finish; 0: as long as the dispatcher answers.
  std::chrono::milliseconds wait_timeout{0};
  proto::TransportOptions transport;
};

class DispatcherClient {
 public:
  // Connects lazily; `context` must outlive the client. `endpoint` may list the dispatchers of
  // one farm, comma-separated: a request that gets no answer goes to the next one.
  DispatcherClient(zmq::context_t& context, std::string endpoint, ClientOptions options = {});

  // Sends `body` and returns the reply body. An ErrorReply from the dispatcher becomes an
  // error with its message; so does running out of patience.
  Result<proto::Body> request(const proto::Body& body);

  // Uploads every file of `manifest` (read from `scene_dir`) the dispatcher lacks, then the
  // manifest itself; returns the bundle id.
  Result<Hash256> upload_bundle(const BundleManifest& manifest,
                                const std::filesystem::path& scene_dir);
  // Uploads every blob of `blobs` that the dispatcher lacks (by hash: a blob it holds is not
  // sent again).
  Status upload_blobs(const std::vector<std::vector<uint8_t>>& blobs);
  Result<uint64_t> submit(const proto::SubmitJob& job);
  // Statuses of one job or every job (0). With `wait`, the dispatcher answers when the job
  // ends or after that long, whichever is first (proto::StatusRequest::wait_ms).
  Result<std::vector<proto::JobStatus>> status(
      uint64_t job_id, std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  Status cancel(uint64_t job_id);
  // Re-runs a finished job's affected units (proto::ResubmitRequest).
  Status resubmit_affected(uint64_t job_id);
  Result<proto::OutputsReply> outputs(uint64_t job_id);
  Result<std::vector<uint8_t>> fetch_output(const Hash256& hash);
  // Writes every output of the job into `dir` (created if missing; names with '/' go into
  // subfolders, see output_path); returns the paths. Files are fetched in groups of up to
  // kDownloadGroupBytes and each group written and synced together (write_files_atomically:
  // concurrent fsyncs share the file system's journal commits; one after another, a run's ten
  // files took 20 ms); on error the groups before stay written.
  Result<std::vector<std::filesystem::path>> download_outputs(uint64_t job_id,
                                                              const std::filesystem::path& dir);

  // Asks for the job's status every `interval` until the job is done, failed or cancelled,
  // calling `progress` after each answer. Each request waits on the dispatcher for the job's
  // end (a long poll of up to `interval`, half the reply timeout and proto::kMaxStatusWaitMs),
  // so the end is seen a round trip after it, not up to an interval later; a dispatcher that
  // answers at once (an earlier release) is asked again when the interval is over. Returns the
  // final status, or an error when a request fails (the dispatcher is gone: after `patience`)
  // or when `wait_timeout` passes first.
  Result<proto::JobStatus> wait(uint64_t job_id, std::chrono::milliseconds interval,
                                const std::function<void(const proto::JobStatus&)>& progress);

 private:
  void reconnect();

  zmq::context_t& context_;
  std::string endpoint_;
  ClientOptions options_;
  std::unique_ptr<zmq::socket_t> socket_;
  uint64_t next_request_id_ = 1;
  size_t next_endpoint_ = 0;
};

// Where an output named `name` (OutputFile::name) goes under `dir`: its '/'-separated parts
// below `dir`. A name with an empty, "." or ".." part, a backslash or a NUL is refused, so that
// a dispatcher can never make a client write outside `dir`.
Result<std::filesystem::path> output_path(const std::filesystem::path& dir, const std::string& name);

}  // namespace tf
