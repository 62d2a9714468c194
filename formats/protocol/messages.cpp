#include "formats/protocol/messages.h"

namespace tf::proto {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
// Deduction guide: clang before 17 does not deduce aggregate template arguments (C++20 P1816).
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

Role sender_role(const Body& body) {
  return std::visit(
      Overloaded{
          [](const WorkerHello&) { return Role::kWorker; },
          [](const WorkerHeartbeat&) { return Role::kWorker; },
          [](const UnitResult&) { return Role::kWorker; },
          [](const ResultBatch&) { return Role::kWorker; },
          [](const UnitFailure&) { return Role::kWorker; },
          [](const UnitReturn&) { return Role::kWorker; },
          [](const BlobRequest&) { return Role::kWorker; },
          [](const MissingBlobsRequest&) { return Role::kClient; },
          [](const BlobUpload&) { return Role::kClient; },
          [](const SubmitJob&) { return Role::kClient; },
          [](const StatusRequest&) { return Role::kClient; },
          [](const CancelRequest&) { return Role::kClient; },
          [](const OutputsRequest&) { return Role::kClient; },
          [](const OutputFetch&) { return Role::kClient; },
          [](const TrustQuery&) { return Role::kClient; },
          [](const ResubmitRequest&) { return Role::kClient; },
          [](const auto&) { return Role::kDispatcher; },
      },
      body);
}

const char* kind_name(const Body& body) {
  static constexpr const char* kNames[] = {
      "workerHello",    "workerHeartbeat", "unitResult",          "unitFailure",
      "unitReturn",     "blobRequest",     "leaseGrant",          "dispatcherHeartbeat",
      "blobReply",      "helloRequired",   "missingBlobsRequest", "blobUpload",
      "submitJob",      "statusRequest",   "cancelRequest",       "outputsRequest",
      "outputFetch",    "missingBlobsReply", "ack",               "submitReply",
      "statusReply",    "outputsReply",    "outputData",          "errorReply",
      "resultBytesRequest", "trustQuery", "trustReply", "resubmitRequest", "resultBatch",
      "leaseRecall"};
  static_assert(std::size(kNames) == std::variant_size_v<Body>);
  return kNames[body.index()];
}

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
    case JobState::kUnknown: break;
  }
  return "unknown";
}

}  // namespace tf::proto
