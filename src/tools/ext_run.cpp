// scxx-ext-run: run a command (or move running threads) under the SCHED_EXT
// scheduling class, for schedulers started with --partial.
//   scxx-ext-run -- CMD [ARGS...]
//   scxx-ext-run --pid PID [--pid PID ...]
#include <CLI/CLI.hpp>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kSchedExt = 7; // SCHED_EXT

// struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

bool set_sched_ext(pid_t pid) {
  SchedAttr attr{};
  attr.size = sizeof(attr);
  attr.sched_policy = kSchedExt;
  if (syscall(SYS_sched_setattr, pid, &attr, 0U) != 0) {
    std::fprintf(stderr, "scxx-ext-run: switching %d to SCHED_EXT: %s%s\n", pid,
                 std::strerror(errno),
                 errno == EINVAL ? " (does this kernel have sched_ext?)" : "");
    return false;
  }
  return true;
}

int run(int argc, char **argv) {
  CLI::App app{"scxx-ext-run: run a command, or move threads, under SCHED_EXT so that a "
               "scheduler started with --partial schedules them.\n"
               "Exit status: the command's, or 1 when switching failed."};
  std::vector<pid_t> pids;
  std::vector<std::string> command;
  app.add_option("-p,--pid", pids, "thread ids to switch (instead of running a command)");
  app.add_option("command", command, "command to run under SCHED_EXT")->expected(-1);
  app.prefix_command(false);
  CLI11_PARSE(app, argc, argv);

  if (pids.empty() == command.empty()) {
    std::fprintf(stderr, "scxx-ext-run: give either --pid PID or -- CMD [ARGS...]\n");
    return 2;
  }
  if (!pids.empty()) {
    bool ok = true;
    for (const pid_t pid : pids) {
      ok = set_sched_ext(pid) && ok;
    }
    return ok ? 0 : 1;
  }
  if (!set_sched_ext(0)) {
    return 1;
  }
  std::vector<char *> args;
  args.reserve(command.size() + 1);
  for (auto &a : command) {
    args.push_back(a.data());
  }
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::fprintf(stderr, "scxx-ext-run: cannot run %s: %s\n", args[0], std::strerror(errno));
  return 127;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "scxx-ext-run: %s\n", e.what());
    return 1;
  }
}
