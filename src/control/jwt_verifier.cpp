#include "control/jwt_verifier.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstdio>

namespace scxx {

struct JwtVerifier::Key {
  EVP_PKEY *pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

} // namespace

std::optional<std::string> base64url_decode(const std::string &in) {
  // OpenSSL's decoder wants the standard alphabet with padding; translating
  // costs as much as decoding, and a JWT segment is small.
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = sextet(c);
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xffU);
    }
  }
  return out;
}

JwtVerifier::JwtVerifier(const std::string &public_key_file, std::string issuer)
    : key_(std::make_unique<Key>()), issuer_(std::move(issuer)) {
  FILE *f = std::fopen(public_key_file.c_str(), "r");
  if (f == nullptr) {
    throw std::runtime_error(public_key_file + ": cannot open the JWT public key");
  }
  key_->pkey = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (key_->pkey == nullptr) {
    throw std::runtime_error(public_key_file + ": not a PEM public key");
  }
  if (EVP_PKEY_get_base_id(key_->pkey) != EVP_PKEY_RSA) {
    throw std::runtime_error(public_key_file + ": not an RSA public key (RS256 needs one)");
  }
  if (issuer_.empty()) {
    throw std::runtime_error("api.jwt_issuer: required with api.jwt_public_key");
  }
}

JwtVerifier::~JwtVerifier() = default;

std::optional<std::string> JwtVerifier::problem(const std::string &token, int64_t now) const {
  if (token.empty()) {
    return "no token";
  }
  if (token.size() > kJwtMaxLength) {
    return "token longer than " + std::to_string(kJwtMaxLength) + " bytes";
  }
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos) {
    return "not a JWT (three base64url parts separated by dots)";
  }
  const auto header = base64url_decode(token.substr(0, dot1));
  const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) {
    return "not a JWT (bad base64url)";
  }
  const nlohmann::json h = nlohmann::json::parse(*header, nullptr, false);
  if (!h.is_object() || !h.contains("alg") || !h["alg"].is_string()) {
    return "the token header has no alg";
  }
  if (h["alg"] != "RS256") {
    return "alg " + h["alg"].get<std::string>().substr(0, 16) + " refused (only RS256)";
  }

  // The signature before anything in the payload is believed.
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) {
    return "out of memory";
  }
  const std::string signed_part = token.substr(0, dot2);
  const bool valid =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_DigestVerify(
          ctx, reinterpret_cast<const unsigned char *>(signature->data()), signature->size(),
          reinterpret_cast<const unsigned char *>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!valid) {
    return "bad signature (not signed by the configured key)";
  }

  const nlohmann::json claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object()) {
    return "the token payload is not a JSON object";
  }
  const auto time_claim = [&](const char *name) -> std::optional<int64_t> {
    if (!claims.contains(name) || !claims[name].is_number()) {
      return std::nullopt;
    }
    // NumericDate: seconds; a value past int64 (or NaN) is no date.
    const double v = claims[name].get<double>();
    constexpr double kLimit = 9.0e18;
    if (!(v > -kLimit && v < kLimit)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(v);
  };
  const auto exp = time_claim("exp");
  if (!exp) {
    return "the token has no exp (or it is not a date)";
  }
  if (now > *exp + kJwtLeewaySeconds) {
    return "the token expired";
  }
  if (claims.contains("nbf")) {
    const auto nbf = time_claim("nbf");
    if (!nbf) {
      return "the token's nbf is not a number";
    }
    if (now + kJwtLeewaySeconds < *nbf) {
      return "the token is not valid yet (nbf)";
    }
  }
  if (!claims.contains("iss") || !claims["iss"].is_string() || claims["iss"] != issuer_) {
    return "the token's issuer is not the configured one";
  }
  return std::nullopt;
}

} // namespace scxx
