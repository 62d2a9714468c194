// Recalls at the end of a queue (dispatcher_core.h, recall_for_dry_workers).
#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_set>

#include "dispatcher/dispatcher_core.h"

namespace tf {
namespace {

// A worker as a round of recalls sees it: work held and measured rate.
struct Holder {
  const std::string* peer = nullptr;
  uint32_t slots = 0;
  double cost = 0;
  double rate = 0;
  double seconds() const { return cost / rate; }
};

}  // namespace

Status DispatcherCore::recall_for_dry_workers(int64_t now_ms, std::vector<Outgoing>* out) {
  // Units that wait unreserved go out the usual way first.
  if (!config_.lease_sizing.recall_at_end ||
      scheduler_.pending() + units_unplanned() > reserved_.size()) {
    return Status::ok();
  }
  // Most ticks at the end of a queue find no worker waiting for work: nothing to weigh.
  std::unordered_set<const WorkerState*> wanting;
  for (const auto& [peer, w] : workers_) {
    if (wants_grant(peer, w)) wanting.insert(&w);
  }
  if (wanting.empty()) return Status::ok();
  // Workers that work is coming to (recalled or reserved for them), and the work still
  // leaving each worker (recalled from it, not answered yet), by routing id.
  std::set<std::string> awaiting;
  std::map<std::string, double> leaving;
  for (const auto& [lease_id, recall] : recalled_) {
    if (now_ms - recall.asked_ms >= kRecallAnswerMs) continue;  // not waited for any more
    awaiting.insert(recall.receiver);
    const Lease* lease = leases_.find(lease_id);
    auto unit = lease != nullptr ? units_.find(lease->unit_id) : units_.end();
    if (unit != units_.end()) {
      leaving[lease->worker] += static_cast<double>(unit_cost(unit->second.row));
    }
  }
  for (const auto& [unit_id, reservation] : reserved_) awaiting.insert(reservation.receiver);
  std::vector<Holder> dry;
  const auto later = [](const Holder& a, const Holder& b) { return a.seconds() < b.seconds(); };
  std::priority_queue<Holder, std::vector<Holder>, decltype(later)> holding(later);
  for (const auto& [peer, w] : workers_) {
    const double rate = w.sizer.rate_per_s();
    if (!w.said_hello || rate <= 0) continue;
    auto left = leaving.find(peer);
    const double cost = static_cast<double>(w.sizer.cost_in_flight()) -
                        (left != leaving.end() ? left->second : 0.0);
    const Holder h{&peer, w.slots, std::max(0.0, cost), rate};
    // A worker below its refill mark may still hold the most work of all: both.
    if (wanting.count(&w) != 0 && awaiting.count(peer) == 0) dry.push_back(h);
    if (leases_.count_held_by(peer) > w.slots) holding.push(h);
  }
  if (dry.empty() || holding.empty()) return Status::ok();
  // The driest first: each takes from whoever would finish last at that point.
  std::sort(dry.begin(), dry.end(), later);
  std::map<std::string, proto::LeaseRecall> recalls;
  std::set<std::string> received;
  for (const Holder& receiver : dry) {
    Holder donor = holding.top();
    if (received.count(*donor.peer) != 0) break;  // its holding grew this tick
    if ((donor.seconds() - receiver.seconds()) * 1000 < kRecallMinLeadMs) break;
    const double wanted =
        balancing_transfer(donor.cost, donor.rate, receiver.cost, receiver.rate);
    // Its leases in grant order: the worker runs them in that order, so the last ones are
    // the furthest from starting.
    const std::vector<uint64_t> held = leases_.held_by(*donor.peer);
    const WorkerState& taker = workers_.at(*receiver.peer);
    proto::LeaseRecall& recall = recalls[*donor.peer];
    double moved = 0;
    for (size_t i = held.size(); i > donor.slots; --i) {
      const uint64_t lease_id = held[i - 1];
      if (recalled_.count(lease_id) != 0) continue;
      const Lease* lease = leases_.find(lease_id);
      auto unit = lease != nullptr ? units_.find(lease->unit_id) : units_.end();
      if (unit == units_.end() || unit->second.row.input.has_value()) break;
      // Only units the receiver may take (dispatch()'s rules): one whose other replica its
      // key or owner computed would come back to nobody's use, again and again.
      if (!may_take(unit->second, votes_of(unit->second), taker)) continue;
      const double cost = static_cast<double>(unit_cost(unit->second.row));
      if (moved + cost > wanted) break;
      moved += cost;
      recall.lease_ids.push_back(lease_id);
      recalled_[lease_id] = {*receiver.peer, now_ms};
      ++stats_.leases_recalled;
    }
    // Nothing the receiver may run, or not a whole unit: the next may still take some.
    if (moved == 0) continue;
    received.insert(*receiver.peer);
    holding.pop();
    donor.cost -= moved;
    holding.push(donor);
  }
  for (auto& [peer, recall] : recalls) {
    if (recall.lease_ids.empty()) continue;
    workers_[peer].last_sent_ms = now_ms;
    out->push_back({peer, {0, std::move(recall)}});
  }
  return Status::ok();
}

void DispatcherCore::drop_stale_reservations(int64_t now_ms) {
  std::erase_if(reserved_, [&](const auto& entry) {
    return now_ms >= entry.second.until_ms || workers_.count(entry.second.receiver) == 0;
  });
}

bool DispatcherCore::reserved_for_other(uint64_t unit_id, const std::string& peer) const {
  auto reserved = reserved_.find(unit_id);
  return reserved != reserved_.end() && reserved->second.receiver != peer;
}

bool DispatcherCore::reserved_for(uint64_t unit_id, const std::string& peer) const {
  auto reserved = reserved_.find(unit_id);
  return reserved != reserved_.end() && reserved->second.receiver == peer;
}

}  // namespace tf
