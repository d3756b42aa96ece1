#include "sim/eevdf_model.h"

#include "policy/task.h"

#include <algorithm>

namespace scxx::sim {

namespace {

// Eligibility compares sums of doubles: a task exactly at the average may
// land a rounding error above it. One ns of virtual time is nothing.
constexpr double kVtimeSlack = 1.0;

} // namespace

uint64_t EevdfModel::base_slice_ns(int nr_cpus) {
  int log2 = 0;
  for (int n = std::min(nr_cpus, 8); n > 1; n >>= 1) {
    ++log2;
  }
  return 750 * kNsecPerUsec * static_cast<uint64_t>(1 + log2);
}

EevdfModel::EevdfModel(Machine &machine)
    : m_(machine), slice_ns_(base_slice_ns(machine.nr_cpus())),
      rq_(static_cast<size_t>(machine.nr_cpus())),
      curr_(static_cast<size_t>(machine.nr_cpus()), -1) {}

void EevdfModel::run(uint64_t end_ns) {
  m_.run_until(end_ns);
}

EevdfModel::Entity &EevdfModel::entity(const SimTask &t) {
  if (static_cast<size_t>(t.id) >= ent_.size()) {
    ent_.resize(static_cast<size_t>(t.id) + 1);
  }
  return ent_[static_cast<size_t>(t.id)];
}

double EevdfModel::vslice(const SimTask &t) const {
  return static_cast<double>(slice_ns_) * static_cast<double>(kWeightDefault) /
         static_cast<double>(t.weight);
}

double EevdfModel::running_vruntime(int cpu, const SimTask &t) {
  return entity(t).vruntime + static_cast<double>(m_.now() - m_.cpu(cpu).run_start) *
                                  static_cast<double>(kWeightDefault) /
                                  static_cast<double>(t.weight);
}

double EevdfModel::avg_vruntime(int cpu) {
  double sum = 0;
  double weight = 0;
  auto add = [&](int id) {
    const SimTask &t = m_.tasks()[static_cast<size_t>(id)];
    const double v =
        id == curr_[static_cast<size_t>(cpu)] ? running_vruntime(cpu, t) : entity(t).vruntime;
    sum += v * static_cast<double>(t.weight);
    weight += static_cast<double>(t.weight);
  };
  for (int id : rq_[static_cast<size_t>(cpu)]) {
    add(id);
  }
  if (curr_[static_cast<size_t>(cpu)] >= 0) {
    add(curr_[static_cast<size_t>(cpu)]);
  }
  return weight == 0 ? 0 : sum / weight;
}

void EevdfModel::place(SimTask &t, int cpu, bool wakeup) {
  Entity &e = entity(t);
  if (wakeup || !e.placed) {
    // place_entity: keep the lag it had when it left a queue (new tasks
    // start at the average with half a slice to their deadline).
    const double v = avg_vruntime(cpu);
    if (!e.placed) {
      e.vruntime = v;
      e.deadline = v + vslice(t) / 2;
    } else {
      e.vruntime = v - e.lag;
      e.deadline = e.vruntime + vslice(t);
    }
    e.placed = true;
  }
  e.rq = cpu;
  rq_[static_cast<size_t>(cpu)].push_back(t.id);
}

void EevdfModel::remove(int cpu, int task) {
  auto &q = rq_[static_cast<size_t>(cpu)];
  q.erase(std::find(q.begin(), q.end(), task));
  ent_[static_cast<size_t>(task)].rq = -1;
}

void EevdfModel::enqueue(SimTask &t, bool wakeup) {
  int cpu = t.last_cpu;
  if (wakeup) {
    cpu = m_.pick_idle_cpu(t, t.last_cpu >= 0 ? t.last_cpu : 0);
    if (cpu < 0) {
      cpu = t.last_cpu >= 0 && t.may_run_on(t.last_cpu) ? t.last_cpu : -1;
    }
  }
  for (int c = 0; (cpu < 0 || !t.may_run_on(cpu)) && c < m_.nr_cpus(); ++c) {
    cpu = c;
  }
  place(t, cpu, wakeup);
  const CpuState &c = m_.cpu(cpu);
  const int cur = curr_[static_cast<size_t>(cpu)];
  if (c.task < 0) {
    m_.kick(cpu, false);
  } else if (wakeup && cur >= 0) {
    // Wake-up preemption: an eligible task with an earlier deadline. The
    // kernel first brings the running task up to date (update_curr): if it
    // ran past its deadline, its slice is over and it gives way.
    const Entity &e = entity(t);
    const Entity &running = ent_[static_cast<size_t>(cur)];
    const bool slice_over =
        running_vruntime(cpu, m_.tasks()[static_cast<size_t>(cur)]) >= running.deadline;
    if (e.vruntime <= avg_vruntime(cpu) + kVtimeSlack &&
        (slice_over || e.deadline < running.deadline)) {
      m_.kick(cpu, true);
      ++n_["wake-up preemptions"];
    }
  }
}

std::optional<Pick> EevdfModel::pick(int cpu, SimTask * /*prev*/) {
  auto &q = rq_[static_cast<size_t>(cpu)];
  if (q.empty() && !pull(cpu, false)) {
    return std::nullopt;
  }
  const double avg = avg_vruntime(cpu);
  int best = -1;
  bool best_eligible = false;
  for (int id : q) {
    const Entity &e = ent_[static_cast<size_t>(id)];
    const bool eligible = e.vruntime <= avg + kVtimeSlack;
    if (best < 0 || (eligible && !best_eligible) ||
        (eligible == best_eligible && e.deadline < ent_[static_cast<size_t>(best)].deadline)) {
      best = id;
      best_eligible = eligible;
    }
  }
  remove(cpu, best);
  return Pick{.task = best,
              .slice_ns = slice_ns_,
              .key =
                  static_cast<uint64_t>(std::max(0.0, ent_[static_cast<size_t>(best)].deadline))};
}

void EevdfModel::running(int cpu, SimTask &t) {
  curr_[static_cast<size_t>(cpu)] = t.id;
}

void EevdfModel::stopped(int cpu, SimTask &t, uint64_t ran_ns, bool runnable) {
  Entity &e = entity(t);
  e.vruntime += static_cast<double>(ran_ns) * static_cast<double>(kWeightDefault) /
                static_cast<double>(t.weight);
  curr_[static_cast<size_t>(cpu)] = -1;
  if (e.vruntime >= e.deadline) {
    e.deadline = e.vruntime + vslice(t);
  }
  if (!runnable) {
    // The lag it takes along while it sleeps, bounded by a slice. A task
    // that owes time (negative lag) stays queued, not running, until it is
    // eligible, and leaves with its lag zeroed (DELAY_DEQUEUE, DELAY_ZERO:
    // the kernel's defaults since 6.12): a sleeper never wakes up owing.
    const double limit = vslice(t);
    e.lag = std::clamp(avg_vruntime(cpu) - e.vruntime, 0.0, limit);
  }
}

bool EevdfModel::tick(int cpu, SimTask &t) {
  // Its deadline passed: pick again (it may well win again).
  return running_vruntime(cpu, t) >= entity(t).deadline && !rq_[static_cast<size_t>(cpu)].empty();
}

bool EevdfModel::pull(int to, bool only_if_idle) {
  int busiest = -1;
  size_t most = 0;
  for (int c = 0; c < m_.nr_cpus(); ++c) {
    const size_t n = rq_[static_cast<size_t>(c)].size();
    if (c != to && n > most) {
      most = n;
      busiest = c;
    }
  }
  const size_t mine = rq_[static_cast<size_t>(to)].size() + (m_.cpu(to).task >= 0 ? 1 : 0);
  if (busiest < 0 || (only_if_idle && most < mine + 2)) {
    return false;
  }
  auto &q = rq_[static_cast<size_t>(busiest)];
  for (auto it = q.rbegin(); it != q.rend(); ++it) {
    SimTask &t = m_.tasks()[static_cast<size_t>(*it)];
    if (!t.may_run_on(to)) {
      continue;
    }
    // Migrate with its lag: same distance from the new queue's average.
    Entity &e = entity(t);
    const double lag = avg_vruntime(busiest) - e.vruntime;
    const double dl = e.deadline - e.vruntime;
    remove(busiest, t.id);
    e.vruntime = avg_vruntime(to) - lag;
    e.deadline = e.vruntime + dl;
    e.rq = to;
    rq_[static_cast<size_t>(to)].push_back(t.id);
    ++n_["migrations by balancing"];
    return true;
  }
  return false;
}

void EevdfModel::after_tick() {
  // Periodic balancing: idle CPUs take work; queues two apart even out.
  for (int c = 0; c < m_.nr_cpus(); ++c) {
    if (m_.idle(c)) {
      if (pull(c, false)) {
        m_.kick(c, false);
      }
    } else if (pull(c, true)) {
      // queued behind the running task on its new CPU
    }
  }
}

void EevdfModel::exited(SimTask &t) {
  entity(t) = Entity{};
}

} // namespace scxx::sim
