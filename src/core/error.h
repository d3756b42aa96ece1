// Errors that say what failed and why. Fatal problems are thrown as
// scxx::Error and caught in main; the message is meant for the user.
#pragma once

#include <stdexcept>
#include <string>

namespace scxx {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &what, int exit_code = 1)
      : std::runtime_error(what), exit_code_(exit_code) {}
  // The process exit status main() should use (78 = sched_ext unsupported).
  [[nodiscard]] int exit_code() const { return exit_code_; }

private:
  int exit_code_;
};

// Exit status used when the kernel cannot run a sched_ext scheduler
// (EX_CONFIG, as other user-space schedulers do).
inline constexpr int kExitNoSchedExt = 78;

// Exit status for bad usage or configuration (a wrong option, config file or
// policy library).
inline constexpr int kExitUsage = 2;

// "<what>: <strerror(err)>" for a negative or positive errno.
std::string errno_message(const std::string &what, int err);

} // namespace scxx
