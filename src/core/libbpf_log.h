// Routes libbpf's messages: kept in a buffer so a failed load can show the
// verifier log, and echoed to stderr when debug output is on.
#pragma once

#include <string>

namespace scxx {

void libbpf_log_install(bool echo_debug);
// Everything libbpf printed since the last call, then cleared.
std::string libbpf_log_take();

} // namespace scxx
