// scxx-minimal: loads the BPF-only minimal scheduler, prints its counters
// once a second and detaches cleanly on SIGINT/SIGTERM or after --duration.
#include "core/error.h"
#include "core/exit_info.h"
#include "core/libbpf_log.h"
#include "core/sched_ext_sysfs.h"
#include "core/unique_fd.h"
#include "scxx_minimal.skel.h"

#include <CLI/CLI.hpp>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>

namespace {

struct SkelDeleter {
  void operator()(scxx_minimal *s) const { scxx_minimal__destroy(s); }
};
struct LinkDeleter {
  void operator()(bpf_link *l) const { bpf_link__destroy(l); }
};

int run(double duration_s, unsigned slice_us, bool verbose) {
  scxx::libbpf_log_install(verbose);
  scxx::require_sched_ext_and_root();

  std::unique_ptr<scxx_minimal, SkelDeleter> skel(scxx_minimal__open());
  if (!skel) {
    throw scxx::Error(scxx::errno_message("opening the BPF object", errno));
  }
  skel->rodata->slice_ns = static_cast<unsigned long long>(slice_us) * 1000ULL;
  if (const int err = scxx_minimal__load(skel.get()); err != 0) {
    throw scxx::Error(scxx::errno_message("loading the BPF program", err) + "\n" +
                      scxx::libbpf_log_take());
  }
  std::unique_ptr<bpf_link, LinkDeleter> link(bpf_map__attach_struct_ops(skel->maps.minimal_ops));
  if (!link) {
    const int err = errno;
    throw scxx::Error(scxx::errno_message("attaching the scheduler", err) + "\n" +
                      scxx::libbpf_log_take());
  }
  std::printf("scxx-minimal: attached (ops %s, state %s)\n", scxx::sched_ext_ops_name().c_str(),
              scxx::sched_ext_state().value_or("?").c_str());
  std::fflush(stdout);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const scxx::UniqueFd sfd(signalfd(-1, &mask, SFD_CLOEXEC));

  const auto start = std::chrono::steady_clock::now();
  const auto *bss = skel->bss;
  for (;;) {
    pollfd pfd{sfd.get(), POLLIN, 0};
    if (poll(&pfd, 1, 1000) > 0) {
      signalfd_siginfo si{};
      if (read(sfd.get(), &si, sizeof(si)) == sizeof(si)) {
        std::printf("scxx-minimal: signal %u, detaching\n", si.ssi_signo);
      }
      break;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("scxx-minimal: t=%.0fs enqueued=%llu direct=%llu dsq=%llu\n", elapsed,
                static_cast<unsigned long long>(bss->nr_enqueued),
                static_cast<unsigned long long>(bss->nr_direct_dispatches),
                static_cast<unsigned long long>(bss->nr_dsq_dispatches));
    std::fflush(stdout);
    if (bss->exit_info.valid != 0) {
      break; // the kernel removed us (watchdog, error)
    }
    if (duration_s > 0 && elapsed >= duration_s) {
      break;
    }
  }
  link.reset(); // unregisters: ops.exit runs and fills exit_info
  const scxx_exit_info info = skel->bss->exit_info;
  std::printf("scxx-minimal: exit %s\n", scxx::describe_exit(info).c_str());
  std::fflush(stdout);
  return scxx::exit_is_error(info) ? 1 : 0;
}

} // namespace

static int cli_main(int argc, char **argv) {
  CLI::App app{"scxx-minimal: a BPF-only weighted-vtime sched_ext scheduler.\n"
               "Attaches, prints its counters once a second, detaches on SIGINT/SIGTERM.\n"
               "Exit status: 0 clean detach, 1 error, 78 kernel without sched_ext."};
  double duration = 0;
  unsigned slice_us = 20000;
  bool verbose = false;
  app.add_option("-d,--duration", duration,
                 "detach after this many seconds (0: run until signalled)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-s,--slice-us", slice_us, "time slice in microseconds")
      ->check(CLI::Range(100U, 1000000U));
  app.add_flag("-v,--verbose", verbose, "echo libbpf debug output");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(duration, slice_us, verbose);
  } catch (const scxx::Error &e) {
    std::fprintf(stderr, "scxx-minimal: %s\n", e.what());
    return e.exit_code();
  }
}

int main(int argc, char **argv) {
  try {
    return cli_main(argc, argv);
  } catch (const std::exception &e) { // last resort: never die without a word
    std::fprintf(stderr, "%s: %s\n", "scxx-minimal", e.what());
    return 1;
  }
}
