#include "core/memory_lock.h"

#include "core/error.h"

#include <malloc.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace scxx {
namespace {

constexpr const char *kCompactSysctl = "/proc/sys/vm/compact_unevictable_allowed";

// Touches the stack below the current frame so later calls never grow it
// into fresh pages while the scheduler runs.
[[gnu::noinline]] void prefault_stack(size_t bytes) {
  auto *area = static_cast<volatile char *>(__builtin_alloca(bytes));
  for (size_t i = 0; i < bytes; i += 4096) {
    area[i] = 0;
  }
}

// All allocations come from one brk heap that never shrinks and is grown
// once, up front, while memory is locked: later allocations reuse locked,
// already-present pages instead of faulting in new ones (and keep working
// under forbid_new_anonymous_mmaps()).
void reserve_heap(size_t bytes) {
  mallopt(M_ARENA_MAX, 1);       // no per-thread arenas (they are mmapped)
  mallopt(M_MMAP_MAX, 0);        // large blocks from the heap too
  mallopt(M_TRIM_THRESHOLD, -1); // never give heap pages back
  mallopt(M_TOP_PAD, 1 << 20);
  void *block = malloc(bytes);
  if (block != nullptr) {
    std::memset(block, 0, bytes);
    free(block);
  }
}

} // namespace

MemoryLock::MemoryLock(size_t stack_bytes, size_t heap_bytes) {
  const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0) {
    warnings_ += errno_message("raising RLIMIT_MEMLOCK", errno) + "; ";
  }
  // No transparent huge pages: khugepaged collapsing the locked heap into
  // huge pages clears its page table entries for a moment, and an access
  // then faults (seen as single minor faults under fork-heavy load).
  if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
    warnings_ += errno_message("disabling transparent huge pages", errno) + "; ";
  }
  prefault_stack(stack_bytes);
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    throw Error(errno_message("locking the agent's memory (mlockall)", errno));
  }
  reserve_heap(heap_bytes);
  std::ifstream in(kCompactSysctl);
  std::string old;
  if (in >> old) {
    std::ofstream out(kCompactSysctl);
    if (out << "0" << std::flush) {
      saved_compact_ = old;
    } else {
      warnings_ += std::string("cannot write ") + kCompactSysctl + "; ";
    }
  } else {
    warnings_ += std::string("cannot read ") + kCompactSysctl + "; ";
  }
}

MemoryLock::~MemoryLock() {
  if (saved_compact_) {
    std::ofstream out(kCompactSysctl);
    out << *saved_compact_ << std::flush;
  }
  munlockall();
}

void forbid_new_anonymous_mmaps() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) {
    throw Error("seccomp_init failed");
  }
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); // all threads
  if (rc == 0) {
    // Private anonymous memory only (what allocators and thread stacks
    // use); shared anonymous maps stay allowed, libbpf needs them to
    // reload the scheduler after a CPU hotplug.
    constexpr auto kMask = static_cast<scmp_datum_t>(MAP_ANONYMOUS | MAP_PRIVATE | MAP_SHARED);
    constexpr auto kPrivateAnon = static_cast<scmp_datum_t>(MAP_ANONYMOUS | MAP_PRIVATE);
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
                          SCMP_A3(SCMP_CMP_MASKED_EQ, kMask, kPrivateAnon));
  }
  if (rc == 0) {
    rc = seccomp_load(ctx);
  }
  seccomp_release(ctx);
  if (rc != 0) {
    throw Error(errno_message("installing the no-anonymous-mmap seccomp filter", rc));
  }
}

PageFaults process_page_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return {ru.ru_minflt, ru.ru_majflt};
}

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto secs = [](const timeval &tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

} // namespace scxx
