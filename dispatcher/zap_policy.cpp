#include "dispatcher/zap_policy.h"

#include "formats/protocol/curve_keys.h"

namespace tf {

bool AccessPolicy::is_client(const std::string& key) const {
  return banned.count(key) == 0 && client_allow.count(key) != 0;
}

bool AccessPolicy::is_worker(const std::string& key) const {
  if (banned.count(key) != 0) return false;
  if (worker_allow) return worker_allow->count(key) != 0;
  return client_allow.count(key) == 0;
}

Result<AccessPolicy> read_access_policy(const std::string& worker_allow_file,
                                        const std::string& client_allow_file,
                                        const std::string& ban_file) {
  AccessPolicy policy;
  auto read = [](const std::string& file, std::set<std::string>* keys) -> Status {
    if (file.empty()) return Status::ok();
    Result<std::set<std::string>> list = proto::read_key_list(file);
    if (!list) return Error{list.message()};
    *keys = std::move(list.value());
    return Status::ok();
  };
  if (!worker_allow_file.empty()) policy.worker_allow.emplace();
  if (Status s = read(worker_allow_file, policy.worker_allow ? &*policy.worker_allow : nullptr); !s) {
    return Error{s.message()};
  }
  if (Status s = read(client_allow_file, &policy.client_allow); !s) return Error{s.message()};
  if (Status s = read(ban_file, &policy.banned); !s) return Error{s.message()};
  return policy;
}

}  // namespace tf
