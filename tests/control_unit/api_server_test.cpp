// The API over real sockets: the Unix socket (mode, limits, stale and busy
// paths), and TCP, which only runs over TLS with client certificates or
// RS256 bearer tokens.
#include "control/api_client.h"
#include "control/api_service.h"
#include "fake_control_target.h"
#include "temp_dir.h"
#include "test_keys.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <mutex>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace scxx {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string start_error(const ApiSettings &api, ControlTarget &target, Store &store) {
  try {
    start_api_service(api, target, store);
  } catch (const ApiStartError &e) {
    return e.what();
  }
  return "";
}

class UnixSocketApi : public ::testing::Test {
protected:
  UnixSocketApi() : store_(Store::in_memory()) {
    api_.socket_path = (dir_.path() / "run" / "api.sock").string();
    api_.max_body_bytes = 4096;
    service_ = start_api_service(api_, target_, *store_);
    client_.socket_path = api_.socket_path;
  }

  test::TempDir dir_;
  test::FakeControlTarget target_;
  std::unique_ptr<Store> store_;
  ApiSettings api_;
  std::unique_ptr<ApiService> service_;
  ApiClientOptions client_;
};

TEST_F(UnixSocketApi, ServesWithMode0600) {
  struct stat st {};
  ASSERT_EQ(::stat(api_.socket_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  EXPECT_EQ(st.st_uid, ::geteuid());
  ASSERT_EQ(::stat((dir_.path() / "run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755U);

  EXPECT_EQ(api_request(client_, "GET", "/api/v1/health").status, 200);
  const ApiReply added = api_request(client_, "POST", "/api/v1/strategies",
                                     R"({"priority":4,"match":{"comm":"^make$"}})");
  EXPECT_EQ(added.status, 201) << added.body;
  ASSERT_EQ(target_.rules().size(), 1U);
  const ApiReply bad = api_request(client_, "POST", "/api/v1/strategies",
                                   R"({"priority":40,"match":{"comm":"^make$"}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(json::parse(bad.body)["field"], "priority");
  const ApiReply metrics = api_request(client_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.content_type.find("text/plain"), std::string::npos);
}

TEST_F(UnixSocketApi, AnOversizedBodyIsRefusedWithJson) {
  const std::string huge =
      R"({"priority":1,"name":")" + std::string(8192, 'x') + R"(","match":{"pid":1}})";
  const ApiReply r = api_request(client_, "POST", "/api/v1/strategies", huge);
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).contains("error")) << r.body;
  EXPECT_TRUE(target_.rules().empty());
}

TEST_F(UnixSocketApi, ABusySocketPathIsRefused) {
  const std::string error = start_error(api_, target_, *store_);
  EXPECT_NE(error.find("another scxx is serving"), std::string::npos) << error;
  // The running one is untouched.
  EXPECT_EQ(api_request(client_, "GET", "/api/v1/health").status, 200);
}

TEST(UnixSocketSetup, ReplacesAStaleSocketButNotAFile) {
  test::TempDir dir;
  test::FakeControlTarget target;
  auto store = Store::in_memory();
  ApiSettings api;
  api.socket_path = (dir.path() / "api.sock").string();
  // A socket nobody listens on, as a killed scxx leaves it.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", api.socket_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
  ::close(fd);
  {
    auto service = start_api_service(api, target, *store);
    ApiClientOptions client;
    client.socket_path = api.socket_path;
    EXPECT_EQ(api_request(client, "GET", "/api/v1/health").status, 200);
  }
  EXPECT_FALSE(fs::exists(api.socket_path)); // removed on stop
  dir.write("api.sock", "a file\n");
  const std::string error = start_error(api, target, *store);
  EXPECT_NE(error.find("is not a socket"), std::string::npos) << error;
}

TEST(UnixSocketSetup, TheClientNamesWhereItFailedToConnect) {
  ApiClientOptions client;
  client.socket_path = "/nonexistent/scxx/api.sock";
  try {
    api_request(client, "GET", "/api/v1/health");
    FAIL() << "connected to nothing";
  } catch (const ApiClientError &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/scxx/api.sock"), std::string::npos);
  }
}

TEST(TcpSetup, NeverServesWithoutTlsAndAuthentication) {
  test::TempDir dir;
  test::FakeControlTarget target;
  auto store = Store::in_memory();
  ApiSettings api;
  api.socket_path = "";
  api.listen = "127.0.0.1:0";
  EXPECT_NE(start_error(api, target, *store).find("TLS only"), std::string::npos);
  api.tls_cert = (dir.path() / "server.crt").string();
  api.tls_key = (dir.path() / "server.key").string();
  EXPECT_NE(start_error(api, target, *store).find("without authentication"), std::string::npos);
  api.jwt_public_key = (dir.path() / "jwt.pub").string();
  api.jwt_issuer = "x";
  EXPECT_NE(start_error(api, target, *store).find("api.tls_cert"), std::string::npos);
}

class TcpApi : public ::testing::Test {
protected:
  void SetUp() override {
    if (!test::make_certificates(dir_.path())) {
      GTEST_SKIP() << "the openssl command failed";
    }
    store_ = Store::in_memory();
    api_.socket_path = "";
    api_.listen = "127.0.0.1:0";
    api_.tls_cert = (dir_.path() / "server.crt").string();
    api_.tls_key = (dir_.path() / "server.key").string();
    client_.cacert = (dir_.path() / "ca.crt").string();
    client_.timeout = std::chrono::seconds(5);
  }
  void start() {
    service_ = start_api_service(api_, target_, *store_, [this](const std::string &line) {
      const std::lock_guard lock(log_mutex_);
      log_ += line + "\n";
    });
    client_.url = "https://127.0.0.1:" + std::to_string(*service_->tcp_port());
  }
  int status_with_token(const std::string &token) {
    ApiClientOptions c = client_;
    if (!token.empty()) {
      const fs::path file = dir_.path() / "token";
      dir_.write("token", token + "\n");
      c.token_file = file.string();
    }
    return api_request(c, "GET", "/api/v1/strategies").status;
  }

  test::TempDir dir_;
  test::FakeControlTarget target_;
  std::unique_ptr<Store> store_;
  ApiSettings api_;
  ApiClientOptions client_;
  std::unique_ptr<ApiService> service_;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(TcpApi, BearerTokensAreCheckedAndNeverLogged) {
  const test::RsaKey key;
  key.write_public(dir_.path() / "jwt.pub");
  api_.jwt_public_key = (dir_.path() / "jwt.pub").string();
  api_.jwt_issuer = "scxx-test";
  start();
  const int64_t now = std::time(nullptr);
  const json good = {{"iss", "scxx-test"}, {"exp", now + 600}};
  EXPECT_EQ(status_with_token(key.token(good)), 200);

  const test::RsaKey other;
  json expired = good;
  expired["exp"] = now - 600;
  json early = good;
  early["nbf"] = now + 600;
  json foreign = good;
  foreign["iss"] = "elsewhere";
  const std::vector<std::string> refused = {
      "",
      key.token(expired),
      key.token(early),
      other.token(good),
      key.token(foreign),
      test::base64url(json{{"alg", "none"}}.dump()) + "." + test::base64url(good.dump()) + ".",
      test::hs256_token(good, key.public_pem()),
  };
  for (const std::string &token : refused) {
    EXPECT_EQ(status_with_token(token), 401) << token;
  }
  ApiClientOptions c = client_;
  const ApiReply r = api_request(c, "GET", "/api/v1/health");
  EXPECT_EQ(r.status, 401);
  EXPECT_FALSE(json::parse(r.body, nullptr, false).value("error", std::string()).empty());

  const std::lock_guard lock(log_mutex_);
  EXPECT_NE(log_.find("401"), std::string::npos);
  for (const std::string &token : refused) {
    if (token.size() > 20) {
      EXPECT_EQ(log_.find(token.substr(token.size() - 20)), std::string::npos) << "token logged";
    }
  }
}

TEST_F(TcpApi, ClientCertificatesSignedByTheClientCaOnly) {
  api_.client_ca = (dir_.path() / "ca.crt").string();
  start();
  ApiClientOptions with_cert = client_;
  with_cert.cert = (dir_.path() / "client.crt").string();
  with_cert.key = (dir_.path() / "client.key").string();
  EXPECT_EQ(api_request(with_cert, "GET", "/api/v1/health").status, 200);

  EXPECT_THROW(api_request(client_, "GET", "/api/v1/health"), ApiClientError);
  ApiClientOptions stranger = client_;
  stranger.cert = (dir_.path() / "stranger.crt").string();
  stranger.key = (dir_.path() / "stranger.key").string();
  EXPECT_THROW(api_request(stranger, "GET", "/api/v1/health"), ApiClientError);
}

} // namespace
} // namespace scxx

namespace scxx {
namespace {

// The configuration file and the command line refuse the same (through
// settings_problem) before anything starts.
TEST(TcpSettings, ListenWithoutTlsOrAuthenticationIsAConfigError) {
  Settings s;
  s.api_listen = "0.0.0.0:8443";
  auto problem = settings_problem(s);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->path, "api.listen");
  EXPECT_NE(problem->message.find("TLS only"), std::string::npos);
  s.api_tls_cert = "/etc/scxx/server.crt";
  s.api_tls_key = "/etc/scxx/server.key";
  problem = settings_problem(s);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->message.find("without authentication"), std::string::npos);
  s.api_jwt_public_key = "/etc/scxx/jwt.pub";
  problem = settings_problem(s);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->path, "api.jwt_issuer");
  s.api_jwt_issuer = "ops";
  EXPECT_FALSE(settings_problem(s));
  const ApiSettings api = api_settings(s);
  EXPECT_EQ(api.listen, "0.0.0.0:8443");
  EXPECT_EQ(api.jwt_issuer, "ops");
  EXPECT_EQ(api.socket_path, "/run/scxx/api.sock");
  EXPECT_EQ(api.database, "/var/lib/scxx/scxx.db");
}

} // namespace
} // namespace scxx
