#include "formats/protocol/trust_codec.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace tf::proto {
namespace {

capnp::Data::Reader as_data(const Hash256& h) { return {h.bytes.data(), h.bytes.size()}; }
capnp::Data::Reader as_data(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }
std::string read_text(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }

Hash256 read_hash(capnp::Data::Reader d, const char* what) {
  if (d.size() != 32) {
    throw std::runtime_error(std::string(what) + " must be a 32-byte hash, got " +
                             std::to_string(d.size()) + " bytes");
  }
  Hash256 h;
  std::memcpy(h.bytes.data(), d.begin(), 32);
  return h;
}

TrustTopic read_topic(wire::TrustTopic t) {
  switch (t) {
    case wire::TrustTopic::CREDITS: return TrustTopic::kCredits;
    case wire::TrustTopic::WORKERS: return TrustTopic::kWorkers;
    case wire::TrustTopic::LEDGER: return TrustTopic::kLedger;
    default: return TrustTopic::kUnknown;  // a newer peer's topic
  }
}

wire::TrustTopic write_topic(TrustTopic t) {
  switch (t) {
    case TrustTopic::kCredits: return wire::TrustTopic::CREDITS;
    case TrustTopic::kWorkers: return wire::TrustTopic::WORKERS;
    case TrustTopic::kLedger: return wire::TrustTopic::LEDGER;
    case TrustTopic::kUnknown: break;
  }
  return wire::TrustTopic::UNKNOWN;
}

}  // namespace

void write_trust_query(wire::TrustQuery::Builder b, const TrustQuery& m) {
  b.setTopic(write_topic(m.topic));
  b.setOffset(m.offset);
  b.setLimit(m.limit);
}

void write_trust_reply(wire::TrustReply::Builder b, const TrustReply& m) {
  b.setTopic(write_topic(m.topic));
  auto credits = b.initCredits(static_cast<unsigned>(m.credits.size()));
  for (unsigned i = 0; i < m.credits.size(); ++i) {
    const CreditRow& c = m.credits[i];
    credits[i].setWorkerKey(c.worker_key);
    credits[i].setName(c.name);
    credits[i].setCredit(c.credit);
    credits[i].setAcceptedUnits(c.accepted_units);
  }
  auto workers = b.initWorkers(static_cast<unsigned>(m.workers.size()));
  for (unsigned i = 0; i < m.workers.size(); ++i) {
    const WorkerTrustRow& w = m.workers[i];
    auto o = workers[i];
    o.setKey(w.key);
    o.setName(w.name);
    o.setOwner(w.owner);
    o.setCredit(w.credit);
    o.setAcceptedUnits(w.accepted_units);
    o.setValid(w.valid);
    o.setInvalid(w.invalid);
    o.setErrors(w.errors);
    o.setTimedOut(w.timed_out);
    o.setMalformed(w.malformed);
    o.setConsecutiveValid(w.consecutive_valid);
    o.setQuarantined(w.quarantined);
    o.setQuarantineReason(w.quarantine_reason);
  }
  auto ledger = b.initLedger(static_cast<unsigned>(m.ledger.size()));
  for (unsigned i = 0; i < m.ledger.size(); ++i) {
    const LedgerRow& e = m.ledger[i];
    auto o = ledger[i];
    o.setSeq(e.seq);
    o.setTimeMs(e.time_ms);
    o.setWorkerKey(e.worker_key);
    o.setJobId(e.job_id);
    o.setUnitId(e.unit_id);
    o.setResult(as_data(e.result));
    o.setCredit(e.credit);
    o.setPrevHash(as_data(e.prev_hash));
    o.setEntryHash(as_data(e.entry_hash));
    o.setSignature(as_data(e.signature));
  }
  b.setLedgerTotal(m.ledger_total);
  b.setLedgerPublicKey(as_data(m.ledger_public_key));
}

TrustQuery read_trust_query(wire::TrustQuery::Reader r) {
  return TrustQuery{read_topic(r.getTopic()), r.getOffset(), r.getLimit()};
}

TrustReply read_trust_reply(wire::TrustReply::Reader r) {
  TrustReply m;
  m.topic = read_topic(r.getTopic());
  for (auto c : r.getCredits()) {
    m.credits.push_back({read_text(c.getWorkerKey()), read_text(c.getName()), c.getCredit(),
                         c.getAcceptedUnits()});
  }
  for (auto w : r.getWorkers()) {
    WorkerTrustRow o;
    o.key = read_text(w.getKey());
    o.name = read_text(w.getName());
    o.owner = read_text(w.getOwner());
    o.credit = w.getCredit();
    o.accepted_units = w.getAcceptedUnits();
    o.valid = w.getValid();
    o.invalid = w.getInvalid();
    o.errors = w.getErrors();
    o.timed_out = w.getTimedOut();
    o.malformed = w.getMalformed();
    o.consecutive_valid = w.getConsecutiveValid();
    o.quarantined = w.getQuarantined();
    o.quarantine_reason = read_text(w.getQuarantineReason());
    m.workers.push_back(std::move(o));
  }
  if (r.getLedger().size() > kMaxLedgerPage) {
    throw std::runtime_error("trustReply carries " + std::to_string(r.getLedger().size()) +
                             " ledger entries, more than a page of " +
                             std::to_string(kMaxLedgerPage));
  }
  for (auto e : r.getLedger()) {
    LedgerRow o;
    o.seq = e.getSeq();
    o.time_ms = e.getTimeMs();
    o.worker_key = read_text(e.getWorkerKey());
    o.job_id = e.getJobId();
    o.unit_id = e.getUnitId();
    o.result = read_hash(e.getResult(), "trustReply.ledger.result");
    o.credit = e.getCredit();
    o.prev_hash = read_hash(e.getPrevHash(), "trustReply.ledger.prevHash");
    o.entry_hash = read_hash(e.getEntryHash(), "trustReply.ledger.entryHash");
    o.signature.assign(e.getSignature().begin(), e.getSignature().end());
    m.ledger.push_back(std::move(o));
  }
  m.ledger_total = r.getLedgerTotal();
  m.ledger_public_key.assign(r.getLedgerPublicKey().begin(), r.getLedgerPublicKey().end());
  return m;
}

}  // namespace tf::proto
