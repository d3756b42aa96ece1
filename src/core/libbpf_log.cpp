#include "core/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace scxx {
namespace {

std::mutex g_mutex;
std::string g_buffer;
bool g_echo = false;
constexpr size_t kMaxBuffered = size_t{64} << 10;

// At most this much of one message goes to stderr: a verifier log can run to
// megabytes, and its verdict is at its end.
constexpr size_t kMaxEchoed = size_t{16} << 10;

// The whole message, however long (a verifier log is one message).
std::string format(const char *fmt, va_list args) {
  char *text = nullptr;
  const int n = vasprintf(&text, fmt, args);
  if (n < 0) {
    return {};
  }
  const std::unique_ptr<char, decltype(&std::free)> owned(text, &std::free);
  return {text, static_cast<size_t>(n)};
}

int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args) {
  const std::string message = format(fmt, args);
  const std::lock_guard lock(g_mutex);
  g_buffer.append(message);
  if (g_buffer.size() > kMaxBuffered) {
    g_buffer.erase(0, g_buffer.size() - kMaxBuffered);
  }
  if (g_echo || level == LIBBPF_WARN) {
    if (message.size() > kMaxEchoed) {
      std::fprintf(stderr, "[... %zu bytes left out ...]\n", message.size() - kMaxEchoed);
      std::fputs(message.c_str() + (message.size() - kMaxEchoed), stderr);
    } else {
      std::fputs(message.c_str(), stderr);
    }
  }
  return static_cast<int>(message.size());
}

} // namespace

void libbpf_log_install(bool echo_debug) {
  {
    const std::lock_guard lock(g_mutex);
    g_echo = echo_debug;
  }
  libbpf_set_print(on_libbpf_print);
}

std::string libbpf_log_take() {
  const std::lock_guard lock(g_mutex);
  std::string out;
  out.swap(g_buffer);
  return out;
}

} // namespace scxx
