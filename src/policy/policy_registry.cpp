#include "policy/policy_registry.h"

#include <algorithm>
#include <mutex>

namespace scxx {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<PolicyInfo>> policies;
  std::vector<std::string> problems;
};

// Built on first use: registrars in other files may run before this
// file's own statics are initialised.
Registry &registry() {
  static Registry r;
  return r;
}

} // namespace

namespace detail {

void SCXX_POLICY_REGISTER_FN(PolicyInfo info) noexcept {
  try {
    Registry &r = registry();
    const std::lock_guard lock(r.mutex);
    if (info.name.empty() || !info.factory) {
      r.problems.push_back("a policy registered without a name or factory");
      return;
    }
    for (const auto &p : r.policies) {
      if (p->name == info.name) {
        r.problems.push_back("policy '" + info.name + "' is registered twice");
        return;
      }
    }
    for (const PolicyOptionSpec &o : info.options) {
      if (o.key.empty() || !(o.min <= o.default_value && o.default_value <= o.max)) {
        r.problems.push_back("policy '" + info.name + "': option '" + o.key +
                             "' has no name or its default is outside [min, max]");
        return;
      }
    }
    r.policies.push_back(std::make_unique<PolicyInfo>(std::move(info)));
  } catch (...) { // out of memory before main: nothing sensible to do
  }
}

} // namespace detail

std::vector<const PolicyInfo *> registered_policies() {
  Registry &r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<const PolicyInfo *> out;
  for (const auto &p : r.policies) {
    out.push_back(p.get());
  }
  std::sort(out.begin(), out.end(),
            [](const PolicyInfo *a, const PolicyInfo *b) { return a->name < b->name; });
  return out;
}

const PolicyInfo *find_policy(std::string_view name) {
  for (const PolicyInfo *p : registered_policies()) {
    if (p->name == name) {
      return p;
    }
  }
  return nullptr;
}

std::vector<std::string> registry_problems() {
  Registry &r = registry();
  const std::lock_guard lock(r.mutex);
  return r.problems;
}

} // namespace scxx
