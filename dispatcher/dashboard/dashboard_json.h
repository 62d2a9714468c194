// The dashboard's JSON documents: /api/farm (jobs, workers, counters) and /api/trust (credit,
// ledger tail and verification). Image URLs are relative to the dashboard's root.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "dispatcher/dashboard/trust_feed.h"
#include "dispatcher/farm_board.h"

namespace tf {

nlohmann::json farm_json(const FarmView& view);
nlohmann::json trust_json(const TrustSummary& summary);

}  // namespace tf
