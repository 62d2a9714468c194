#include "dispatcher/lease_table.h"

namespace tf {

void LeaseTable::add(const Lease& lease) {
  leases_[lease.id] = lease;
  by_deadline_.insert({lease.deadline_ms, lease.id});
  by_worker_[lease.worker].insert(lease.id);
  by_unit_[lease.unit_id].insert(lease.id);
}

std::optional<Lease> LeaseTable::remove(uint64_t lease_id) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return std::nullopt;
  Lease lease = std::move(it->second);
  leases_.erase(it);
  by_deadline_.erase({lease.deadline_ms, lease.id});
  if (auto w = by_worker_.find(lease.worker); w != by_worker_.end()) {
    w->second.erase(lease.id);
    if (w->second.empty()) by_worker_.erase(w);
  }
  if (auto u = by_unit_.find(lease.unit_id); u != by_unit_.end()) {
    u->second.erase(lease.id);
    if (u->second.empty()) by_unit_.erase(u);
  }
  return lease;
}

const Lease* LeaseTable::find(uint64_t lease_id) const {
  auto it = leases_.find(lease_id);
  return it == leases_.end() ? nullptr : &it->second;
}

std::vector<uint64_t> LeaseTable::held_by(const std::string& worker) const {
  auto it = by_worker_.find(worker);
  if (it == by_worker_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<uint64_t> LeaseTable::expired(int64_t now_ms) const {
  std::vector<uint64_t> out;
  for (const auto& [deadline, id] : by_deadline_) {
    if (deadline > now_ms) break;
    out.push_back(id);
  }
  return out;
}

std::vector<uint64_t> LeaseTable::of_unit(uint64_t unit_id) const {
  auto it = by_unit_.find(unit_id);
  if (it == by_unit_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

size_t LeaseTable::count_held_by(const std::string& worker) const {
  auto it = by_worker_.find(worker);
  return it == by_worker_.end() ? 0 : it->second.size();
}

}  // namespace tf
