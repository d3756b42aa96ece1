#include "control/unix_socket_server.h"

#include "control/api_service.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace scxx {
namespace {

constexpr int kBacklog = 64;

[[noreturn]] void fail(const std::string &path, const std::string &what) {
  throw ApiStartError("api.socket: " + path + ": " + what);
}

bool fill_address(sockaddr_un &addr, const std::string &path) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return false;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// Whether something accepts connections on the socket at `path`.
bool answers(const std::string &path) {
  sockaddr_un addr{};
  if (!fill_address(addr, path)) {
    return false;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

} // namespace

void UnixSocketServer::bind_unix(const std::string &path) {
  namespace fs = std::filesystem;
  sockaddr_un addr{};
  if (!fill_address(addr, path)) {
    fail(path, "longer than a Unix socket path may be (" +
                   std::to_string(sizeof(addr.sun_path) - 1) + " bytes)");
  }
  const fs::path dir =
      fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) {
      fail(path, "cannot create " + dir.string() + ": " + ec.message());
    }
    ::chmod(dir.c_str(), 0755);
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      fail(path, "exists and is not a socket; refusing to replace it");
    }
    if (answers(path)) {
      fail(path, "another scxx is serving on it");
    }
  }

  std::string private_dir = (dir / ".api-sock-XXXXXX").string();
  if (::mkdtemp(private_dir.data()) == nullptr) {
    fail(path, std::string("cannot create a directory beside it: ") + std::strerror(errno));
  }
  const std::string temp = private_dir + "/s";
  sockaddr_un temp_addr{};
  const auto cleanup = [&] {
    ::unlink(temp.c_str());
    ::rmdir(private_dir.c_str());
  };
  if (!fill_address(temp_addr, temp)) {
    cleanup();
    fail(path, "the directory's path is too long for a Unix socket");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    cleanup();
    fail(path, std::string("socket: ") + std::strerror(errno));
  }
  if (::bind(fd, reinterpret_cast<sockaddr *>(&temp_addr), sizeof(temp_addr)) != 0 ||
      ::chmod(temp.c_str(), 0600) != 0 || ::listen(fd, kBacklog) != 0 ||
      ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    ::close(fd);
    cleanup();
    fail(path, "cannot bind: " + error);
  }
  ::rmdir(private_dir.c_str());
  svr_sock_ = fd;
}

} // namespace scxx
