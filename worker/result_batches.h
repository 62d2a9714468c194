// Results sent in batches: the worker's outbox folded into ResultBatch messages (protocol
// version kResultBatchVersion).
//
// A device that finishes units in a fraction of a millisecond (a GPU) produces results faster
// than one message each can carry them cheaply: every message costs a CurveZMQ box, a frame
// and a decode at the dispatcher, whatever its size, and a hash-only replica's result is under
// 200 bytes. The socket thread already sends its outbox once per batch window (worker.h);
// pack_results turns each run of consecutive UnitResults in it into ResultBatch messages of at
// most kMaxResultsPerBatch results and kMaxBatchValueBytes of values (messages.h). A result
// larger than that, a run of a single result and every other message keep their own message;
// the order of everything is kept. The dispatcher takes a batch's results one by one, exactly
// as if each had come alone, so batching changes no acceptance, credit or ledger rule.
//
// Thread safety: a pure function.
#pragma once

#include <deque>

#include "formats/protocol/messages.h"

namespace tf {

std::deque<proto::Body> pack_results(std::deque<proto::Body> bodies);

}  // namespace tf
