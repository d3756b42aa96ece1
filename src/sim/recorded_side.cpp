#include "sim/recorded_side.h"

namespace scxx::sim {

RecordedSide::RecordedSide(Machine &machine)
    : m_(machine), wait_(static_cast<size_t>(machine.nr_cpus())) {}

void RecordedSide::run(uint64_t end_ns) {
  m_.run_until(end_ns);
}

const RecordedRun *RecordedSide::next_run(const SimTask &t) const {
  const auto id = static_cast<size_t>(t.id);
  const size_t i = id < next_.size() ? next_[id] : 0;
  return i < t.tmpl->recorded.size() ? &t.tmpl->recorded[i] : nullptr;
}

void RecordedSide::enqueue(SimTask &t, bool /*wakeup*/) {
  const RecordedRun *r = next_run(t);
  int cpu = r != nullptr && r->cpu < m_.nr_cpus() && t.may_run_on(r->cpu) ? r->cpu : -1;
  if (cpu < 0) {
    ++n_["beyond recording"];
    cpu = t.last_cpu >= 0 && t.may_run_on(t.last_cpu) ? t.last_cpu : 0;
    while (!t.may_run_on(cpu)) {
      ++cpu;
    }
  }
  wait_[static_cast<size_t>(cpu)].emplace(r != nullptr ? r->seq : extra_seq_++, t.id);
  m_.kick(cpu, false);
}

std::optional<Pick> RecordedSide::pick(int cpu, SimTask * /*prev*/) {
  auto &q = wait_[static_cast<size_t>(cpu)];
  if (q.empty()) {
    return std::nullopt;
  }
  const int id = q.begin()->second;
  q.erase(q.begin());
  return Pick{.task = id, .slice_ns = ~0ULL};
}

void RecordedSide::running(int cpu, SimTask &t) {
  const RecordedRun *r = next_run(t);
  const auto id = static_cast<size_t>(t.id);
  if (next_.size() <= id) {
    next_.resize(id + 1, 0);
  }
  ++next_[id];
  if (r == nullptr || !r->preempted) {
    return; // it leaves the CPU by itself (sleeps or exits), as recorded
  }
  ++n_["recorded preemptions"];
  const uint64_t start = m_.cpu(cpu).run_start;
  const int task = t.id;
  m_.at(m_.cpu(cpu).progress_from + r->ns, [this, cpu, task, start] {
    const CpuState &c = m_.cpu(cpu);
    if (c.task == task && c.run_start == start) {
      m_.kick(cpu, true);
    }
  });
}

} // namespace scxx::sim
