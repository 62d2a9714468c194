// Leases: which worker holds which unit, until when.
//
// A lease ends when its result arrives, when the worker returns it or fails it, when the
// worker is declared dead (no heartbeat for liveness x interval), or when its deadline passes.
// Rule that survives a lost worker: every ended-but-unfinished lease puts its unit back in the
// scheduler (the caller does that).
//
// Thread safety: one LeaseTable belongs to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tf {

struct Lease {
  uint64_t id = 0;
  uint64_t unit_id = 0;
  uint64_t job_id = 0;
  std::string worker;
  int64_t deadline_ms = 0;
};

class LeaseTable {
 public:
  void add(const Lease& lease);
  // Removes and returns the lease; nullopt when unknown (already ended).
  std::optional<Lease> remove(uint64_t lease_id);
  const Lease* find(uint64_t lease_id) const;
  // Ids of the leases held by `worker`, and of leases whose deadline is <= now_ms.
  std::vector<uint64_t> held_by(const std::string& worker) const;
  std::vector<uint64_t> expired(int64_t now_ms) const;
  // Ids of every lease of `unit_id`.
  std::vector<uint64_t> of_unit(uint64_t unit_id) const;
  size_t count_held_by(const std::string& worker) const;
  size_t size() const { return leases_.size(); }

 private:
  std::unordered_map<uint64_t, Lease> leases_;
  std::set<std::pair<int64_t, uint64_t>> by_deadline_;
  std::map<std::string, std::set<uint64_t>> by_worker_;
  std::unordered_map<uint64_t, std::set<uint64_t>> by_unit_;
};

}  // namespace tf
