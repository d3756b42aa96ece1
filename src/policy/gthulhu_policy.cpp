#include "policy/gthulhu_policy.h"

#include "policy/policy_registry.h"
#include "policy/policy_util.h"

#include <algorithm>

namespace scxx {

SCXX_REGISTER_POLICY(GthulhuPolicy, "gthulhu",
                     "deadlines: tasks that sleep often (interactive ones) run first, CPU-bound "
                     "ones share by weight",
                     {"shortest_slice_pct",
                      "the shortest slice, as a percentage of scheduler.slice_min_us (heavier "
                      "tasks get longer ones, up to scheduler.slice_us)",
                      1, 100, GthulhuPolicy::kDefaultShortestSlicePct});

GthulhuPolicy::GthulhuPolicy(const PolicyConfig &config, const PolicyLimits &limits,
                             double shortest_slice_pct)
    : slice_default_ns_(config.slice_ns), slice_min_ns_(config.slice_min_ns),
      shortest_slice_ns_(static_cast<uint64_t>(static_cast<double>(config.slice_min_ns) *
                                               shortest_slice_pct / 100)),
      vtime_(limits.max_tracked), ready_(limits.max_queued) {}

uint64_t GthulhuPolicy::slice_for_weight(uint64_t weight) const {
  // Heavier tasks get longer slices; a nice-0 task gets slice_min. Clamped
  // to [shortest slice, slice_default].
  const uint64_t hi = slice_default_ns_;
  const uint64_t lo = std::min(shortest_slice_ns_, hi);
  const uint64_t w = std::clamp(weight, kWeightMin, kWeightMax);
  return std::clamp(slice_min_ns_ * w / kWeightDefault, lo, hi);
}

void GthulhuPolicy::on_queued(const QueuedTask &task) {
  const uint64_t weight = task_weight(task);
  // Liveness: the credit a sleeper keeps, the place of a new task and the
  // deadline's lead are all measured in one minimum slice, so every
  // deadline lies within a few minimum slices of the clock and a waiting
  // task is passed by each other task for at most that much (the bound in
  // docs/ARCHITECTURE.md). With Gthulhu's one default slice of credit and a
  // lead of up to 100 default slices (2 s), a CPU-bound task waited behind
  // every waking task for seconds: the kernel's watchdog unloaded scxx.
  const uint64_t unit = slice_min_ns_;
  const uint64_t min_v = saturating_sub(min_vruntime_, unit);

  // The virtual time comes from our own per-pid table, not from
  // QueuedTask::vtime: the kernel's value is 0 until a policy has set it and
  // carries no history of its own. Absent from the table means new.
  bool inserted = false;
  uint64_t *state = vtime_.find_or_insert(task.pid, inserted);
  if (state == nullptr) {
    ++untracked_;
  }
  uint64_t vtime = 0;
  if (state == nullptr || inserted) {
    // A new task starts one weighted minimum slice after the floor.
    vtime = min_v + unit * kWeightDefault / weight;
  } else if ((task.flags & kQueuedWakeup) != 0) {
    // A sleeper gets at most one minimum slice of credit.
    vtime = std::max(*state, min_v);
  } else {
    // Back from a slice without sleeping: its virtual time is its own. The
    // floor here would lift a boosted or heavy task to the others' level
    // after every run (a minimum slice is shorter than a tick), and
    // weights and strategy priorities would stop mattering.
    vtime = *state;
  }
  const uint64_t vslice = weighted_run_ns(task);
  vtime += vslice;
  if (state != nullptr) {
    *state = vtime;
  }

  const uint64_t deadline = vtime + std::min(task.exec_runtime, unit);
  const Entry entry{.decision = {.pid = task.pid,
                                 .cpu = dispatch_cpu(task),
                                 .slice_ns = strategy_slice(task, slice_for_weight(weight)),
                                 .vtime = deadline,
                                 .enq_cnt = task.enq_cnt,
                                 .flags = 0},
                    .start_ts = task.start_ts,
                    .vtime = vtime,
                    .task = task};
  if (!ready_.push(entry)) {
    ++overflow_;
  }
}

std::optional<Decision> GthulhuPolicy::pick_next() {
  std::optional<Entry> entry = ready_.pop();
  if (!entry) {
    return std::nullopt;
  }
  min_vruntime_ = std::max(min_vruntime_, entry->vtime);
  last_picked_ = entry->task;
  return entry->decision;
}

void GthulhuPolicy::on_dispatch_failed(const Decision &decision) {
  // The start time is not part of the decision; 0 puts the task ahead of
  // others with the same deadline, which is where it just was. Its virtual
  // time already counted when it was picked. The loop reports a failure
  // right after the pick, so the last task picked is its task.
  if (!ready_.push(Entry{.decision = decision, .start_ts = 0, .vtime = 0, .task = last_picked_})) {
    ++overflow_;
  }
}

bool GthulhuPolicy::hand_over(HeldTaskSink &sink) {
  while (std::optional<Entry> entry = ready_.pop()) {
    sink.take(entry->task);
  }
  return true;
}

} // namespace scxx
