// Live progress of a job on the terminal: a bar with units done/total, rate and ETA, redrawn
// in place when stdout is a terminal; plain lines (at most one every few seconds, and on
// every state change) otherwise, so logs stay readable.
//
// Thread safety: one ProgressReporter belongs to one thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "formats/protocol/messages.h"

namespace tf {

// A job rendered to quality as a person reads it: "tiles 12 converged, 4 refining, spp 16-256";
// empty for other jobs (no tiles).
std::string refinement_text(const proto::JobStatus& status);

class ProgressReporter {
 public:
  explicit ProgressReporter(std::FILE* out);
  void update(const proto::JobStatus& status);
  // Ends the bar's line (terminal) and prints the final state.
  void finish(const proto::JobStatus& status);

 private:
  std::string line(const proto::JobStatus& status) const;

  std::FILE* out_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_plain_;
  uint64_t first_done_ = 0;
  bool started_ = false;
  proto::JobState last_state_ = proto::JobState::kUnknown;
};

}  // namespace tf
