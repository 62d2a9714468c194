#include "cli/progress.h"

#include <unistd.h>

namespace tf {

ProgressReporter::ProgressReporter(std::FILE* out)
    : out_(out),
      terminal_(::isatty(::fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_plain_(start_) {}

std::string refinement_text(const proto::JobStatus& s) {
  if (s.tiles_converged + s.tiles_refining == 0) return "";
  return "tiles " + std::to_string(s.tiles_converged) + " converged, " +
         std::to_string(s.tiles_refining) + " refining, spp " + std::to_string(s.spp_min) + "-" +
         std::to_string(s.spp_max);
}

std::string ProgressReporter::line(const proto::JobStatus& s) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(s.units_done - first_done_) / elapsed : 0;
  const uint64_t left = s.units_total - s.units_done;
  char eta[32] = "--";
  if (rate > 0) std::snprintf(eta, sizeof eta, "%.0f s", static_cast<double>(left) / rate);
  const int width = 30;
  const int filled =
      s.units_total ? static_cast<int>(width * s.units_done / s.units_total) : 0;
  char text[256];
  std::snprintf(text, sizeof text, "[%.*s%.*s] %llu/%llu units  %.1f units/s  ETA %s  (%s)",
                filled, "##############################", width - filled,
                "..............................", static_cast<unsigned long long>(s.units_done),
                static_cast<unsigned long long>(s.units_total), rate, eta,
                proto::job_state_name(s.state));
  std::string out = text;
  if (std::string tiles = refinement_text(s); !tiles.empty()) out += "  " + tiles;
  // A running job's message says why it is stuck (no workers, too few for its replication).
  if (!s.message.empty() && proto::job_active(s.state)) {
    return out + "  " + s.message;
  }
  return out;
}

void ProgressReporter::update(const proto::JobStatus& s) {
  if (!started_) {
    first_done_ = s.units_done;
    started_ = true;
  }
  if (terminal_) {
    std::fprintf(out_, "\r%s\033[K", line(s).c_str());
  } else {
    const auto now = std::chrono::steady_clock::now();
    if (s.state == last_state_ && now - last_plain_ < std::chrono::seconds(5)) return;
    last_plain_ = now;
    std::fprintf(out_, "%s\n", line(s).c_str());
  }
  last_state_ = s.state;
  std::fflush(out_);
}

void ProgressReporter::finish(const proto::JobStatus& s) {
  if (terminal_) {
    std::fprintf(out_, "\r%s\033[K\n", line(s).c_str());
  } else if (s.state != last_state_) {
    std::fprintf(out_, "%s\n", line(s).c_str());
  }
  std::fflush(out_);
}

}  // namespace tf
