// CurveZMQ keys for the subcommands: keygen, the dispatcher's keypair and access lists, and
// the keys a worker or client uses to reach a tcp:// dispatcher.
#include <cstdio>

#include "cli/commands.h"
#include "cli/log_output.h"
#include "formats/protocol/curve_keys.h"

namespace tf::cli {
namespace {

void warn_insecure(const std::string& endpoint) {
  write_log(LogLevel::kWarning, "WARNING: --insecure: plain tcp to " + endpoint +
                                    ". Nothing is encrypted or authenticated; use it for local "
                                    "experiments only.");
}

}  // namespace

Result<proto::TransportOptions> peer_transport(const std::string& endpoint,
                                               const ClientSecurityArgs& security,
                                               const std::string& default_key_name) {
  proto::TransportOptions transport;
  if (!proto::needs_curve(endpoint)) return transport;
  if (security.insecure) {
    warn_insecure(endpoint);
    return transport;
  }
  if (security.server_key.empty()) {
    return Error{"talking to " + endpoint +
                 " needs the dispatcher's public key: --server-key KEY_OR_FILE (the dispatcher "
                 "prints it at start and keeps it in STATE/dispatcher.key.pub), or --insecure "
                 "for plain tcp"};
  }
  Result<std::string> server_key = proto::parse_public_key(security.server_key);
  if (!server_key) return Error{"--server-key: " + server_key.message()};
  Result<std::filesystem::path> key_path =
      security.key_file.empty() ? proto::default_key_path(default_key_name)
                                : Result<std::filesystem::path>(std::filesystem::path(security.key_file));
  if (!key_path) return Error{key_path.message()};
  bool created = false;
  Result<proto::CurveKeypair> keys = proto::load_or_create_keypair(key_path.value(), &created);
  if (!keys) return Error{keys.message()};
  if (created) {
    write_log(LogLevel::kInfo,
              "created the keypair " + key_path->string() + "; its public key (also in " +
                  key_path->string() + ".pub) is\n  " + keys->public_key +
                  "\n  the dispatcher knows you by this key" +
                  (default_key_name == "client.key"
                       ? ": its operator must add it to the --client-allow list before you can "
                         "submit"
                       : ""));
  }
  transport.curve = proto::CurveOptions{keys->public_key, keys->secret_key, server_key.value(), ""};
  return transport;
}

Result<ClientOptions> client_options(const std::string& endpoint, const ClientSecurityArgs& security) {
  Result<proto::TransportOptions> transport = peer_transport(endpoint, security, "client.key");
  if (!transport) return Error{transport.message()};
  ClientOptions options;
  options.transport = std::move(transport.value());
  return options;
}

Result<DispatcherSecurity> dispatcher_security(const DispatcherArgs& args) {
  DispatcherSecurity security;
  security.insecure = args.insecure;
  if (!proto::needs_curve(args.listen) || args.insecure) {
    if (!args.worker_allow_file.empty() || !args.client_allow_file.empty() || !args.ban_file.empty()) {
      write_log(LogLevel::kWarning,
                "note: allow and ban lists apply to CurveZMQ (tcp without --insecure) only; they "
                "are ignored here");
    }
    return security;
  }
  Result<AccessPolicy> access =
      read_access_policy(args.worker_allow_file, args.client_allow_file, args.ban_file);
  if (!access) return Error{access.message()};
  security.access = std::move(access.value());
  const std::filesystem::path key_path = std::filesystem::path(args.state_dir) / "dispatcher.key";
  bool created = false;
  Result<proto::CurveKeypair> keys = proto::load_or_create_keypair(key_path, &created);
  if (!keys) return Error{keys.message()};
  write_log(LogLevel::kInfo, "dispatcher key " + key_path.string() +
                                 (created ? " (created now)" : "") +
                                 "; hand its public key to workers and clients (--server-key, or "
                                 "the file " +
                                 key_path.string() + ".pub):\n  " + keys->public_key);
  write_log(LogLevel::kInfo,
            "workers: " +
                (security.access.worker_allow
                     ? std::to_string(security.access.worker_allow->size()) + " allowed"
                     : std::string("open enrollment")) +
                "; clients: " + std::to_string(security.access.client_allow.size()) +
                " allowed; " + std::to_string(security.access.banned.size()) + " keys banned");
  if (security.access.client_allow.empty()) {
    write_log(LogLevel::kWarning,
              "no --client-allow list: no client can submit or read jobs over tcp");
  }
  security.keypair = std::move(keys.value());
  return security;
}

int keygen(const std::string& output, bool force) {
  Result<std::filesystem::path> path = output.empty() ? proto::default_key_path("client.key")
                                                      : Result<std::filesystem::path>(output);
  if (!path) {
    std::fprintf(stderr, "tilefarm: %s\n", path.message().c_str());
    return kExitBadInput;
  }
  Result<proto::CurveKeypair> keys = proto::generate_keypair();
  Status written = keys ? proto::write_keypair_files(path.value(), keys.value(), force)
                        : Status(Error{keys.message()});
  if (!written) {
    std::fprintf(stderr, "tilefarm: %s\n", written.message().c_str());
    return kExitBadInput;
  }
  std::fprintf(stderr, "tilefarm: wrote %s (private, mode 0600) and %s.pub\n", path->c_str(),
               path->c_str());
  std::printf("%s\n", keys->public_key.c_str());
  return kExitOk;
}

}  // namespace tf::cli
