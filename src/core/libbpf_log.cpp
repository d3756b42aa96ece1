#include "core/libbpf_log.h"

#include <bpf/libbpf.h>

#include <array>
#include <cstdarg>
#include <cstdio>
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
  std::array<char, 4096> line{};
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(line.data(), line.size(), fmt, args);
  std::string out;
  if (n >= 0 && static_cast<size_t>(n) < line.size()) {
    out = line.data();
  } else if (n >= 0) {
    out.resize(static_cast<size_t>(n) + 1);
    std::vsnprintf(out.data(), out.size(), fmt, again);
    out.pop_back();
  }
  va_end(again);
  return out;
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
