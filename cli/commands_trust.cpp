// Subcommands that read the dispatcher's trust state: credits, workers, ledger verify, ledger
// export. Each reads either a state folder directly (--state DIR: the database opened
// read-only, safe beside a running dispatcher) or a running dispatcher (--dispatcher ENDPOINT:
// TrustQuery messages). Exit codes: 0 ok, 1 the ledger failed verification, 2 bad usage or
// unreadable input.
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "cli/commands.h"
#include "cli/local_run.h"
#include "dispatcher/client.h"
#include "dispatcher/ledger.h"
#include "dispatcher/trust_queries.h"
#include "formats/fileio/atomic_write.h"

namespace tf::cli {
namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

struct LedgerPage {
  std::vector<proto::LedgerRow> rows;
  std::vector<uint8_t> public_key;  // as the source reports it; may be empty
};

// Where the trust state comes from: a state folder or a dispatcher.
class TrustSource {
 public:
  virtual ~TrustSource() = default;
  virtual Result<std::vector<proto::CreditRow>> credits() = 0;
  virtual Result<std::vector<proto::WorkerTrustRow>> workers() = 0;
  // Up to proto::kMaxLedgerPage entries from `offset`; an empty page ends the ledger.
  virtual Result<LedgerPage> ledger_page(uint64_t offset) = 0;
};

// A store read directly: a state folder's SQLite file, or a farm's PostgreSQL database; with
// the ledger's public key from the folder's ledger.pub or the database's farm_keys.
class StoreSource : public TrustSource {
 public:
  StoreSource(std::unique_ptr<SqlDb> db, std::optional<LedgerPublicKey> public_key)
      : db_(std::move(db)), public_key_(public_key) {}
  Result<std::vector<proto::CreditRow>> credits() override { return query_credits(*db_); }
  Result<std::vector<proto::WorkerTrustRow>> workers() override { return query_workers(*db_); }
  Result<LedgerPage> ledger_page(uint64_t offset) override {
    auto entries = read_ledger_entries(*db_, offset, proto::kMaxLedgerPage);
    if (!entries) return Error{entries.message()};
    LedgerPage page;
    for (const LedgerEntry& e : entries.value()) page.rows.push_back(to_ledger_row(e));
    if (public_key_) page.public_key.assign(public_key_->begin(), public_key_->end());
    return page;
  }

 private:
  std::unique_ptr<SqlDb> db_;
  std::optional<LedgerPublicKey> public_key_;
};

class DispatcherSource : public TrustSource {
 public:
  DispatcherSource(const std::string& endpoint, ClientOptions options)
      : client_(context_, endpoint, std::move(options)) {}
  Result<std::vector<proto::CreditRow>> credits() override {
    auto reply = ask({proto::TrustTopic::kCredits, 0, 0});
    if (!reply) return Error{reply.message()};
    return std::move(reply->credits);
  }
  Result<std::vector<proto::WorkerTrustRow>> workers() override {
    auto reply = ask({proto::TrustTopic::kWorkers, 0, 0});
    if (!reply) return Error{reply.message()};
    return std::move(reply->workers);
  }
  Result<LedgerPage> ledger_page(uint64_t offset) override {
    auto reply = ask({proto::TrustTopic::kLedger, offset, proto::kMaxLedgerPage});
    if (!reply) return Error{reply.message()};
    return LedgerPage{std::move(reply->ledger), std::move(reply->ledger_public_key)};
  }

 private:
  Result<proto::TrustReply> ask(const proto::TrustQuery& query) {
    Result<proto::Body> body = client_.request(query);
    if (!body) return Error{body.message()};
    if (auto* reply = std::get_if<proto::TrustReply>(&body.value())) return std::move(*reply);
    return Error{std::string("the dispatcher answered a trust query with ") +
                 proto::kind_name(body.value())};
  }

  zmq::context_t context_;
  DispatcherClient client_;
};

Result<std::unique_ptr<TrustSource>> open_source(const TrustSourceArgs& args) {
  if (args.state_dir.empty() + args.store_url.empty() + args.dispatcher.empty() != 2) {
    return Error{"give exactly one of --state DIR (read a state folder), --store URL (read a"
                 " farm's PostgreSQL database) or --dispatcher ENDPOINT"};
  }
  if (args.dispatcher.empty()) {
    Result<ReadOnlyStore> store = open_store_read_only(args.state_dir, args.store_url);
    if (!store) return Error{store.message()};
    return std::unique_ptr<TrustSource>(
        std::make_unique<StoreSource>(std::move(store->db), store->ledger_key));
  }
  Result<ClientOptions> options = client_options(args.dispatcher, args.security);
  if (!options) return Error{options.message()};
  return std::unique_ptr<TrustSource>(
      std::make_unique<DispatcherSource>(args.dispatcher, std::move(options.value())));
}

// Calls `visit` on every ledger row in order, page by page, until it returns false. Errors
// are the source's.
Status for_each_ledger_row(TrustSource& source, std::vector<uint8_t>* public_key,
                           const std::function<bool(const proto::LedgerRow&)>& visit) {
  for (uint64_t offset = 0;;) {
    Result<LedgerPage> page = source.ledger_page(offset);
    if (!page) return Error{page.message()};
    if (offset == 0 && public_key) *public_key = page->public_key;
    if (page->rows.empty()) return Status::ok();
    for (const proto::LedgerRow& row : page->rows) {
      if (!visit(row)) return Status::ok();
    }
    offset += page->rows.size();
  }
}

// Fields in ledger column order (ordered_json keeps insertion order).
nlohmann::ordered_json to_json(const proto::LedgerRow& r) {
  return {{"seq", r.seq},
          {"time_ms", r.time_ms},
          {"worker_key", r.worker_key},
          {"job_id", r.job_id},
          {"unit_id", r.unit_id},
          {"result", r.result.to_hex()},
          {"credit", r.credit},
          {"prev_hash", r.prev_hash.to_hex()},
          {"entry_hash", r.entry_hash.to_hex()},
          {"signature", hex(r.signature)},
          {"kind", r.reversal ? "reversal" : "grant"}};
}

nlohmann::json to_json(const proto::WorkerTrustRow& w) {
  return {{"key", w.key},
          {"name", w.name},
          {"owner", w.owner},
          {"credit", w.credit},
          {"accepted_units", w.accepted_units},
          {"valid", w.valid},
          {"invalid", w.invalid},
          {"errors", w.errors},
          {"timed_out", w.timed_out},
          {"malformed", w.malformed},
          {"consecutive_valid", w.consecutive_valid},
          {"quarantined", w.quarantined},
          {"quarantine_reason", w.quarantine_reason}};
}

// The key to verify against: the file given, else the one the source reports.
Result<LedgerPublicKey> verification_key(const std::string& key_file,
                                         const std::vector<uint8_t>& reported) {
  if (!key_file.empty()) return read_ledger_public_key_file(key_file);
  LedgerPublicKey key{};
  if (reported.size() != key.size()) {
    return Error{"the source holds no ledger public key (ledger.pub); pass --ledger-key FILE"};
  }
  std::copy(reported.begin(), reported.end(), key.begin());
  return key;
}

}  // namespace

int credits(const TrustSourceArgs& args, bool json) {
  auto source = open_source(args);
  if (!source) return fail(source.message(), kExitBadInput);
  auto rows = source.value()->credits();
  if (!rows) return fail(rows.message(), kExitBadInput);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : rows.value()) {
      list.push_back({{"worker_key", r.worker_key}, {"name", r.name}, {"credit", r.credit},
                      {"accepted_units", r.accepted_units}});
    }
    std::printf("%s\n", list.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-20s %10s  %-40s %s\n", "credit", "units", "worker key", "name");
  for (const auto& r : rows.value()) {
    std::printf("%-20llu %10llu  %-40s %s\n", static_cast<unsigned long long>(r.credit),
                static_cast<unsigned long long>(r.accepted_units), r.worker_key.c_str(),
                r.name.c_str());
  }
  return kExitOk;
}

int workers(const TrustSourceArgs& args, bool json) {
  auto source = open_source(args);
  if (!source) return fail(source.message(), kExitBadInput);
  auto rows = source.value()->workers();
  if (!rows) return fail(rows.message(), kExitBadInput);
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& w : rows.value()) list.push_back(to_json(w));
    std::printf("%s\n", list.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-40s %-16s %14s %7s %6s %7s %6s %8s %9s %6s  %s\n", "key", "name", "credit",
              "units", "valid", "invalid", "errors", "timedout", "malformed", "streak", "status");
  for (const auto& w : rows.value()) {
    const std::string state =
        w.quarantined ? "quarantined: " + w.quarantine_reason : std::string("ok");
    std::printf("%-40s %-16s %14llu %7llu %6llu %7llu %6llu %8llu %9llu %6llu  %s\n",
                w.key.c_str(), w.name.c_str(), static_cast<unsigned long long>(w.credit),
                static_cast<unsigned long long>(w.accepted_units),
                static_cast<unsigned long long>(w.valid),
                static_cast<unsigned long long>(w.invalid),
                static_cast<unsigned long long>(w.errors),
                static_cast<unsigned long long>(w.timed_out),
                static_cast<unsigned long long>(w.malformed),
                static_cast<unsigned long long>(w.consecutive_valid), state.c_str());
  }
  return kExitOk;
}

int ledger_verify(const TrustSourceArgs& args, const std::string& ledger_key_file) {
  auto source = open_source(args);
  if (!source) return fail(source.message(), kExitBadInput);
  std::vector<uint8_t> reported_key;
  std::optional<LedgerVerifier> verifier;
  Status key_problem;
  Status read = for_each_ledger_row(*source.value(), &reported_key,
                                    [&](const proto::LedgerRow& row) {
    if (!verifier) {
      auto key = verification_key(ledger_key_file, reported_key);
      if (!key) {
        key_problem = Error{key.message()};
        return false;
      }
      verifier.emplace(key.value());
    }
    // Stops at the first bad entry: nothing after it can be trusted.
    return verifier->add(to_ledger_entry(row));
  });
  if (!read) return fail(read.message(), kExitBadInput);
  if (!key_problem) return fail(key_problem.message(), kExitBadInput);
  if (!verifier) {
    std::printf("ledger ok: 0 entries\n");
    return kExitOk;
  }
  verifier->finish();
  const LedgerVerification& v = verifier->result();
  if (!v.ok()) {
    return fail("ledger verification failed at entry " + std::to_string(*v.first_bad_seq) +
                    ": " + v.problem,
                kExitJobFailed);
  }
  std::printf("ledger ok: %llu entries, last entry hash %s\n",
              static_cast<unsigned long long>(v.entries), v.last_entry_hash.to_hex().c_str());
  return kExitOk;
}

int ledger_export(const TrustSourceArgs& args, const std::string& output) {
  auto source = open_source(args);
  if (!source) return fail(source.message(), kExitBadInput);
  const auto write_lines = [&](std::FILE* out) -> Status {
    bool written = true;
    Status read = for_each_ledger_row(*source.value(), nullptr, [&](const proto::LedgerRow& row) {
      const std::string line = to_json(row).dump() + "\n";
      written = std::fwrite(line.data(), 1, line.size(), out) == line.size();
      return written;
    });
    if (!read) return read;
    if (!written) return Error{"writing the export failed"};
    return Status::ok();
  };
  if (output.empty()) {
    if (Status s = write_lines(stdout); !s) return fail(s.message(), kExitBadInput);
    return kExitOk;
  }
  Status s = replace_file_atomically(output, [&](const std::filesystem::path& temporary) {
    std::FILE* out = std::fopen(temporary.c_str(), "wb");
    if (out == nullptr) return Status(Error{"cannot create " + temporary.string()});
    Status written = write_lines(out);
    if (std::fclose(out) != 0 && written) written = Error{"cannot write " + temporary.string()};
    return written;
  });
  if (!s) return fail("cannot export the ledger to " + output + ": " + s.message(), kExitBadInput);
  return kExitOk;
}

}  // namespace tf::cli
