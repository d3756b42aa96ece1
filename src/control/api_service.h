// The control API of `scxx run`: HTTP/JSON (docs/CONTROL.md) on a Unix
// socket, and optionally over TLS on TCP, in front of ApiHandlers.
//
// How the daemon uses it (the order matters):
//   1. Resolve the settings (command line > database > config file >
//      defaults): open the store with open_store(api) before attaching,
//      load() it; for every RuntimeSettings member the command line did not
//      give, take the stored value (StoredState::settings) over the file's.
//   2. Before the scheduler attaches (every thread of `scxx run` must exist
//      before then, see src/core/memory_lock.h), call
//      start_api_service(api, target, *store, log, config.strategies): it
//      applies the strategies through target.set_strategies, creates every
//      thread, binds the
//      socket(s) and returns once they accept. Requests that arrive before
//      the scheduler runs are answered from ControlTarget as it is. Pass
//      the configuration file's strategies: they stay in force (and are the
//      API's list) until the API first changes the strategies; from then on
//      the database's apply.
//   3. Keep the returned ApiService alive while the scheduler runs;
//      destroying it (or stop()) closes the sockets and joins its threads.
#pragma once

#include "config/settings.h"
#include "control/api_handlers.h"
#include "control/control_target.h"
#include "control/store.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace scxx {

class ApiStartError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct ApiSettings {
  std::string socket_path = "/run/scxx/api.sock"; // "" = no Unix socket
  std::string listen;                             // "host:port", "" = no TCP
  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;
  std::string jwt_public_key;
  std::string jwt_issuer;
  std::string database = "/var/lib/scxx/scxx.db"; // "" = in memory
  size_t max_strategies = 256;
  // Bounds on every request, the same on both listeners.
  size_t threads = 2;      // workers per listener
  size_t max_pending = 32; // accepted connections waiting for a worker
  size_t max_body_bytes = size_t{256} * 1024;
  std::chrono::seconds io_timeout{5}; // read and write, per call
  size_t max_requests_per_connection = 32;
};

// The api.* keys of the settings table.
ApiSettings api_settings(const Settings &s);

// The store the settings name (in memory when api.database is empty).
// Throws StoreError naming the file.
std::unique_ptr<Store> open_store(const ApiSettings &api);

// Where API events go (a refused credential, a listener failing); the
// default writes "scxx api: ..." to stderr. Never given a token.
using ApiLog = std::function<void(const std::string &)>;

class ApiService {
public:
  virtual ~ApiService() = default;
  // The socket's path, and the TCP port actually bound (for "host:0").
  [[nodiscard]] virtual const std::string &socket_path() const = 0;
  [[nodiscard]] virtual std::optional<int> tcp_port() const = 0;
  [[nodiscard]] virtual ApiHandlers &handlers() = 0;
  virtual void stop() = 0;
};

// Throws ApiStartError (a listener, key or certificate problem, naming the
// setting and file), StoreError (the stored state is refused) or
// std::invalid_argument (more strategies than api.max_strategies).
// `config_strategies`: the configuration file's, the list until the API
// first changes it (ApiHandlers).
std::unique_ptr<ApiService>
start_api_service(const ApiSettings &api, ControlTarget &target, Store &store, ApiLog log = {},
                  const std::vector<StrategyRule> &config_strategies = {});

} // namespace scxx
