#include "control/api_service.h"

#include "control/api_error.h"
#include "control/bounded_task_queue.h"
#include "control/httplib_config.h"
#include "control/jwt_verifier.h"
#include "control/unix_socket_server.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>

namespace scxx {
namespace {

// Parses "host:port" and "[v6]:port".
std::pair<std::string, int> host_port(const std::string &listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    throw ApiStartError("api.listen: \"" + listen + "\" is not host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) {
      port = -1;
    }
  } catch (const std::exception &) {
  }
  if (port < 0 || port > 65535) {
    throw ApiStartError("api.listen: \"" + listen + "\" has no port in 0..65535");
  }
  return {host, port};
}

void default_log(const std::string &line) {
  std::fprintf(stderr, "scxx api: %s\n", line.c_str());
}

std::string bearer_token(const httplib::Request &req) {
  const std::string header = req.get_header_value("Authorization");
  const std::string scheme = "Bearer ";
  if (header.size() <= scheme.size() || header.compare(0, scheme.size(), scheme) != 0) {
    return "";
  }
  return header.substr(scheme.size());
}

class Service : public ApiService {
public:
  Service(const ApiSettings &api, ControlTarget &target, Store &store, ApiLog log,
          const std::vector<StrategyRule> &config_strategies)
      : api_(api), handlers_(target, store, ApiLimits{api.max_strategies}, config_strategies),
        log_(log ? std::move(log) : ApiLog(default_log)) {}

  ~Service() override { stop(); }

  void start() {
    if (api_.socket_path.empty() && api_.listen.empty()) {
      return; // no listener: strategies and settings still load
    }
    if (!api_.socket_path.empty()) {
      unix_ = std::make_unique<UnixSocketServer>();
      configure(*unix_);
      unix_->bind_unix(api_.socket_path); // throws ApiStartError
      socket_path_ = api_.socket_path;
      launch(*unix_);
    }
    if (!api_.listen.empty()) {
      start_tcp();
    }
  }

  [[nodiscard]] const std::string &socket_path() const override { return socket_path_; }
  [[nodiscard]] std::optional<int> tcp_port() const override { return tcp_port_; }
  ApiHandlers &handlers() override { return handlers_; }

  void stop() override {
    for (httplib::Server *s : {static_cast<httplib::Server *>(unix_.get()),
                               static_cast<httplib::Server *>(tcp_.get())}) {
      if (s != nullptr) {
        s->stop();
      }
    }
    for (std::thread &t : listeners_) {
      if (t.joinable()) {
        t.join();
      }
    }
    listeners_.clear();
    if (unix_ && !socket_path_.empty()) {
      std::error_code ec;
      std::filesystem::remove(socket_path_, ec);
      socket_path_.clear();
    }
  }

private:
  void start_tcp() {
    if (api_.tls_cert.empty() || api_.tls_key.empty()) {
      throw ApiStartError("api.listen: TCP is served over TLS only: set api.tls_cert and "
                          "api.tls_key");
    }
    if (api_.client_ca.empty() && api_.jwt_public_key.empty()) {
      throw ApiStartError("api.listen: refusing to serve TCP without authentication: set "
                          "api.client_ca (client certificates) or api.jwt_public_key (bearer "
                          "tokens)");
    }
    for (const auto &[key, file] :
         {std::pair{"api.tls_cert", api_.tls_cert}, std::pair{"api.tls_key", api_.tls_key},
          std::pair{"api.client_ca", api_.client_ca}}) {
      std::error_code ec;
      if (!file.empty() && !std::filesystem::is_regular_file(file, ec)) {
        throw ApiStartError(std::string(key) + ": " + file + ": no such file");
      }
    }
    if (!api_.jwt_public_key.empty()) {
      try {
        jwt_ = std::make_unique<JwtVerifier>(api_.jwt_public_key, api_.jwt_issuer);
      } catch (const std::runtime_error &e) {
        throw ApiStartError(std::string("api.jwt_public_key: ") + e.what());
      }
    }
    const auto [host, port] = host_port(api_.listen);
    tcp_ = std::make_unique<httplib::SSLServer>(api_.tls_cert.c_str(), api_.tls_key.c_str(),
                                                api_.client_ca.empty() ? nullptr
                                                                       : api_.client_ca.c_str());
    if (!tcp_->is_valid()) {
      throw ApiStartError("api.tls_cert/api.tls_key" +
                          std::string(api_.client_ca.empty() ? "" : "/api.client_ca") + ": " +
                          api_.tls_cert + ", " + api_.tls_key +
                          ": not a usable certificate and key (PEM, matching)");
    }
    configure(*tcp_);
    if (jwt_) {
      tcp_->set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &res) {
        const auto problem = jwt_->problem(bearer_token(req), std::time(nullptr));
        if (!problem) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        log_("401 " + req.remote_addr + " " + req.method + " " + req.path + ": " + *problem);
        res.status = kHttpUnauthorized;
        res.set_header("WWW-Authenticate", "Bearer");
        res.set_content(error_body("unauthorized: " + *problem, ""), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      });
    }
    int bound = port;
    if (port == 0) {
      bound = tcp_->bind_to_any_port(host);
    } else if (!tcp_->bind_to_port(host, port)) {
      bound = -1;
    }
    if (bound < 0) {
      throw ApiStartError("api.listen: cannot listen on " + api_.listen);
    }
    tcp_port_ = bound;
    launch(*tcp_);
  }

  void configure(httplib::Server &s) {
    s.set_payload_max_length(api_.max_body_bytes);
    s.set_read_timeout(api_.io_timeout);
    s.set_write_timeout(api_.io_timeout);
    s.set_keep_alive_max_count(api_.max_requests_per_connection);
    s.set_keep_alive_timeout(api_.io_timeout.count());
    const auto serve = [this](const httplib::Request &req, httplib::Response &res) {
      const ApiResponse r = handlers_.handle(req.method, req.path, req.body);
      res.status = r.status;
      res.set_content(r.body, r.content_type);
    };
    s.Get(".*", serve);
    s.Post(".*", serve);
    s.Put(".*", serve);
    s.Patch(".*", serve);
    s.Delete(".*", serve);
    // httplib's own refusals (413 too large, 400 unreadable) get a JSON body too.
    s.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request &, httplib::Response &res) {
          if (res.body.empty()) {
            const std::string message = res.status == kHttpPayloadTooLarge
                                            ? "the body is larger than the limit"
                                            : "HTTP " + std::to_string(res.status);
            res.set_content(error_body(message, ""), "application/json");
          }
          return httplib::Server::HandlerResponse::Handled;
        }));
    s.set_exception_handler(
        [](const httplib::Request &, httplib::Response &res, const std::exception_ptr &) {
          res.status = kHttpInternal;
          res.set_content(error_body("internal error", ""), "application/json");
        });
  }

  // The pool exists (its threads started) before the listener thread runs;
  // returns once the server accepts.
  void launch(httplib::Server &s) {
    auto *pool = new BoundedTaskQueue(api_.threads, api_.max_pending);
    s.new_task_queue = [pool] { return pool; }; // httplib owns and deletes it
    auto done = std::make_shared<std::atomic<bool>>(false);
    listeners_.emplace_back([&s, this, done] {
      if (!s.listen_after_bind()) {
        log_("a listener stopped with an error");
      }
      done->store(true);
    });
    while (!s.is_running()) {
      if (done->load()) { // it gave up before accepting anything
        throw ApiStartError("the API listener could not start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  ApiSettings api_;
  ApiHandlers handlers_;
  ApiLog log_;
  std::unique_ptr<JwtVerifier> jwt_;
  std::unique_ptr<UnixSocketServer> unix_;
  std::unique_ptr<httplib::SSLServer> tcp_;
  std::vector<std::thread> listeners_;
  std::string socket_path_;
  std::optional<int> tcp_port_;
};

} // namespace

ApiSettings api_settings(const Settings &s) {
  ApiSettings a;
  a.socket_path = s.api_socket;
  a.listen = s.api_listen;
  a.tls_cert = s.api_tls_cert;
  a.tls_key = s.api_tls_key;
  a.client_ca = s.api_client_ca;
  a.jwt_public_key = s.api_jwt_public_key;
  a.jwt_issuer = s.api_jwt_issuer;
  a.database = s.api_database;
  a.max_strategies = s.api_max_strategies;
  return a;
}

std::unique_ptr<Store> open_store(const ApiSettings &api) {
  return api.database.empty() ? Store::in_memory() : Store::open(api.database);
}

std::unique_ptr<ApiService> start_api_service(const ApiSettings &api, ControlTarget &target,
                                              Store &store, ApiLog log,
                                              const std::vector<StrategyRule> &config_strategies) {
  auto service = std::make_unique<Service>(api, target, store, std::move(log), config_strategies);
  service->start();
  return service;
}

} // namespace scxx
