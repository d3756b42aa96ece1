// spin_threads [--after-usr1] N SECONDS: starts N threads that each spin
// until SECONDS have passed, then reports how many ever ran, the longest any
// waited to start, and exits 1 unless every thread ran. Small stacks, so
// thousands fit in the VM. With --after-usr1 the threads are created only
// when SIGUSR1 arrives (threads born after a strategy named the process).
// Used by tests/vm/thread_storm.sh and tests/vm/control_plane.sh.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

struct Spinner {
  uint64_t created_ns = 0;
  uint64_t first_run_ns = 0;
  uint64_t until_ns = 0;
};

void *spin(void *arg) {
  auto *s = static_cast<Spinner *>(arg);
  s->first_run_ns = now_ns();
  volatile uint64_t n = 0;
  while (now_ns() < s->until_ns) {
    for (int i = 0; i < 1000; ++i) {
      n = n + 1;
    }
  }
  return nullptr;
}

} // namespace

int main(int argc, char **argv) {
  const bool after_usr1 = argc == 4 && std::string_view(argv[1]) == "--after-usr1";
  if (argc != 3 && !after_usr1) {
    std::fprintf(stderr, "usage: %s [--after-usr1] THREADS SECONDS\n", argv[0]);
    return 2;
  }
  const long count = std::strtol(argv[argc - 2], nullptr, 10);
  const double secs = std::strtod(argv[argc - 1], nullptr);
  if (count <= 0 || secs <= 0) {
    std::fprintf(stderr, "spin_threads: THREADS and SECONDS must be positive\n");
    return 2;
  }
  if (after_usr1) {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
    std::printf("spin_threads: waiting for SIGUSR1\n");
    std::fflush(stdout);
    int sig = 0;
    sigwait(&usr1, &sig);
  }
  const uint64_t start = now_ns();
  const uint64_t until = start + static_cast<uint64_t>(secs * 1e9);
  std::vector<Spinner> spinners(static_cast<size_t>(count));
  std::vector<pthread_t> threads;
  threads.reserve(spinners.size());
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{64} * 1024);
  for (Spinner &s : spinners) {
    s.until_ns = until;
    s.created_ns = now_ns();
    pthread_t t{};
    if (pthread_create(&t, &attr, spin, &s) != 0) {
      std::fprintf(stderr, "spin_threads: could only create %zu threads\n", threads.size());
      break;
    }
    threads.push_back(t);
  }
  for (pthread_t t : threads) {
    pthread_join(t, nullptr);
  }
  size_t ran = 0;
  uint64_t worst = 0;
  for (size_t i = 0; i < threads.size(); ++i) {
    if (spinners[i].first_run_ns != 0) {
      ++ran;
      worst = std::max(worst, spinners[i].first_run_ns - spinners[i].created_ns);
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const long long cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000LL +
                           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
  // The window on the monotonic clock, so that processes started apart can
  // be compared over the time they ran.
  std::printf("spin_threads: %zu of %ld threads created, %zu ran, longest wait to start %llu ms, "
              "cpu %lld ms, window %llu-%llu ms\n",
              threads.size(), count, ran, static_cast<unsigned long long>(worst / 1000000), cpu_ms,
              static_cast<unsigned long long>(start / 1000000),
              static_cast<unsigned long long>(now_ns() / 1000000));
  return ran == static_cast<size_t>(count) ? 0 : 1;
}
