#include "dispatcher/lease_sizer.h"

#include <algorithm>
#include <cmath>

namespace tf {

uint64_t grant_cap(uint64_t pending, double workers, uint64_t slots) {
  const double part = std::ceil(static_cast<double>(pending) / std::max(workers, 1.0));
  return std::max<uint64_t>({1, slots, static_cast<uint64_t>(part)});
}

std::vector<uint64_t> tick_parts(uint64_t allowance, std::span<const double> rates) {
  double measured = 0;
  size_t count = 0;
  for (double rate : rates) {
    if (rate <= 0) continue;
    measured += rate;
    ++count;
  }
  const double unmeasured = count > 0 ? measured / static_cast<double>(count) : 1;
  const double all = measured + static_cast<double>(rates.size() - count) * unmeasured;
  std::vector<uint64_t> parts;
  parts.reserve(rates.size());
  for (double rate : rates) {
    const double share = static_cast<double>(allowance) * (rate > 0 ? rate : unmeasured) / all;
    parts.push_back(static_cast<uint64_t>(std::ceil(share)));
  }
  return parts;
}

double balancing_transfer(double from_cost, double from_rate, double to_cost, double to_rate) {
  if (from_rate <= 0 || to_rate <= 0) return 0;
  return std::max(0.0, (from_cost * to_rate - to_cost * from_rate) / (from_rate + to_rate));
}

void LeaseSizer::granted(uint64_t cost, int64_t now_ms) {
  if (in_flight_ == 0) {
    if (window_start_ms_ < 0) {
      window_start_ms_ = now_ms;
      window_cost_ = 0;
      window_results_ = 0;
    } else {
      window_start_ms_ += std::max<int64_t>(0, now_ms - idle_since_ms_);  // idle: left out
    }
  }
  in_flight_ += cost;
}

void LeaseSizer::ended(uint64_t cost, int64_t now_ms) {
  in_flight_ -= std::min(cost, in_flight_);
  if (in_flight_ == 0) idle_since_ms_ = now_ms;
}

void LeaseSizer::reported(uint64_t cost, int64_t now_ms, const LeaseSizing& sizing) {
  if (window_start_ms_ < 0) return;
  window_cost_ += cost;
  ++window_results_;
  const int64_t elapsed = now_ms - window_start_ms_;
  const bool first_closes_early = rate_per_s_ == 0 && window_results_ >= sizing.first_results &&
                                  elapsed >= sizing.first_min_ms;
  if (elapsed < sizing.window_ms && !first_closes_early) return;
  const auto per_s = [elapsed](double count) {
    return count * 1000.0 / static_cast<double>(elapsed);
  };
  const auto blend = [](double previous, double sample) {
    return previous == 0 ? sample : 0.5 * (previous + sample);
  };
  rate_per_s_ = blend(rate_per_s_, per_s(static_cast<double>(window_cost_)));
  units_per_s_ = blend(units_per_s_, per_s(window_results_));
  window_start_ms_ = now_ms;
  window_cost_ = 0;
  window_results_ = 0;
}

double LeaseSizer::budget(int64_t lease_ms, const LeaseSizing& sizing) const {
  const int64_t horizon_ms = std::min(sizing.target_ms, lease_ms / 2);
  return rate_per_s_ * static_cast<double>(horizon_ms) / 1000.0;
}

bool LeaseSizer::wants_more(uint64_t held, uint64_t slots, int64_t lease_ms,
                            const LeaseSizing& sizing) const {
  if (held >= sizing.max_units) return false;
  if (held < slots) return true;
  return static_cast<double>(in_flight_) < budget(lease_ms, sizing);
}

bool LeaseSizer::wants_refill(uint64_t held, uint64_t slots, int64_t lease_ms,
                              const LeaseSizing& sizing) const {
  if (held >= sizing.max_units) return false;
  if (held < slots) return true;
  return static_cast<double>(in_flight_) < sizing.refill_below * budget(lease_ms, sizing);
}

}  // namespace tf
