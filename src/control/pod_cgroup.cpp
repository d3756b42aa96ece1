#include "control/pod_cgroup.h"

#include <algorithm>
#include <cctype>

namespace scxx {

std::optional<std::string> canonical_pod_uid(const std::string &uid) {
  static constexpr size_t kLength = 36;
  if (uid.size() != kLength) {
    return std::nullopt;
  }
  std::string out = uid;
  for (size_t i = 0; i < out.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char &c = out[i];
    if (dash) {
      if (c != '-' && c != '_') {
        return std::nullopt;
      }
      c = '-';
    } else if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;
    } else {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::vector<std::string> pod_cgroup_prefixes(const std::string &canonical_uid) {
  std::string underscored = canonical_uid;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  return {
      "/kubepods.slice/kubepods-pod" + underscored + ".slice/",
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + underscored + ".slice/",
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + underscored + ".slice/",
      "/kubepods/pod" + canonical_uid + "/",
      "/kubepods/burstable/pod" + canonical_uid + "/",
      "/kubepods/besteffort/pod" + canonical_uid + "/",
  };
}

} // namespace scxx
