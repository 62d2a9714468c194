// CurveZMQ keys on disk: keypair files, public keys handed between operators, and key lists
// (allow and ban lists).
//
// Formats (text, one item a line, lines starting with '#' are comments):
// - keypair file (private, mode 0600):   public-key = <Z85>   and   secret-key = <Z85>
// - public key file (FILE.pub beside it): one <Z85> line; itself a valid key list, so that
//   `cat client.pub >> clients.allow` adds a key to an allow list;
// - key list: one <Z85> key a line, optionally followed by whitespace and a # comment.
// A Z85 key is 40 characters of the Z85 alphabet encoding 32 bytes. Since '#' and '=' belong
// to that alphabet, a comment starts only at the beginning of a line or after whitespace.
//
// Every error names the file (and line) and says what to do.
//
// Thread safety: stateless functions; files are written with exclusive creation.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "kernels/status.h"

namespace tf::proto {

inline constexpr size_t kZ85KeyChars = 40;

struct CurveKeypair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
  bool operator==(const CurveKeypair&) const = default;
};

// True when `text` is a 40-character Z85 string that decodes to 32 bytes.
bool is_z85_key(std::string_view text);

// A fresh keypair from libsodium (through libzmq); an error only when CURVE is unavailable.
Result<CurveKeypair> generate_keypair();

// Writes `keypair` to `path` (mode 0600) and its public key to `path` + ".pub" (mode 0644),
// creating the parent folder (mode 0700) if needed. Refuses when either file exists unless
// `overwrite`; then both are replaced (the private file is recreated, so it ends up 0600 even
// if it was more open before).
Status write_keypair_files(const std::filesystem::path& path, const CurveKeypair& keypair,
                           bool overwrite);

// Reads a keypair file. Refuses a file that others may read (the secret would be exposed),
// a malformed file, and a file whose public key does not belong to its secret key.
Result<CurveKeypair> read_keypair_file(const std::filesystem::path& path);

// The keypair at `path`, created (write_keypair_files) when the file does not exist yet.
// `*created` tells which happened.
Result<CurveKeypair> load_or_create_keypair(const std::filesystem::path& path, bool* created);

// A public key given on the command line: the name of a file holding it (a .pub file, a
// one-key list, or a keypair file) when such a file exists, else the 40-character Z85 key.
Result<std::string> parse_public_key(const std::string& key_or_file);

// Reads a key list (allow or ban list).
Result<std::set<std::string>> read_key_list(const std::filesystem::path& path);

// Where a worker's or client's keypair lives by default: $XDG_CONFIG_HOME/tilefarm/<file_name>,
// or ~/.config/tilefarm/<file_name> when XDG_CONFIG_HOME is unset or not absolute.
Result<std::filesystem::path> default_key_path(const std::string& file_name);

}  // namespace tf::proto
