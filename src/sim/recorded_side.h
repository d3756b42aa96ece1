// The "recorded" pseudo-policy: replays a traced schedule's own decisions.
// Each fair task runs on the CPU of its next recorded run; a CPU runs, of
// the tasks waiting for it, the one whose recorded run came first; a run
// the recorded scheduler preempted is preempted after the same CPU time.
// With this, a replayed trace must use the CPU time it recorded, which
// checks the trace's conversion into programs.
#pragma once

#include "sim/machine.h"

#include <map>
#include <vector>

namespace scxx::sim {

// The pseudo-policy's name among the policies (a trace only).
inline constexpr std::string_view kRecordedPolicy = "recorded";

class RecordedSide final : public KernelSide {
public:
  explicit RecordedSide(Machine &machine);

  void enqueue(SimTask &task, bool wakeup) override;
  std::optional<Pick> pick(int cpu, SimTask *prev) override;
  void running(int cpu, SimTask &task) override;
  bool tick(int /*cpu*/, SimTask & /*task*/) override { return false; }
  void run(uint64_t end_ns) override;
  [[nodiscard]] std::map<std::string, uint64_t> counters() const override { return n_; }

private:
  // The task's next recorded run, nullptr when it has used them all.
  const RecordedRun *next_run(const SimTask &t) const;

  Machine &m_;
  std::vector<size_t> next_;                  // per task: index of its next recorded run
  std::vector<std::map<uint64_t, int>> wait_; // per CPU: recorded order -> waiting task
  uint64_t extra_seq_ = ~0ULL >> 1;           // order for runs beyond the recording
  std::map<std::string, uint64_t> n_;
};

} // namespace scxx::sim
