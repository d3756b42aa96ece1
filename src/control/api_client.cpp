#include "control/api_client.h"

#include "control/httplib_config.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <sys/socket.h>

namespace scxx {
namespace {

std::string read_token(const std::string &file) {
  std::ifstream in(file);
  if (!in) {
    throw ApiClientError("--token: cannot read " + file);
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) {
    throw ApiClientError("--token: " + file + " is empty");
  }
  return token;
}

// "https://host:port" -> host, port.
std::pair<std::string, int> https_host_port(const std::string &url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) {
    throw ApiClientError("--url: \"" + url + "\" must start with https:// (TCP is TLS only)");
  }
  std::string rest = url.substr(scheme.size());
  if (const size_t slash = rest.find('/'); slash != std::string::npos) {
    rest.resize(slash);
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) {
    return {rest, 443};
  }
  std::string host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    return {host, std::stoi(rest.substr(colon + 1))};
  } catch (const std::exception &) {
    throw ApiClientError("--url: \"" + url + "\" has no valid port");
  }
}

} // namespace

ApiReply api_request(const ApiClientOptions &options, const std::string &method,
                     const std::string &path, const std::string &body) {
  std::unique_ptr<httplib::ClientImpl> client;
  std::string where;
  if (options.url.empty()) {
    client = std::make_unique<httplib::ClientImpl>(options.socket_path);
    client->set_address_family(AF_UNIX);
    where = options.socket_path;
  } else {
    const auto [host, port] = https_host_port(options.url);
    auto ssl = options.cert.empty()
                   ? std::make_unique<httplib::SSLClient>(host, port)
                   : std::make_unique<httplib::SSLClient>(host, port, options.cert, options.key);
    if (!ssl->is_valid()) {
      throw ApiClientError("--cert/--key: " + options.cert + ", " + options.key +
                           ": not a usable certificate and key");
    }
    if (!options.cacert.empty()) {
      ssl->set_ca_cert_path(options.cacert);
    }
    ssl->enable_server_certificate_verification(true);
    client = std::move(ssl);
    where = options.url;
  }
  if (!options.token_file.empty()) {
    client->set_bearer_token_auth(read_token(options.token_file));
  }
  client->set_connection_timeout(options.timeout);
  client->set_read_timeout(options.timeout);
  client->set_write_timeout(options.timeout);

  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH" ||
      method == "DELETE") {
    req.body = body;
    req.set_header("Content-Type", "application/json");
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!client->send(req, res, error)) {
    throw ApiClientError("cannot reach the scxx API at " + where + ": " +
                         httplib::to_string(error) +
                         (options.url.empty() ? " (is `scxx run` running? are you root?)" : ""));
  }
  return {res.status, res.get_header_value("Content-Type"), res.body};
}

} // namespace scxx
