#include "core/libbpf_log.h"

#include <bpf/libbpf.h>

#include <array>
#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace scxx {
namespace {

std::mutex g_mutex;
std::string g_buffer;
bool g_echo = false;
constexpr size_t kMaxBuffered = size_t{64} << 10;

int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args) {
  std::array<char, 4096> line{};
  const int n = std::vsnprintf(line.data(), line.size(), fmt, args);
  if (n < 0) {
    return 0;
  }
  const std::lock_guard lock(g_mutex);
  g_buffer.append(line.data());
  if (g_buffer.size() > kMaxBuffered) {
    g_buffer.erase(0, g_buffer.size() - kMaxBuffered);
  }
  if (g_echo || level == LIBBPF_WARN) {
    std::fputs(line.data(), stderr);
  }
  return n;
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
