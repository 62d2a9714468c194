#include "formats/protocol/trust_codec.h"

#include <string>

#include "formats/protocol/codec_support.h"

namespace tf::proto {
namespace {

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
  write_list(b.initCredits(list_size(m.credits)), m.credits, [](auto o, const CreditRow& c) {
    o.setWorkerKey(c.worker_key);
    o.setName(c.name);
    o.setCredit(c.credit);
    o.setAcceptedUnits(c.accepted_units);
  });
  write_list(b.initWorkers(list_size(m.workers)), m.workers, [](auto o, const WorkerTrustRow& w) {
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
  });
  write_list(b.initLedger(list_size(m.ledger)), m.ledger, [](auto o, const LedgerRow& e) {
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
    o.setReversal(e.reversal);
  });
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
    throw DecodeError("trustReply carries " + std::to_string(r.getLedger().size()) +
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
    o.signature = read_bytes(e.getSignature());
    o.reversal = e.getReversal();
    m.ledger.push_back(std::move(o));
  }
  m.ledger_total = r.getLedgerTotal();
  m.ledger_public_key = read_bytes(r.getLedgerPublicKey());
  return m;
}

}  // namespace tf::proto
