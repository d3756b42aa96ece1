// Keys, certificates and tokens made at test time (nothing secret is kept
// in the tree): an RSA key pair with OpenSSL's EVP API, RS256 tokens signed
// with it, and a CA with server and client certificates made by the openssl
// command.
#pragma once

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace scxx::test {

inline std::string base64url(const std::string &in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                reinterpret_cast<const unsigned char *>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char &c : out) {
    c = c == '+' ? '-' : (c == '/' ? '_' : c);
  }
  return out;
}

class RsaKey {
public:
  RsaKey() : key_(EVP_RSA_gen(2048)) {
    if (key_ == nullptr) {
      throw std::runtime_error("EVP_RSA_gen failed");
    }
  }
  RsaKey(const RsaKey &) = delete;
  RsaKey &operator=(const RsaKey &) = delete;
  ~RsaKey() { EVP_PKEY_free(key_); }

  void write_public(const std::filesystem::path &file) const {
    FILE *f = std::fopen(file.c_str(), "w");
    if (f == nullptr || PEM_write_PUBKEY(f, key_) != 1) {
      throw std::runtime_error("cannot write " + file.string());
    }
    std::fclose(f);
  }
  [[nodiscard]] std::string public_pem() const {
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key_);
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(n));
    BIO_free(bio);
    return pem;
  }

  // header.payload signed with RS256.
  [[nodiscard]] std::string sign(const nlohmann::json &header, const nlohmann::json &claims) const {
    const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char *>(input.data()),
                   input.size());
    std::string signature(length, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(signature.data()), &length,
                   reinterpret_cast<const unsigned char *>(input.data()), input.size());
    EVP_MD_CTX_free(ctx);
    signature.resize(length);
    return input + "." + base64url(signature);
  }
  [[nodiscard]] std::string token(const nlohmann::json &claims) const {
    return sign({{"alg", "RS256"}, {"typ", "JWT"}}, claims);
  }

private:
  EVP_PKEY *key_;
};

// An HS256 token whose secret is `secret` (the classic attack uses the
// server's public key as the HMAC secret).
inline std::string hs256_token(const nlohmann::json &claims, const std::string &secret) {
  const std::string input = base64url(nlohmann::json{{"alg", "HS256"}, {"typ", "JWT"}}.dump()) +
                            "." + base64url(claims.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char *>(input.data()), input.size(), mac, &length);
  return input + "." + base64url(std::string(reinterpret_cast<char *>(mac), length));
}

// ca.crt, server.{crt,key} (for 127.0.0.1 and localhost), client.{crt,key},
// and other-ca.crt with a client certificate it signed (stranger.{crt,key}).
inline bool make_certificates(const std::filesystem::path &dir) {
  const std::string d = dir.string();
  const std::string script =
      "set -e; cd '" + d +
      "'\n"
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext\n"
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext\n"
      "mk_ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.crt -days 1 "
      "-subj /CN=$1 2>/dev/null; }\n"
      "mk_cert() { openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj /CN=$1 "
      "2>/dev/null; openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial "
      "-out $1.crt -days 1 -extfile $3 2>/dev/null; }\n"
      "mk_ca ca; mk_ca other-ca\n"
      "mk_cert server ca server.ext; mk_cert client ca client.ext; "
      "mk_cert stranger other-ca client.ext\n";
  const std::string command = "bash -c \"$(cat <<'SCRIPT'\n" + script + "SCRIPT\n)\"";
  return std::system(command.c_str()) == 0;
}

} // namespace scxx::test
