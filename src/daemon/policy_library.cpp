#include "daemon/policy_library.h"

#include "core/error.h"
#include "policy/policy_registry.h"

#include <dlfcn.h>

#include <regex>
#include <string>

namespace scxx {
namespace {

#define SCXX_STRINGIFY_(x) #x
#define SCXX_STRINGIFY(x) SCXX_STRINGIFY_(x)

// A library built for another interface asks for register_policy_v<N> with
// another N: loading fails on that symbol before any of its code runs.
std::string explain_load_failure(const std::string &path, const std::string &why) {
  static const std::regex kOtherVersion("register_policy_v([0-9]+)");
  std::smatch m;
  if (std::regex_search(why, m, kOtherVersion) &&
      m[1].str() != SCXX_STRINGIFY(SCXX_POLICY_INTERFACE_VERSION)) {
    return path + " was built for version " + m[1].str() +
           " of the scxx Policy interface; this scxx implements version " +
           SCXX_STRINGIFY(SCXX_POLICY_INTERFACE_VERSION) +
           ". Rebuild it against this scxx's headers (find_package(scxx)).";
  }
  return "cannot load policy library " + path + ": " + why;
}

} // namespace

void load_policy_library(const std::string &path) {
  const size_t before = registered_policies().size();
  const size_t problems_before = registry_problems().size();
  // RTLD_NOW: every symbol is resolved before the library's code runs, so a
  // mismatch is an error here, not a crash later. Never unloaded: the
  // registry keeps pointers into it.
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char *why = dlerror();
    throw Error(explain_load_failure(path, why != nullptr ? why : "unknown error"), kExitUsage);
  }
  const std::vector<std::string> problems = registry_problems();
  if (problems.size() > problems_before) {
    throw Error(path + ": " + problems.back(), kExitUsage);
  }
  if (registered_policies().size() == before) {
    throw Error(path + " registers no policy (a policy's .cpp file needs SCXX_REGISTER_POLICY)",
                kExitUsage);
  }
}

} // namespace scxx
