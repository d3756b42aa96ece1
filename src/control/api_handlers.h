// The control API's request handling without any transport: a request is a
// method, a path and a body; the answer a status, a content type and a
// body. The HTTP server (api_server.h) only moves bytes to and from here, so
// every endpoint is tested by calling handle() directly.
//
// A change is validated in full, written to the store, then applied to the
// scheduler (strategies: ControlTarget::set_strategies with every rule;
// settings: ControlTarget::change_settings first, persisted only when it
// applied), and only then answered. Requests are served one change at a
// time (a mutex), so the store, the scheduler and the answer agree.
#pragma once

#include "control/control_target.h"
#include "control/store.h"
#include "control/stored_strategy.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace scxx {

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct ApiLimits {
  size_t max_strategies = 256;
};

class ApiHandlers {
public:
  // Loads the store's strategies and applies them to `target` (the daemon
  // has applied the stored settings before: see api_service.h). Until the
  // API has changed the strategies once, the store has none of its own and
  // `config_strategies` (the configuration file's) are the list: they get
  // ids 1..n and are written with the first change. Throws StoreError when
  // the stored strategies are refused, std::invalid_argument when there are
  // more than limits.max_strategies.
  ApiHandlers(ControlTarget &target, Store &store, ApiLimits limits,
              const std::vector<StrategyRule> &config_strategies = {});

  ApiResponse handle(const std::string &method, const std::string &path, const std::string &body);

  [[nodiscard]] std::vector<StoredStrategy> strategies() const;

private:
  ApiResponse dispatch(const std::string &method, const std::string &path, const std::string &body);
  ApiResponse list_strategies() const;
  ApiResponse add_strategy(const std::string &body);
  ApiResponse get_strategy(int64_t id) const;
  ApiResponse update_strategy(int64_t id, const std::string &body);
  ApiResponse delete_strategy(int64_t id);
  ApiResponse get_settings() const;
  ApiResponse change_settings(const std::string &body, bool partial);
  ApiResponse stats() const;
  ApiResponse metrics() const;
  ApiResponse gthulhu_strategies() const;
  ApiResponse add_intents(const std::string &body);
  ApiResponse delete_intents(const std::string &body);

  // Validates the whole list, stores it, then hands it to the scheduler.
  void commit(std::vector<StoredStrategy> next, int64_t next_id);

  ControlTarget &target_;
  Store &store_;
  ApiLimits limits_;
  mutable std::mutex mutex_;
  std::vector<StoredStrategy> strategies_;
  int64_t next_id_ = 1;
};

// {"error": message, "field": field}
std::string error_body(const std::string &message, const std::string &field);

} // namespace scxx
