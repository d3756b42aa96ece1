#include "core/error.h"

#include <cstdlib>
#include <cstring>

namespace scxx {

std::string errno_message(const std::string &what, int err) {
  return what + ": " + std::strerror(std::abs(err));
}

} // namespace scxx
