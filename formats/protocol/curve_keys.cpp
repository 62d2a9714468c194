#include "formats/protocol/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <zmq.h>

#include "formats/fileio/text.h"
#include "kernels/user_dirs.h"

namespace tf::proto {
namespace {

constexpr std::string_view kPublicField = "public-key";
constexpr std::string_view kSecretField = "secret-key";

// The lines of a text file, or an error naming it.
Result<std::vector<std::string>> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return Error{"cannot read key file " + path.string() + ": " + std::strerror(errno)};
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The key of one key-list line: "" for blank and comment lines, or an error message.
Result<std::string> key_list_entry(std::string_view line) {
  line = trim_blanks(line);
  if (line.empty() || line.front() == '#') return std::string();
  const size_t end = line.find_first_of(" \t");
  const std::string_view key = line.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? "" : trim_blanks(line.substr(end));
  if (!rest.empty() && rest.front() != '#') {
    return Error{"expected one key a line, then at most a # comment"};
  }
  if (!is_z85_key(key)) {
    return Error{"'" + std::string(key.substr(0, 48)) + "' is not a 40-character Z85 public key"};
  }
  return std::string(key);
}

// Writes `text` to a new file at `path` with `mode`; refuses an existing file.
Status write_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error{"cannot create " + path.string() + ": " + std::strerror(errno)};
  const bool written = ::fchmod(fd, mode) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return Error{"cannot write " + path.string() + ": " + std::strerror(saved_errno)};
  }
  return Status::ok();
}

std::filesystem::path public_file_of(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + ".pub");
}

}  // namespace

bool is_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyChars) return false;
  const std::string copy(text);  // zmq_z85_decode needs a terminated string
  uint8_t bytes[32];
  return zmq_z85_decode(bytes, copy.c_str()) != nullptr;
}

Result<CurveKeypair> generate_keypair() {
  char public_key[kZ85KeyChars + 1] = {};
  char secret_key[kZ85KeyChars + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Error{"this libzmq was built without CURVE support: cannot create keys"};
  }
  return CurveKeypair{public_key, secret_key};
}

Status write_keypair_files(const std::filesystem::path& path, const CurveKeypair& keypair,
                           bool overwrite) {
  const std::filesystem::path pub = public_file_of(path);
  std::error_code ec;
  for (const std::filesystem::path& p : {path, pub}) {
    if (!std::filesystem::exists(p, ec)) continue;
    if (!overwrite) return Error{p.string() + " already exists: keep it, or pass --force to replace it"};
    if (!std::filesystem::remove(p, ec)) return Error{"cannot replace " + p.string() + ": " + ec.message()};
  }
  if (path.has_parent_path() && !std::filesystem::exists(path.parent_path(), ec)) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return Error{"cannot create " + path.parent_path().string() + ": " + ec.message()};
    std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all, ec);
  }
  const std::string secret_text =
      "# tilefarm CurveZMQ keypair (Z85). The secret key must not leave this machine.\n" +
      std::string(kPublicField) + " = " + keypair.public_key + "\n" + std::string(kSecretField) +
      " = " + keypair.secret_key + "\n";
  if (Status s = write_new_file(path, secret_text, 0600); !s) return s;
  const std::string public_text =
      "# tilefarm public key of " + path.filename().string() + " (safe to share)\n" +
      keypair.public_key + "\n";
  return write_new_file(pub, public_text, 0644);
}

Result<CurveKeypair> read_keypair_file(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Error{"cannot read key file " + path.string() + ": " + std::strerror(errno)};
  }
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info.st_mode & 0777));
    return Error{"key file " + path.string() + " may be read by other users (mode " + mode +
                 "): run chmod 600 " + path.string()};
  }
  Result<std::vector<std::string>> lines = read_lines(path);
  if (!lines) return Error{lines.message()};
  CurveKeypair keypair;
  for (const std::string& raw : lines.value()) {
    const std::string_view line = trim_blanks(raw);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    const std::string_view name = trim_blanks(line.substr(0, eq));
    const std::string_view value =
        eq == std::string_view::npos ? "" : trim_blanks(line.substr(eq + 1));
    if (name == kPublicField) keypair.public_key = value;
    if (name == kSecretField) keypair.secret_key = value;
  }
  if (!is_z85_key(keypair.public_key) || !is_z85_key(keypair.secret_key)) {
    return Error{"key file " + path.string() + " is malformed: it needs the lines '" +
                 std::string(kPublicField) + " = <40 Z85 characters>' and '" +
                 std::string(kSecretField) + " = ...' (create one with tilefarm keygen)"};
  }
  char derived[kZ85KeyChars + 1] = {};
  if (zmq_curve_public(derived, keypair.secret_key.c_str()) != 0 || keypair.public_key != derived) {
    return Error{"key file " + path.string() +
                 " is inconsistent: its public key does not belong to its secret key"};
  }
  return keypair;
}

Result<CurveKeypair> load_or_create_keypair(const std::filesystem::path& path, bool* created) {
  std::error_code ec;
  *created = false;
  if (std::filesystem::exists(path, ec)) return read_keypair_file(path);
  Result<CurveKeypair> keypair = generate_keypair();
  if (!keypair) return keypair;
  if (Status s = write_keypair_files(path, keypair.value(), /*overwrite=*/false); !s) {
    return Error{s.message()};
  }
  *created = true;
  return keypair;
}

Result<std::string> parse_public_key(const std::string& key_or_file) {
  // A file first: a 40-character path can be valid Z85 too ('/', '-' and '.' are in it).
  std::error_code ec;
  if (!std::filesystem::is_regular_file(key_or_file, ec)) {
    if (is_z85_key(key_or_file)) return key_or_file;
    return Error{"'" + key_or_file +
                 "' is neither a 40-character Z85 public key nor a readable key file"};
  }
  Result<std::vector<std::string>> lines = read_lines(key_or_file);
  if (!lines) return Error{lines.message()};
  std::vector<std::string> keys;
  for (const std::string& raw : lines.value()) {
    std::string_view line = trim_blanks(raw);
    if (line.starts_with(kPublicField)) {
      line = trim_blanks(line.substr(kPublicField.size()));
      if (line.starts_with('=')) line = trim_blanks(line.substr(1));
    } else if (line.starts_with(kSecretField)) {
      continue;
    }
    Result<std::string> key = key_list_entry(line);
    if (key && !key->empty()) keys.push_back(key.value());
  }
  if (keys.size() != 1) {
    return Error{key_or_file + " should hold exactly one public key (found " +
                 std::to_string(keys.size()) + ")"};
  }
  return keys.front();
}

Result<std::set<std::string>> read_key_list(const std::filesystem::path& path) {
  Result<std::vector<std::string>> lines = read_lines(path);
  if (!lines) return Error{lines.message()};
  std::set<std::string> keys;
  for (size_t i = 0; i < lines->size(); ++i) {
    Result<std::string> key = key_list_entry(lines.value()[i]);
    if (!key) return Error{path.string() + ":" + std::to_string(i + 1) + ": " + key.message()};
    if (!key->empty()) keys.insert(key.value());
  }
  return keys;
}

Result<std::filesystem::path> default_key_path(const std::string& file_name) {
  std::optional<std::filesystem::path> dir = tilefarm_user_dir(UserDir::kConfig);
  if (!dir) {
    return Error{"neither XDG_CONFIG_HOME nor HOME is set to an absolute folder: pass --key FILE"};
  }
  return *dir / file_name;
}

}  // namespace tf::proto
