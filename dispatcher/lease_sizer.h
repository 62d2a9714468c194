// Leases sized to the device: how much work one worker may hold at once.
//
// A GPU finishes a typical unit in about a millisecond, a CPU in a second, so a fixed number
// of units in flight per worker either starves the GPU (each result waits for a round trip
// before the next grant) or queues minutes of work on the CPU. Instead the dispatcher measures
// each worker's rate from the results it reports (in work units of unit_cost: pixel-samples,
// cell-steps, the dispatcher's own count, never the worker's claim) and lets it hold about
// `target_ms` of work at that rate, never fewer units than the slots its hello declared and
// never more than `max_units` units or half its lease time of work.
//
// Rate: work reported over a measuring window of at least `window_ms`, blended with the
// previous estimate (half each). Time while the worker holds nothing (no work pending, or a
// result's round trip before the next grant) is left out of the window, so idleness never
// counts as slowness. Until the first window closes the worker holds its declared slots only;
// that first window also closes once it holds `first_results` results over at least
// `first_min_ms`, so a device that finishes units in a fraction of a millisecond is measured
// within tens of milliseconds instead of spending its first half second a round trip per
// unit. A device that slow to report keeps the ordinary window.
//
// Thread safety: one LeaseSizer per worker, on the dispatcher's loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tf {

struct LeaseSizing {
  int64_t target_ms = 2000;  // work in flight per worker, at its measured rate
  int64_t window_ms = 500;   // shortest measuring window
  uint32_t first_results = 32;  // results that close the first window early...
  int64_t first_min_ms = 20;    // ...once it has lasted this long
  uint32_t max_units = 4096; // units in flight per worker, whatever its rate
  double refill_below = 0.5;  // a grant starts once work in flight is under this share of the budget
  // Once no unit waits, a worker that wants a grant may have units recalled for it from the
  // worker that would finish last (DispatcherCore, recalls); false: never.
  bool recall_at_end = true;
};

// The most units one grant takes when `pending` units wait and the workers sharing them are
// worth `workers` workers as fast as the asking one (their measured rates over its own; the
// worker count when all are alike): a 1/workers part of the queue, rounded up (guided
// self-scheduling), but never fewer than the asking worker's declared `slots` (as
// LeaseSizer::wants_more: a worker always gets those). The budget alone would let the workers
// that refill first take what is left of a job, a budget's worth each, while the others run
// dry (256 devices on a two-second job: a third of them idle for the last second); with the
// cap, grants shrink as the queue does and the workers finish together. A long queue's part
// exceeds any budget of equally fast workers, so the cap binds only near the end. Parts by
// count alone starved a fast device among slow ones: asking again takes a loop iteration (up
// to 0.2 s on a busy farm), and a 200 us device beside 255 of 20 ms got 100 units, 20 ms of
// its work, a round.
uint64_t grant_cap(uint64_t pending, double workers, uint64_t slots);

// Workers' measured rates (LeaseSizer::units_per_s), added one worker at a time, and what a
// worker's part of a count of units shared among them is: a worker not measured yet counts at
// the mean rate of those that are; with none measured, all count alike.
class SharingRates {
 public:
  void add(double rate);  // one worker's rate; 0: not measured yet
  // How many workers as fast as one of `rate` (0: not measured yet) those added amount to:
  // their rates' sum over its own; with none measured, their count.
  double workers_as_fast_as(double rate) const;

 private:
  double measured_ = 0;  // the measured workers' rates, summed
  size_t measured_count_ = 0, count_ = 0;
};

// Each wanting worker's part of a tick's `allowance` of units (DispatcherCore::tick), given
// their measured rates (0: not measured yet; SharingRates): in proportion to the rates, so
// that each gets about the same time of work per tick, rounded up. Equal parts would starve
// a fast device among slow ones (a 200 us GPU beside 255 devices of 20 ms: 8 units, 1.6 ms of
// its work, a tick).
std::vector<uint64_t> tick_parts(uint64_t allowance, std::span<const double> rates);

// The work (in unit_cost's units) that moving from a worker holding `from_cost` at
// `from_rate` to one holding `to_cost` at `to_rate` makes both finish at once: the `c` with
// (from_cost - c) / from_rate = (to_cost + c) / to_rate; 0 when the first would not finish
// later, or a rate is unknown (0). Recalls at the end of a queue move about this much.
double balancing_transfer(double from_cost, double from_rate, double to_cost, double to_rate);

class LeaseSizer {
 public:
  // A unit of `cost` was granted / ended (result, failure, lapse, return) at `now_ms`.
  void granted(uint64_t cost, int64_t now_ms);
  void ended(uint64_t cost, int64_t now_ms);
  // A result for a unit of `cost` arrived in time; closes the window as `sizing` says.
  void reported(uint64_t cost, int64_t now_ms, const LeaseSizing& sizing);

  // Whether one more unit may go to this worker, which holds `held` units now, declared
  // `slots` in its hello, and gets leases of `lease_ms`.
  bool wants_more(uint64_t held, uint64_t slots, int64_t lease_ms, const LeaseSizing& sizing) const;
  // Whether a grant to this worker should start at all: below its declared slots always,
  // otherwise once its work in flight fell under `refill_below` of its budget, and its units
  // under `refill_below` of `max_units` (then wants_more fills it up to the budget or the cap).
  // A device holding a hundred units thus gets half of them per grant instead of one grant
  // message per result: each message costs a CurveZMQ box and a wake-up at both ends, and the
  // device still has at least half its budget queued. Without the second mark a device whose
  // budget is over twice the cap (200 us units: 10,000 in 2 s, 4,096 held) was refilled at
  // every loop iteration with the few units it had finished since.
  bool wants_refill(uint64_t held, uint64_t slots, int64_t lease_ms,
                    const LeaseSizing& sizing) const;

  double rate_per_s() const { return rate_per_s_; }  // 0: not measured yet
  // Results per second over the same windows: what a worker's part of a count of units goes by
  // (tick_parts, grant_cap), since units of one job differ in cost (a frame's edge tiles).
  double units_per_s() const { return units_per_s_; }
  uint64_t cost_in_flight() const { return in_flight_; }

 private:
  double budget(int64_t lease_ms, const LeaseSizing& sizing) const;  // work units in flight

  uint64_t in_flight_ = 0;
  double rate_per_s_ = 0;
  double units_per_s_ = 0;
  int64_t window_start_ms_ = -1;  // -1: no window opened yet
  int64_t idle_since_ms_ = 0;     // when in_flight_ last fell to 0
  uint64_t window_cost_ = 0;
  uint32_t window_results_ = 0;
};

}  // namespace tf
