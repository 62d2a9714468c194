#include "dispatcher/ledger_signer.h"

#include <sodium/crypto_sign.h>

namespace tf {

LedgerSigner::LedgerSigner(const std::array<uint8_t, 64>& secret_key)
    : secret_key_(secret_key), thread_([this] { run(); }) {}

LedgerSigner::~LedgerSigner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void LedgerSigner::submit(const Hash256& entry_hash) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hashes_.push_back(entry_hash);
  }
  changed_.notify_all();
}

std::vector<LedgerSignature> LedgerSigner::take_all() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return signatures_.size() == hashes_.size(); });
  hashes_.clear();
  return std::exchange(signatures_, {});
}

void LedgerSigner::run() {
  for (;;) {
    Hash256 next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || signatures_.size() < hashes_.size(); });
      if (stop_) return;
      next = hashes_[signatures_.size()];
    }
    LedgerSignature signature{};
    crypto_sign_detached(signature.data(), nullptr, next.bytes.data(), next.bytes.size(),
                         secret_key_.data());
    {
      std::lock_guard<std::mutex> lock(mutex_);
      signatures_.push_back(signature);
    }
    changed_.notify_all();
  }
}

}  // namespace tf
