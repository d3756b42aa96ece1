// burst_threads N SECONDS: the shape that breaks schedulers. Creates N
// threads, holds them at a barrier until every one exists, releases them at
// once, and each spins for SECONDS (runnable the whole time). Measured the
// same way under any scheduler, from inside the threads:
//   start  how long after the release each thread first ran;
//   wait   the longest time a thread that had run was off its CPU while it
//          wanted to run (the longest gap between two consecutive clock
//          reads of its loop): a wait from runnable to running.
// The first run includes the way out of the barrier (the futex wake-up and
// the return to user space), which may take several slices.
// Prints one line with the worst of both and exits 1 unless every thread ran
// and finished. Used by tests/vm/burst.sh and scripts/soak.sh.
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

struct Shared {
  pthread_barrier_t barrier{};
  std::atomic<long> arrived{0};
  long expected = 0;        // the threads and the creator
  uint64_t released_ns = 0; // written by the last to arrive, before it opens the barrier
  uint64_t spin_ns = 0;
};

// The last one to arrive stamps the release and opens the barrier; the
// barrier orders the stamp before every other thread's read of it.
void arrive_and_wait(Shared &shared) {
  if (shared.arrived.fetch_add(1) + 1 == shared.expected) {
    shared.released_ns = now_ns();
  }
  pthread_barrier_wait(&shared.barrier);
}

struct Thread {
  Shared *shared = nullptr;
  uint64_t first_run_ns = 0;
  uint64_t longest_gap_ns = 0;
  bool finished = false;
};

void *spin(void *arg) {
  auto *t = static_cast<Thread *>(arg);
  arrive_and_wait(*t->shared);
  const uint64_t released = t->shared->released_ns;
  uint64_t prev = now_ns();
  t->first_run_ns = prev;
  const uint64_t until = released + t->shared->spin_ns;
  uint64_t gap = 0;
  while (prev < until) {
    const uint64_t now = now_ns();
    gap = std::max(gap, now - prev);
    prev = now;
  }
  t->longest_gap_ns = gap;
  t->finished = true;
  return nullptr;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s THREADS SECONDS\n", argv[0]);
    return 2;
  }
  const long count = std::strtol(argv[1], nullptr, 10);
  const double secs = std::strtod(argv[2], nullptr);
  if (count <= 0 || secs <= 0) {
    std::fprintf(stderr, "burst_threads: THREADS and SECONDS must be positive\n");
    return 2;
  }
  Shared shared;
  shared.spin_ns = static_cast<uint64_t>(secs * 1e9);
  // The creator waits at the barrier too: it releases everyone when the last
  // thread exists.
  shared.expected = count + 1;
  pthread_barrier_init(&shared.barrier, nullptr, static_cast<unsigned>(shared.expected));
  std::vector<Thread> threads(static_cast<size_t>(count));
  std::vector<pthread_t> ids;
  ids.reserve(threads.size());
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{64} * 1024);
  for (Thread &t : threads) {
    t.shared = &shared;
    pthread_t id{};
    if (pthread_create(&id, &attr, spin, &t) != 0) {
      std::fprintf(stderr, "burst_threads: could only create %zu of %ld threads\n", ids.size(),
                   count);
      return 1; // the barrier never opens: nothing to measure
    }
    ids.push_back(id);
  }
  arrive_and_wait(shared);
  const uint64_t released = shared.released_ns;
  for (pthread_t id : ids) {
    pthread_join(id, nullptr);
  }
  size_t finished = 0;
  uint64_t worst_start = 0;
  uint64_t worst_gap = 0;
  for (const Thread &t : threads) {
    if (t.finished) {
      ++finished;
      worst_start = std::max(worst_start, t.first_run_ns - std::min(t.first_run_ns, released));
      worst_gap = std::max(worst_gap, t.longest_gap_ns);
    }
  }
  std::printf("burst_threads: %zu of %ld threads finished, longest start %llu ms, longest wait "
              "%llu ms, took %llu ms\n",
              finished, count, static_cast<unsigned long long>(worst_start / 1000000),
              static_cast<unsigned long long>(worst_gap / 1000000),
              static_cast<unsigned long long>((now_ns() - released) / 1000000));
  return finished == static_cast<size_t>(count) ? 0 : 1;
}
