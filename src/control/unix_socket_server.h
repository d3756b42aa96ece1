// httplib's Server on a Unix socket. httplib 0.11.4 binds only TCP itself,
// but keeps the listening socket in the protected svr_sock_ and serves
// whatever is there from listen_after_bind(); this class binds the socket.
//
// The socket appears with mode 0600 (owned by the user scxx runs as) at
// once: it is bound in a private directory (0700) beside its path, chmod'ed,
// then renamed into place, so it is never reachable with looser permissions.
// Its directory is created 0755. A stale socket left by a killed scxx is
// replaced; a path some running scxx still answers on, or that is not a
// socket, is refused.
#pragma once

#include "control/httplib_config.h"

#include <string>

namespace scxx {

class UnixSocketServer : public httplib::Server {
public:
  // Throws ApiStartError naming the path.
  void bind_unix(const std::string &path);
};

} // namespace scxx
