// Who may talk to a dispatcher over CurveZMQ, and in which role, by public key (Z85).
//
// Rules, in order:
// - a banned key is refused at the handshake, whatever lists it is on;
// - a key on the client allow list is a client (may submit, query, cancel, read outputs);
// - workers come by open enrollment (any key not banned and not a client key), or, when a
//   worker allow list is given, only from that list; a key on both lists has both roles;
// - a key with neither role is refused at the handshake.
// The ZAP handler (zap_handler.h) applies may_connect at the handshake; the server applies
// is_client / is_worker to every message (a client key cannot return results, a worker key
// cannot read outputs).
//
// Thread safety: immutable after construction; share it as a const object.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "kernels/status.h"

namespace tf {

struct AccessPolicy {
  std::optional<std::set<std::string>> worker_allow;  // nullopt: open enrollment
  std::set<std::string> client_allow;
  std::set<std::string> banned;

  bool is_client(const std::string& key) const;
  bool is_worker(const std::string& key) const;
  bool may_connect(const std::string& key) const { return is_client(key) || is_worker(key); }
};

// Reads the lists (formats/protocol/curve_keys.h key lists); an empty path means "no list"
// (open worker enrollment, no clients, nobody banned). Errors name the file and line.
Result<AccessPolicy> read_access_policy(const std::string& worker_allow_file,
                                        const std::string& client_allow_file,
                                        const std::string& ban_file);

}  // namespace tf
