// Bearer tokens of the TCP listener: RS256 JSON Web Tokens (RFC 7519)
// verified with OpenSSL against the operator's public key. Only "alg":
// "RS256" is accepted (never "none", HS256 or any other); "exp" is
// required, "nbf" is checked when present, "iss" must equal the configured
// issuer. kJwtLeewaySeconds of clock difference are tolerated.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace scxx {

inline constexpr int64_t kJwtLeewaySeconds = 30;
inline constexpr size_t kJwtMaxLength = 8192;

class JwtVerifier {
public:
  // Reads the PEM public key (RSA). Throws std::runtime_error naming the
  // file when it cannot be read or is not an RSA public key.
  JwtVerifier(const std::string &public_key_file, std::string issuer);
  JwtVerifier(const JwtVerifier &) = delete;
  JwtVerifier &operator=(const JwtVerifier &) = delete;
  ~JwtVerifier();

  // Why `token` is refused (never quoting it), or nullopt when it is valid
  // at `now` (seconds since the epoch).
  [[nodiscard]] std::optional<std::string> problem(const std::string &token, int64_t now) const;

private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string issuer_;
};

// base64url without padding (RFC 4648 section 5), as JWTs use it; nullopt
// for any other character. Exposed for tests.
std::optional<std::string> base64url_decode(const std::string &in);

} // namespace scxx
