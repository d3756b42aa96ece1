// The client side of the control API (`scxx ctl`): one request over the
// Unix socket, or over TLS to api.listen with a bearer token or a client
// certificate.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace scxx {

class ApiClientError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct ApiClientOptions {
  std::string socket_path = "/run/scxx/api.sock";
  std::string url;        // "https://host:port": use TCP instead of the socket
  std::string token_file; // a file holding the bearer token (JWT)
  std::string cert;       // client certificate and key (mutual TLS)
  std::string key;
  std::string cacert; // the CA that signed the server's certificate
  std::chrono::seconds timeout{10};
};

struct ApiReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Throws ApiClientError when no reply came (naming where it connected) or
// an option is wrong (an unreadable token file, a URL that is not https).
ApiReply api_request(const ApiClientOptions &options, const std::string &method,
                     const std::string &path, const std::string &body = "");

} // namespace scxx
