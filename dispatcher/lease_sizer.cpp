#include "dispatcher/lease_sizer.h"

#include <algorithm>
#include <cmath>

namespace tf {

uint64_t grant_cap(uint64_t pending, double workers, uint64_t slots) {
  const double part = std::ceil(static_cast<double>(pending) / std::max(workers, 1.0));
  return std::max<uint64_t>({1, slots, static_cast<uint64_t>(part)});
}

void SharingRates::add(double rate) {
  ++count_;
  if (rate <= 0) return;
  measured_ += rate;
  ++measured_count_;
}

double SharingRates::workers_as_fast_as(double rate) const {
  if (measured_count_ == 0) return static_cast<double>(count_);
  const double mean = measured_ / static_cast<double>(measured_count_);
  const double all = measured_ + static_cast<double>(count_ - measured_count_) * mean;
  return all / (rate > 0 ? rate : mean);
}

std::vector<uint64_t> tick_parts(uint64_t allowance, std::span<const double> rates) {
  SharingRates sharing;
  for (double rate : rates) sharing.add(rate);
  std::vector<uint64_t> parts;
  parts.reserve(rates.size());
  for (double rate : rates) {
    const double part = static_cast<double>(allowance) / sharing.workers_as_fast_as(rate);
    parts.push_back(static_cast<uint64_t>(std::ceil(part)));
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
  // Half of what it may hold: its budget, or the unit cap where that binds first.
  if (static_cast<double>(held) >= sizing.refill_below * sizing.max_units) return false;
  return static_cast<double>(in_flight_) < sizing.refill_below * budget(lease_ms, sizing);
}

}  // namespace tf
