// Ed25519 signatures of ledger entries on a background thread (ledger.h, append_deferred).
//
// A signature costs about 20 us of CPU, the largest single cost of accepting a unit on the
// dispatcher's loop thread. The loop computes each entry's chained hash itself (cheap, and
// the chain is sequential), submits it here and goes on with the next message; before the
// iteration commits, take_all() waits for the signatures, which the loop then writes with
// their entries.
//
// Thread safety: submit() and take_all() from one thread (the ledger's); signing runs on the
// signer's own thread.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "formats/hash/hash.h"

namespace tf {

using LedgerSignature = std::array<uint8_t, 64>;

class LedgerSigner {
 public:
  explicit LedgerSigner(const std::array<uint8_t, 64>& secret_key);
  ~LedgerSigner();
  LedgerSigner(const LedgerSigner&) = delete;
  LedgerSigner& operator=(const LedgerSigner&) = delete;

  // Queues `entry_hash` for signing.
  void submit(const Hash256& entry_hash);
  // Waits until every submitted hash is signed; returns the signatures in submission order and
  // starts over.
  std::vector<LedgerSignature> take_all();

 private:
  void run();

  const std::array<uint8_t, 64> secret_key_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Hash256> hashes_;                 // submitted since the last take_all()
  std::vector<LedgerSignature> signatures_;  // of hashes_[0 .. signatures_.size())
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tf
