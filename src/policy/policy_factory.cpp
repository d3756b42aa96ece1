#include "policy/policy_factory.h"

#include "policy/policy_registry.h"

#include <stdexcept>
#include <string>

namespace scxx {
namespace {

const PolicyInfo &find_or_throw(std::string_view name) {
  const PolicyInfo *info = find_policy(name);
  if (info == nullptr) {
    throw std::invalid_argument("unknown policy '" + std::string(name) +
                                "' (known: " + policy_names_text() + ")");
  }
  return *info;
}

std::string number_text(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') {
    s.pop_back();
  }
  return s;
}

} // namespace

std::vector<std::string> policy_names() {
  std::vector<std::string> out;
  for (const PolicyInfo *p : registered_policies()) {
    out.push_back(p->name);
  }
  return out;
}

std::string policy_names_text() {
  std::string text;
  for (const std::string &n : policy_names()) {
    text += (text.empty() ? "" : ", ") + n;
  }
  return text;
}

std::map<std::string, double, std::less<>>
resolve_policy_options(std::string_view name, const std::map<std::string, double> &given) {
  const PolicyInfo &info = find_or_throw(name);
  std::map<std::string, double, std::less<>> out;
  for (const PolicyOptionSpec &spec : info.options) {
    out[spec.key] = spec.default_value;
  }
  for (const auto &[key, value] : given) {
    const auto it = out.find(key);
    if (it == out.end()) {
      throw std::invalid_argument("policy '" + info.name + "' has no option '" + key + "'");
    }
    for (const PolicyOptionSpec &spec : info.options) {
      if (spec.key == key && !(value >= spec.min && value <= spec.max)) {
        throw std::invalid_argument("policies." + info.name + "." + key + ": " +
                                    number_text(value) + " is out of range [" +
                                    number_text(spec.min) + ", " + number_text(spec.max) + "]");
      }
    }
    it->second = value;
  }
  return out;
}

std::unique_ptr<Policy> make_policy(std::string_view name, PolicyContext &context) {
  const PolicyInfo &info = find_or_throw(name);
  if (auto problem = policy_config_problem(context.config)) {
    throw std::invalid_argument(*problem);
  }
  std::map<std::string, double> given(context.options.begin(), context.options.end());
  context.options = resolve_policy_options(name, given);
  return info.factory(context);
}

} // namespace scxx
