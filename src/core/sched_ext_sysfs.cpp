#include "core/sched_ext_sysfs.h"

#include "core/error.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace scxx {
namespace {

std::optional<std::string> read_first_line(const std::string &path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return std::nullopt;
  }
  return line;
}

} // namespace

bool sched_ext_supported() {
  return std::filesystem::exists(kSchedExtDir);
}

std::optional<std::string> sched_ext_state() {
  return read_first_line(std::string(kSchedExtDir) + "/state");
}

std::string sched_ext_ops_name() {
  return read_first_line(std::string(kSchedExtDir) + "/root/ops").value_or("");
}

void require_sched_ext_and_root() {
  if (!sched_ext_supported()) {
    throw Error("this kernel has no sched_ext (no " + std::string(kSchedExtDir) +
                    "): a Linux 6.12+ kernel built with CONFIG_SCHED_CLASS_EXT=y is needed",
                kExitNoSchedExt);
  }
  if (geteuid() != 0) {
    throw Error("loading a sched_ext scheduler needs root (CAP_SYS_ADMIN and CAP_BPF)");
  }
  const auto state = sched_ext_state().value_or("");
  if (state != "disabled") {
    const auto ops = sched_ext_ops_name();
    throw Error("another sched_ext scheduler is already attached (state " + state +
                (ops.empty() ? "" : ", ops " + ops) + "): stop it first");
  }
}

} // namespace scxx
