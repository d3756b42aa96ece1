// Keeps the agent free of page faults while it schedules: a fault in the
// agent waits for kernel threads, which may wait for the agent.
#pragma once

#include <optional>
#include <string>

namespace scxx {

class MemoryLock {
public:
  // Raises RLIMIT_MEMLOCK, pre-faults `stack_bytes` of stack, locks all
  // current and future memory (mlockall), grows the malloc heap by
  // `heap_bytes` of locked memory that later allocations reuse, and sets
  // vm.compact_unevictable_allowed to 0 (a warning only where it cannot be
  // written). Throws scxx::Error if memory cannot be locked.
  explicit MemoryLock(size_t stack_bytes = size_t{512} << 10, size_t heap_bytes = size_t{64} << 20);
  ~MemoryLock();
  MemoryLock(const MemoryLock &) = delete;
  MemoryLock &operator=(const MemoryLock &) = delete;

  // Warnings collected while locking (empty when all went as planned).
  [[nodiscard]] const std::string &warnings() const { return warnings_; }

private:
  std::optional<std::string> saved_compact_;
  std::string warnings_;
};

// Makes every later private anonymous mmap of this process fail with EPERM,
// so an allocation that would need fresh (faulting) memory fails loudly
// instead. Shared anonymous maps (libbpf's global-data maps) stay allowed.
// Call after all threads and memory pools exist. Throws on failure.
void forbid_new_anonymous_mmaps();

struct PageFaults {
  long minor = 0;
  long major = 0;
  [[nodiscard]] long total() const { return minor + major; }
};
// Page faults of the whole process (all threads) since it started.
PageFaults process_page_faults();
// User+system CPU time of the whole process, in seconds.
double process_cpu_seconds();

} // namespace scxx
