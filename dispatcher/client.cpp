#include "dispatcher/client.h"

#include <algorithm>
#include <deque>
#include <thread>

#include "formats/fileio/atomic_write.h"
#include "formats/fileio/read_file.h"

namespace tf {

DispatcherClient::DispatcherClient(zmq::context_t& context, std::string endpoint,
                                   ClientOptions options)
    : context_(context), endpoint_(std::move(endpoint)), options_(std::move(options)) {}

void DispatcherClient::reconnect() {
  // Each reconnection goes to the next dispatcher of the list (the active one may have changed).
  const std::vector<std::string> endpoints = proto::split_endpoints(endpoint_);  // not empty
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  proto::configure_socket(*socket_, options_.transport);
  socket_->connect(endpoints[next_endpoint_++ % endpoints.size()]);
}

Result<proto::Body> DispatcherClient::request(const proto::Body& body) {
  const auto give_up = std::chrono::steady_clock::now() + options_.patience;
  if (proto::split_endpoints(endpoint_).empty()) return Error{"no dispatcher endpoint given"};
  try {
    if (!socket_) reconnect();
    while (std::chrono::steady_clock::now() < give_up) {
      const uint64_t id = next_request_id_++;
      proto::send_envelope(*socket_, std::nullopt, {id, body});
      const auto attempt_end =
          std::min(give_up, std::chrono::steady_clock::now() + options_.reply_timeout);
      while (std::chrono::steady_clock::now() < attempt_end) {
        zmq::pollitem_t item{static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            attempt_end - std::chrono::steady_clock::now());
        zmq::poll(&item, 1, std::max(left, std::chrono::milliseconds(1)));
        Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(*socket_, false);
        if (!raw || !raw.value() || !raw.value()->rejected.empty()) continue;
        Result<proto::Envelope> reply =
            proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kDispatcher));
        if (!reply) return Error{"the dispatcher sent a malformed reply: " + reply.message()};
        if (reply->request_id != id) continue;  // answer to an abandoned attempt
        if (const auto* error = std::get_if<proto::ErrorReply>(&reply->body)) {
          return Error{error->message};
        }
        return std::move(reply->body);
      }
      reconnect();  // no answer: the dispatcher may have restarted
    }
  } catch (const zmq::error_t& e) {
    return Error{"cannot talk to the dispatcher at " + endpoint_ + ": " + e.what()};
  }
  std::string hint = "check that it runs and that this machine can reach it";
  if (options_.transport.curve) {
    hint += ", that --server-key is the dispatcher's public key (it prints it at start), and "
            "that the dispatcher accepts this client's key (its --client-allow list)";
  }
  return Error{"no reply from the dispatcher at " + endpoint_ + " within " +
               std::to_string(options_.patience.count() / 1000) + " s: " + hint};
}

Status DispatcherClient::upload_blobs(const std::vector<std::vector<uint8_t>>& blobs) {
  proto::MissingBlobsRequest query;
  for (const std::vector<uint8_t>& b : blobs) query.hashes.push_back(blake2b_256(b));
  Result<proto::Body> missing = request(query);
  if (!missing) return Error{missing.message()};
  const auto* list = std::get_if<proto::MissingBlobsReply>(&missing.value());
  if (list == nullptr) return Error{"the dispatcher answered a blob query with something else"};
  for (const Hash256& h : list->hashes) {
    for (size_t i = 0; i < blobs.size(); ++i) {
      if (query.hashes[i] != h) continue;
      Result<proto::Body> ack = request(proto::BlobUpload{h, blobs[i]});
      if (!ack) return Error{ack.message()};
      break;
    }
  }
  return Status::ok();
}

Result<Hash256> DispatcherClient::upload_bundle(const BundleManifest& manifest,
                                                const std::filesystem::path& scene_dir) {
  const std::string manifest_text = serialize_bundle_manifest(manifest);
  const Hash256 id = bundle_id(manifest);
  proto::MissingBlobsRequest query;
  for (const BundleEntry& e : manifest.entries) query.hashes.push_back(e.hash);
  query.hashes.push_back(id);
  Result<proto::Body> missing = request(query);
  if (!missing) return Error{missing.message()};
  const auto* list = std::get_if<proto::MissingBlobsReply>(&missing.value());
  if (list == nullptr) return Error{"the dispatcher answered a blob query with something else"};
  for (const Hash256& h : list->hashes) {
    proto::BlobUpload upload{h, {}};
    if (h == id) {
      upload.bytes.assign(manifest_text.begin(), manifest_text.end());
    } else {
      for (const BundleEntry& e : manifest.entries) {
        if (e.hash != h) continue;
        Result<std::vector<uint8_t>> bytes = read_whole_file(scene_dir / e.relative_path);
        if (!bytes) return Error{bytes.message()};
        if (bytes->size() > proto::kMaxBlobBytes) {
          return Error{e.relative_path + " is larger than the " +
                       std::to_string(proto::kMaxBlobBytes >> 20) + " MiB limit per file"};
        }
        upload.bytes = std::move(bytes.value());
        break;
      }
    }
    Result<proto::Body> ack = request(upload);
    if (!ack) return Error{ack.message()};
  }
  return id;
}

Result<uint64_t> DispatcherClient::submit(const proto::SubmitJob& job) {
  Result<proto::Body> reply = request(job);
  if (!reply) return Error{reply.message()};
  const auto* submitted = std::get_if<proto::SubmitReply>(&reply.value());
  if (submitted == nullptr) return Error{"the dispatcher answered a submission with something else"};
  return submitted->job_id;
}

Result<std::vector<proto::JobStatus>> DispatcherClient::status(uint64_t job_id,
                                                              std::chrono::milliseconds wait) {
  const auto wait_ms = static_cast<uint32_t>(
      std::clamp<int64_t>(wait.count(), 0, int64_t{proto::kMaxStatusWaitMs}));
  Result<proto::Body> reply = request(proto::StatusRequest{job_id, wait_ms});
  if (!reply) return Error{reply.message()};
  auto* status = std::get_if<proto::StatusReply>(&reply.value());
  if (status == nullptr) return Error{"the dispatcher answered a status query with something else"};
  return std::move(status->jobs);
}

Status DispatcherClient::cancel(uint64_t job_id) {
  Result<proto::Body> reply = request(proto::CancelRequest{job_id});
  return reply.status();
}

Status DispatcherClient::resubmit_affected(uint64_t job_id) {
  return request(proto::ResubmitRequest{job_id}).status();
}

Result<proto::OutputsReply> DispatcherClient::outputs(uint64_t job_id) {
  Result<proto::Body> reply = request(proto::OutputsRequest{job_id});
  if (!reply) return Error{reply.message()};
  auto* outputs = std::get_if<proto::OutputsReply>(&reply.value());
  if (outputs == nullptr) return Error{"the dispatcher answered an outputs query with something else"};
  return std::move(*outputs);
}

Result<std::vector<uint8_t>> DispatcherClient::fetch_output(const Hash256& hash) {
  Result<proto::Body> reply = request(proto::OutputFetch{hash});
  if (!reply) return Error{reply.message()};
  auto* data = std::get_if<proto::OutputData>(&reply.value());
  if (data == nullptr || !data->found) return Error{"output " + hash.to_hex() + " is not available"};
  if (blake2b_256(data->bytes) != hash) return Error{"output " + hash.to_hex() + " arrived corrupted"};
  return std::move(data->bytes);
}

Result<std::filesystem::path> output_path(const std::filesystem::path& dir,
                                          const std::string& name) {
  std::filesystem::path relative;
  size_t start = 0;
  for (;;) {
    const size_t slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == ".." ||
        part.find_first_of(std::string("\\\0", 2)) != std::string::npos) {
      return Error{"the dispatcher named an output '" + name +
                   "', which is not a plain relative path: refused"};
    }
    relative /= part;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return dir / relative;
}

Result<std::vector<std::filesystem::path>> DispatcherClient::download_outputs(
    uint64_t job_id, const std::filesystem::path& dir) {
  Result<proto::OutputsReply> list = outputs(job_id);
  if (!list) return Error{list.message()};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create " + dir.string() + ": " + ec.message()};
  std::vector<std::filesystem::path> written;
  // Files held until written, and their targets: a group synced together.
  std::deque<std::vector<uint8_t>> held;
  std::vector<FileToWrite> group;
  uint64_t group_bytes = 0;
  auto write_group = [&]() -> Status {
    Status s = write_files_atomically(group);
    for (const FileToWrite& f : group) written.push_back(f.target);
    held.clear();
    group.clear();
    group_bytes = 0;
    return s;
  };
  for (const proto::OutputFile& f : list->files) {
    if (!group.empty() && group_bytes + f.size > kDownloadGroupBytes) {
      if (Status s = write_group(); !s) return Error{s.message()};
    }
    Result<std::vector<uint8_t>> bytes = fetch_output(f.hash);
    if (!bytes) return Error{bytes.message()};
    Result<std::filesystem::path> path = output_path(dir, f.name);
    if (!path) return Error{path.message()};
    std::filesystem::create_directories(path->parent_path(), ec);
    if (ec) return Error{"cannot create " + path->parent_path().string() + ": " + ec.message()};
    group_bytes += bytes->size();
    held.push_back(std::move(bytes.value()));
    group.push_back({path.value(), held.back()});
  }
  if (Status s = write_group(); !s) return Error{s.message()};
  return written;
}

Result<proto::JobStatus> DispatcherClient::wait(
    uint64_t job_id, std::chrono::milliseconds interval,
    const std::function<void(const proto::JobStatus&)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  const std::chrono::milliseconds long_poll = std::min(interval, options_.reply_timeout / 2);
  for (;;) {
    const auto asked = std::chrono::steady_clock::now();
    Result<std::vector<proto::JobStatus>> jobs = status(job_id, long_poll);
    if (!jobs) return Error{jobs.message()};
    if (jobs->size() != 1) return Error{"the dispatcher does not know job " + std::to_string(job_id)};
    const proto::JobStatus& job = jobs->front();
    if (progress) progress(job);
    if (!proto::job_active(job.state)) {
      return job;
    }
    if (options_.wait_timeout.count() > 0 &&
        std::chrono::steady_clock::now() + interval > start + options_.wait_timeout) {
      return Error{"job " + std::to_string(job_id) + " is still " + proto::job_state_name(job.state) +
                   " after " + std::to_string(options_.wait_timeout.count() / 1000) +
                   " s: see tilefarm status " + std::to_string(job_id)};
    }
    std::this_thread::sleep_until(asked + interval);
  }
}

}  // namespace tf
