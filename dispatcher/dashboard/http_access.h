// Who may read the dashboard and how often: the bind address rule, the token check and a
// per-address request rate limit.
//
// Rules: without a token the dashboard may only listen on a loopback address (127.0.0.0/8,
// ::1, localhost): anyone who can reach a port elsewhere could read the farm. With a token
// (read from a file, so that it never shows in `ps`), every request must present it, as
// `Authorization: Bearer TOKEN` or as the query parameter `token` (for links and images in a
// browser). A page fetched with the token sets it as a cookie (HttpOnly, SameSite=Strict), which
// then stands for it on the page's own requests (script, images). A request without it, or
// with another, gets 401 and nothing else. Tokens are compared in constant time.
//
// Thread safety: TokenCheck is immutable; RateLimiter::allow() may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kernels/status.h"

namespace tf {

// "127.0.0.1:8080" or "[::1]:8080" -> host and port; errors say what a valid address is.
struct HttpAddress {
  std::string host;
  int port = 0;
};
Result<HttpAddress> parse_http_address(const std::string& text);
bool is_loopback_host(const std::string& host);

// Reads a token file: its first line, without surrounding whitespace; at least 16 characters.
Result<std::string> read_token_file(const std::filesystem::path& path);

// Whether the dashboard may listen on `address` with or without a token; the error names the
// fix.
Status check_exposure(const HttpAddress& address, bool has_token);

class TokenCheck {
 public:
  explicit TokenCheck(std::optional<std::string> token) : token_(std::move(token)) {}
  static constexpr const char* kCookie = "tilefarm_token";
  // `authorization`: the Authorization header's value, `query_token`: the `token` query
  // parameter's, `cookies`: the Cookie header's (each may be empty).
  bool allows(const std::string& authorization, const std::string& query_token,
              const std::string& cookies) const;
  // The Set-Cookie value that carries the token; empty without a token.
  std::string cookie() const;
  bool required() const { return token_.has_value(); }

 private:
  std::optional<std::string> token_;
};

// A token bucket per remote address: `per_second` requests a second on average, bursts of
// `burst`. Addresses not seen for a minute are forgotten (at most kMaxAddresses are tracked;
// past that, new addresses share one bucket).
class RateLimiter {
 public:
  static constexpr size_t kMaxAddresses = 4096;
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}
  bool allow(const std::string& address, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t refilled_ms = 0;
  };
  const double per_second_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
  int64_t swept_ms_ = 0;
};

}  // namespace tf
