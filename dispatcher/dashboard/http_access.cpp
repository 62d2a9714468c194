#include "dispatcher/dashboard/http_access.h"

#include <algorithm>
#include <charconv>
#include <fstream>

#include <sodium/utils.h>

#include "formats/fileio/text.h"

namespace tf {
namespace {

// Compares in time that depends on the lengths only (libsodium's sodium_memcmp), so that the
// time taken does not tell how much of a guessed token matched.
bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<HttpAddress> parse_http_address(const std::string& text) {
  const Error bad{"--http " + text +
                  ": give ADDRESS:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or 0.0.0.0:8080"};
  HttpAddress address;
  size_t colon = 0;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad;
    }
    address.host = text.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return bad;
    address.host = text.substr(0, colon);
  }
  const std::string port = text.substr(colon + 1);
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (address.host.empty() || port.empty() || error != std::errc() ||
      end != port.data() + port.size() || address.port < 0 || address.port > 65535) {
    return bad;
  }
  return address;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Result<std::string> read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Error{"cannot read the dashboard token file " + path.string()};
  std::string line;
  std::getline(in, line);
  std::string token(trim_blanks(line));
  if (token.size() < 16) {
    return Error{"the dashboard token in " + path.string() +
                 " is shorter than 16 characters: put a long random one on its first line "
                 "(e.g. `openssl rand -hex 32 > " +
                 path.string() + "`)"};
  }
  return token;
}

Status check_exposure(const HttpAddress& address, bool has_token) {
  if (has_token || is_loopback_host(address.host)) return Status::ok();
  return Error{"the dashboard on " + address.host + ":" + std::to_string(address.port) +
               " would be readable by anyone who reaches that port: give --http-token FILE "
               "(every request must then present the token), or listen on 127.0.0.1"};
}

bool TokenCheck::allows(const std::string& authorization, const std::string& query_token,
                        const std::string& cookies) const {
  if (!token_) return true;
  static const std::string kBearer = "Bearer ";
  if (authorization.rfind(kBearer, 0) == 0 &&
      equal_in_constant_time(authorization.substr(kBearer.size()), *token_)) {
    return true;
  }
  if (!query_token.empty() && equal_in_constant_time(query_token, *token_)) return true;
  // "a=1; tilefarm_token=T; b=2"
  const std::string prefix = std::string(kCookie) + "=";
  for (size_t at = 0; at < cookies.size();) {
    size_t end = cookies.find(';', at);
    if (end == std::string::npos) end = cookies.size();
    const std::string_view pair = trim_blanks(std::string_view(cookies).substr(at, end - at));
    if (pair.rfind(prefix, 0) == 0 && equal_in_constant_time(pair.substr(prefix.size()), *token_)) {
      return true;
    }
    at = end + 1;
  }
  return false;
}

std::string TokenCheck::cookie() const {
  if (!token_) return {};
  return std::string(kCookie) + "=" + *token_ + "; Path=/; HttpOnly; SameSite=Strict";
}

bool RateLimiter::allow(const std::string& address, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (now_ms - swept_ms_ > 60000) {
    std::erase_if(buckets_,
                  [&](const auto& entry) { return now_ms - entry.second.refilled_ms > 60000; });
    swept_ms_ = now_ms;
  }
  const std::string& key =
      buckets_.size() < kMaxAddresses || buckets_.count(address) ? address : std::string("*");
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now_ms});
  Bucket& bucket = it->second;
  if (!inserted) {
    const double elapsed = static_cast<double>(now_ms - bucket.refilled_ms) / 1000.0;
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
    bucket.refilled_ms = now_ms;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

}  // namespace tf
