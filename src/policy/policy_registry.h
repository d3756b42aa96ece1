// Where policies announce themselves. A policy registers in its own .cpp
// file with one line,
//
//   SCXX_REGISTER_POLICY(MyPolicy, "my-policy", "one-line description",
//                        {"key", "help", min, max, default}, ...);
//
// and from then on `--policy`, the config file's checks, `scxx config
// --explain` and the tests know it. MyPolicy needs a constructor taking
// `const PolicyContext &`. The same line in a shared library loaded with
// `scxx run --policy-lib` registers a policy built outside this tree.
#pragma once

#include "policy/policy.h"
#include "policy/policy_context.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// The version of the Policy interface (policy.h, task.h, policy_context.h,
// this file). A policy library built against another version is refused
// when loaded. Bump it with any change a compiled policy would notice.
#define SCXX_POLICY_INTERFACE_VERSION 3

namespace scxx {

// A number a policy reads from the config file (`policies.<name>.<key>`),
// checked against [min, max] and shown by `scxx config --explain`.
struct PolicyOptionSpec {
  std::string key;
  std::string help;
  double min = 0;
  double max = 0;
  double default_value = 0;
};

using PolicyFactory = std::function<std::unique_ptr<Policy>(const PolicyContext &)>;

struct PolicyInfo {
  std::string name; // what --policy takes
  std::string description;
  PolicyFactory factory;
  std::vector<PolicyOptionSpec> options;
};

namespace detail {
#define SCXX_POLICY_CONCAT_(a, b) a##b
#define SCXX_POLICY_CONCAT(a, b) SCXX_POLICY_CONCAT_(a, b)
// The name carries the interface version: a library built for another
// version asks for a function this scxx does not have, and loading it fails
// before any of its code runs.
#define SCXX_POLICY_REGISTER_FN SCXX_POLICY_CONCAT(register_policy_v, SCXX_POLICY_INTERFACE_VERSION)
// Never throws (it runs before main): problems are kept for
// registry_problems().
void SCXX_POLICY_REGISTER_FN(PolicyInfo info) noexcept;
} // namespace detail

class PolicyRegistrar {
public:
  explicit PolicyRegistrar(PolicyInfo info) { detail::SCXX_POLICY_REGISTER_FN(std::move(info)); }
};

#define SCXX_REGISTER_POLICY(Class, name, description, ...)                                        \
  static const ::scxx::PolicyRegistrar SCXX_POLICY_CONCAT(scxx_policy_registrar_, __LINE__)(       \
      ::scxx::PolicyInfo{(name),                                                                   \
                         (description),                                                            \
                         [](const ::scxx::PolicyContext &ctx) -> std::unique_ptr<::scxx::Policy> { \
                           return std::make_unique<Class>(ctx);                                    \
                         },                                                                        \
                         {__VA_ARGS__}})

// Every registered policy, by name.
std::vector<const PolicyInfo *> registered_policies();
// nullptr when no policy has that name.
const PolicyInfo *find_policy(std::string_view name);
// Registrations that were refused (an empty or duplicate name, no factory),
// one sentence each.
std::vector<std::string> registry_problems();

} // namespace scxx
