// A workload as the simulator runs it: task templates, each a program of
// operations in phases, and the named resources they share (timers,
// conditions, barriers, mutexes). Both file formats (rt-app JSON, scxx's
// YAML) are read into this.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace scxx::sim {

// A workload file that cannot be run: the message names the file, the key
// or line and the reason.
class WorkloadError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

enum class OpKind {
  kRun,     // use `ns` of CPU time
  kRunWall, // run until `ns` of wall time passed (rt-app "runtime")
  kSleep,   // block for `ns`, varied by +-jitter_pct
  kTimer,   // block until the timer `ref` (period `ns`) fires next
  kSuspend, // block until `ref` is resumed
  kResume,  // wake every task suspended on `ref`
  kBarrier, // block until every task using barrier `ref` arrived
  kFork,    // start `count` tasks of template `ref`
  kMem,     // CPU work for `bytes` written to memory (rt-app "mem", "iorun")
  kLock,    // take mutex `ref`, blocking while another task holds it
  kUnlock,  // release mutex `ref`, handing it to its first waiter
  kWait,    // pthread_cond_wait on condition `ref` with mutex `mutex`
  kSignal,  // wake the first waiter of condition `ref`
  kBroad,   // wake every waiter of condition `ref`
  kSync,    // kSignal then kWait, as one step (rt-app "sync")
  kYield,   // sched_yield: back to the run queue, still runnable
};

struct Op {
  OpKind kind = OpKind::kRun;
  uint64_t ns = 0;
  int ref = -1;             // resource (timer, condition, barrier) or template
  bool relative = false;    // timer: a late activation moves the period start to now
  uint64_t deadline_ns = 0; // timer: an activation must finish this soon (0: the period)
  uint32_t jitter_pct = 0;  // sleep: uniform +-pct
  uint32_t count = 1;       // fork: children
  uint64_t bytes = 0;       // mem: bytes written
  int mutex = -1;           // wait, sync: the mutex released while waiting
};

struct Phase {
  std::vector<Op> ops;
  int64_t loop = 1;
  std::vector<int> cpus = {}; // affinity while the phase runs, empty: the task's
};

enum class SchedPolicy { kOther, kBatch, kIdle, kFifo, kRr };

// One time a traced task was on a CPU (a replayed `perf sched` trace): the
// "recorded" pseudo-policy replays these in the same order on the same CPU.
struct RecordedRun {
  int cpu = 0;
  uint64_t seq = 0;       // position among every recorded switch-in of the trace
  uint64_t ns = 0;        // CPU time it ran
  bool preempted = false; // it left the CPU still runnable
};

struct TaskTemplate {
  std::string name;
  std::string cls; // metrics are reported per class
  int instances = 1;
  int64_t loop = -1; // times the phases run, -1: until the end
  std::vector<Phase> phases;
  SchedPolicy policy = SchedPolicy::kOther;
  int nice = 0;
  int rt_priority = 0;
  std::vector<int> cpus; // affinity, empty: every CPU
  bool at_start = true;  // false: only started by a fork op
  uint64_t start_delay_ns = 0;
  std::vector<RecordedRun> recorded; // a traced task's runs, in order
  uint64_t recorded_cpu_ns = 0;      // a traced task's CPU time in the trace
};

enum class ResourceKind { kTimer, kCondition, kBarrier, kMutex };

struct Resource {
  std::string name;
  ResourceKind kind = ResourceKind::kTimer;
  // A timer each task keeps for itself. rt-app shares a timer among every
  // task (and instance) naming it, unless its name starts with "unique".
  bool per_task = false;
};

struct Workload {
  std::string source; // file name, for messages
  std::vector<TaskTemplate> templates;
  std::vector<Resource> resources;
  std::optional<uint64_t> duration_ns;
  int recorded_cpus = 0; // a trace: the CPUs it names (0: not a trace)

  // Index of the named resource of that kind, added if new. As in rt-app,
  // one name may be a mutex and a condition at once: two resources.
  int resource(const std::string &name, ResourceKind kind);
};

// The scheduling weight sched_ext reports for a nice value (100 at nice 0):
// the kernel's sched_prio_to_weight scaled to 1..10000.
uint64_t weight_of_nice(int nice);

// Checks a workload for what would make it unrunnable (no tasks, a loop
// with neither run nor block, a CPU outside the machine, a barrier used in
// forked tasks); throws WorkloadError.
void validate(const Workload &workload, int nr_cpus);

} // namespace scxx::sim
