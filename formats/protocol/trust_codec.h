// Wire form of the trust messages (trust_messages.h): used by codec.cpp only.
//
// The read functions throw std::runtime_error for values Cap'n Proto cannot check itself (a
// hash of the wrong length, too many rows); decode_message turns that into an error.
#pragma once

#include "formats/protocol/trust_messages.h"
#include "protocol.capnp.h"

namespace tf::proto {

void write_trust_query(wire::TrustQuery::Builder b, const TrustQuery& m);
void write_trust_reply(wire::TrustReply::Builder b, const TrustReply& m);
TrustQuery read_trust_query(wire::TrustQuery::Reader r);
TrustReply read_trust_reply(wire::TrustReply::Reader r);

}  // namespace tf::proto
