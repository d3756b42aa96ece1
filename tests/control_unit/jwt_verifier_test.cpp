// RS256 bearer tokens: accepted only when signed by the configured key,
// with alg RS256, not expired, already valid and from the configured issuer.
#include "control/jwt_verifier.h"
#include "temp_dir.h"
#include "test_keys.h"

#include <gtest/gtest.h>

#include <ctime>

namespace scxx {
namespace {

using nlohmann::json;

class JwtVerifierTest : public ::testing::Test {
protected:
  JwtVerifierTest() {
    key_.write_public(dir_.path() / "jwt.pub");
    verifier_ = std::make_unique<JwtVerifier>((dir_.path() / "jwt.pub").string(), "scxx-test");
  }
  json claims(int64_t exp_offset = 3600) const {
    return {{"iss", "scxx-test"}, {"sub", "operator"}, {"exp", now_ + exp_offset}};
  }
  [[nodiscard]] std::string problem(const std::string &token) const {
    return verifier_->problem(token, now_).value_or("");
  }

  test::TempDir dir_;
  test::RsaKey key_;
  std::unique_ptr<JwtVerifier> verifier_;
  int64_t now_ = std::time(nullptr);
};

TEST_F(JwtVerifierTest, AcceptsAValidToken) {
  EXPECT_EQ(problem(key_.token(claims())), "");
  json with_nbf = claims();
  with_nbf["nbf"] = now_ - 10;
  EXPECT_EQ(problem(key_.token(with_nbf)), "");
}

TEST_F(JwtVerifierTest, RefusesExpiredNotYetValidAndForeignIssuers) {
  EXPECT_EQ(problem(key_.token(claims(-3600))), "the token expired");
  json early = claims();
  early["nbf"] = now_ + 3600;
  EXPECT_EQ(problem(key_.token(early)), "the token is not valid yet (nbf)");
  json other = claims();
  other["iss"] = "somebody-else";
  EXPECT_EQ(problem(key_.token(other)), "the token's issuer is not the configured one");
  json no_iss = claims();
  no_iss.erase("iss");
  EXPECT_EQ(problem(key_.token(no_iss)), "the token's issuer is not the configured one");
  json no_exp = claims();
  no_exp.erase("exp");
  EXPECT_EQ(problem(key_.token(no_exp)), "the token has no exp (or it is not a date)");
  json huge = claims();
  huge["exp"] = 1e300;
  EXPECT_EQ(problem(key_.token(huge)), "the token has no exp (or it is not a date)");
}

TEST_F(JwtVerifierTest, RefusesOtherKeysAndOtherAlgorithms) {
  const test::RsaKey other;
  EXPECT_EQ(problem(other.token(claims())), "bad signature (not signed by the configured key)");
  // alg none, with and without a signature part.
  const std::string none_header = test::base64url(json{{"alg", "none"}}.dump());
  const std::string body = test::base64url(claims().dump());
  EXPECT_EQ(problem(none_header + "." + body + "."), "alg none refused (only RS256)");
  EXPECT_EQ(problem(none_header + "." + body),
            "not a JWT (three base64url parts separated by dots)");
  // HS256 keyed with the public key (algorithm confusion).
  EXPECT_EQ(problem(test::hs256_token(claims(), key_.public_pem())),
            "alg HS256 refused (only RS256)");
  // An RS256 header on a token whose payload was changed after signing.
  const std::string good = key_.token(claims());
  json forged = claims();
  forged["sub"] = "root";
  const size_t dot1 = good.find('.');
  const size_t dot2 = good.find('.', dot1 + 1);
  const std::string tampered =
      good.substr(0, dot1 + 1) + test::base64url(forged.dump()) + good.substr(dot2);
  EXPECT_EQ(problem(tampered), "bad signature (not signed by the configured key)");
}

TEST_F(JwtVerifierTest, RefusesGarbage) {
  EXPECT_EQ(problem(""), "no token");
  EXPECT_EQ(problem("a.b"), "not a JWT (three base64url parts separated by dots)");
  EXPECT_EQ(problem("a.b.c.d"), "not a JWT (three base64url parts separated by dots)");
  EXPECT_EQ(problem("%%.%%.%%"), "not a JWT (bad base64url)");
  EXPECT_EQ(problem(std::string(kJwtMaxLength + 1, 'a')),
            "token longer than " + std::to_string(kJwtMaxLength) + " bytes");
}

TEST_F(JwtVerifierTest, ProblemsNeverQuoteTheToken) {
  const std::string token = key_.token(claims(-3600));
  EXPECT_EQ(problem(token).find(token.substr(0, 20)), std::string::npos);
}

TEST(JwtVerifierSetup, RefusesMissingOrNonRsaKeysNamingTheFile) {
  test::TempDir dir;
  try {
    JwtVerifier v((dir.path() / "missing.pem").string(), "x");
    FAIL() << "accepted a missing key";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("missing.pem"), std::string::npos) << e.what();
  }
  dir.write("junk.pem", "not a key\n");
  EXPECT_THROW(JwtVerifier((dir.path() / "junk.pem").string(), "x"), std::runtime_error);
}

TEST(Base64Url, DecodesWithoutPadding) {
  EXPECT_EQ(base64url_decode("aGk"), "hi");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("aGk="));
}

} // namespace
} // namespace scxx
