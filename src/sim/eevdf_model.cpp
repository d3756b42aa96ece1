#include "sim/eevdf_model.h"

#include "policy/task.h"

#include <algorithm>
#include <limits>

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
  return 700 * kNsecPerUsec * static_cast<uint64_t>(1 + log2);
}

EevdfModel::EevdfModel(Machine &machine)
    : m_(machine), slice_ns_(base_slice_ns(machine.nr_cpus())),
      rq_(static_cast<size_t>(machine.nr_cpus())),
      curr_(static_cast<size_t>(machine.nr_cpus()), -1),
      run_gen_(static_cast<size_t>(machine.nr_cpus()), 0),
      armed_gen_(static_cast<size_t>(machine.nr_cpus()), 0),
      armed_deadline_(static_cast<size_t>(machine.nr_cpus()), 0) {}

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

double EevdfModel::avg_vruntime(int cpu, const SimTask *also) {
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
  if (also != nullptr) {
    add(also->id);
  }
  return weight == 0 ? 0 : sum / weight;
}

double EevdfModel::queue_weight(int cpu) {
  double w = 0;
  for (int id : rq_[static_cast<size_t>(cpu)]) {
    w += static_cast<double>(m_.tasks()[static_cast<size_t>(id)].weight);
  }
  if (const int cur = curr_[static_cast<size_t>(cpu)]; cur >= 0) {
    w += static_cast<double>(m_.tasks()[static_cast<size_t>(cur)].weight);
  }
  return w;
}

double EevdfModel::placed_vruntime(int cpu, const SimTask &t, double lag) {
  // Adding the task moves the average towards it, so the kernel scales the
  // lag by (W + w) / W first, W the weight already queued: the task keeps
  // its lag against the new average. An empty queue keeps none.
  const double load = queue_weight(cpu);
  if (load == 0) {
    return avg_vruntime(cpu);
  }
  return avg_vruntime(cpu) - lag * (load + static_cast<double>(t.weight)) / load;
}

void EevdfModel::place(SimTask &t, int cpu, bool wakeup) {
  Entity &e = entity(t);
  if (wakeup || !e.placed) {
    // place_entity: keep the lag it had when it left a queue (new tasks
    // start at the average with half a slice to their deadline).
    if (!e.placed) {
      e.vruntime = avg_vruntime(cpu);
      e.deadline = e.vruntime + vslice(t) / 2;
    } else {
      e.vruntime = placed_vruntime(cpu, t, e.lag);
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

void EevdfModel::finish_delayed(int cpu, int task) {
  remove(cpu, task);
  Entity &e = ent_[static_cast<size_t>(task)];
  e.delayed = false;
  e.lag = 0;
  ++n_["delayed sleepers dequeued"];
}

size_t EevdfModel::nr_runnable_waiting(int cpu) const {
  const auto &q = rq_[static_cast<size_t>(cpu)];
  return static_cast<size_t>(std::count_if(
      q.begin(), q.end(), [this](int id) { return !ent_[static_cast<size_t>(id)].delayed; }));
}

void EevdfModel::enqueue(SimTask &t, bool wakeup) {
  int cpu = t.last_cpu;
  if (Entity &e = entity(t); e.delayed) {
    // Woken while still queued (DELAY_DEQUEUE): it stays on that CPU, with
    // its vruntime and deadline, unless it is owed time by now, which
    // DELAY_ZERO forgives: then it starts over at the average.
    cpu = e.rq;
    e.delayed = false;
    if (avg_vruntime(cpu) - e.vruntime > 0) {
      remove(cpu, t.id);
      e.lag = 0;
      place(t, cpu, true);
    }
    ++n_["delayed sleepers woken in place"];
    preempt_check(t, cpu, wakeup);
    return;
  }
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
  preempt_check(t, cpu, wakeup);
}

void EevdfModel::preempt_check(SimTask &t, int cpu, bool wakeup) {
  const CpuState &c = m_.cpu(cpu);
  const int cur = curr_[static_cast<size_t>(cpu)];
  if (c.task < 0) {
    m_.kick(cpu, false);
  } else if (cur >= 0) {
    // The kernel first brings the running task up to date (update_curr):
    // if it ran past its deadline, it gets a new one, and the CPU picks
    // again if others waited there already. Else the woken task preempts
    // if pick_eevdf would choose it.
    Entity &running = ent_[static_cast<size_t>(cur)];
    const SimTask &ct = m_.tasks()[static_cast<size_t>(cur)];
    const double v = running_vruntime(cpu, ct);
    bool resched = false;
    if (v >= running.deadline) {
      running.deadline = v + vslice(ct);
      resched = rq_[static_cast<size_t>(cpu)].size() > 1;
    }
    if (resched) {
      m_.kick(cpu, true);
      ++n_["deadlines passed at a wake-up"];
    } else if (wakeup && best(cpu) == t.id) {
      m_.kick(cpu, true);
      ++n_["wake-up preemptions"];
    } else {
      arm_slice_end(cpu);
    }
  }
}

int EevdfModel::earliest_queued(int cpu, double max_vruntime) const {
  int pick = -1;
  for (int id : rq_[static_cast<size_t>(cpu)]) {
    const Entity &e = ent_[static_cast<size_t>(id)];
    if (e.vruntime <= max_vruntime &&
        (pick < 0 || e.deadline < ent_[static_cast<size_t>(pick)].deadline)) {
      pick = id;
    }
  }
  return pick;
}

int EevdfModel::best(int cpu) {
  const int cur = curr_[static_cast<size_t>(cpu)];
  const double avg = avg_vruntime(cpu);
  const int queued = earliest_queued(cpu, avg + kVtimeSlack);
  if (cur < 0) {
    return queued;
  }
  const Entity &e = ent_[static_cast<size_t>(cur)];
  const double v = running_vruntime(cpu, m_.tasks()[static_cast<size_t>(cur)]);
  if (v > avg + kVtimeSlack) {
    return queued; // the running task is not eligible
  }
  if (v < e.vprot) {
    return cur; // RUN_TO_PARITY
  }
  return queued >= 0 && ent_[static_cast<size_t>(queued)].deadline < e.deadline ? queued : cur;
}

void EevdfModel::arm_slice_end(int cpu) {
  const auto c = static_cast<size_t>(cpu);
  if (curr_[c] < 0 || rq_[c].empty()) {
    return;
  }
  const SimTask &t = m_.tasks()[static_cast<size_t>(curr_[c])];
  const Entity &e = ent_[static_cast<size_t>(curr_[c])];
  if (armed_gen_[c] == run_gen_[c] && armed_deadline_[c] == e.deadline) {
    return;
  }
  armed_gen_[c] = run_gen_[c];
  armed_deadline_[c] = e.deadline;
  // The wall time until its vruntime reaches its deadline.
  const double left = (e.deadline - running_vruntime(cpu, t)) * static_cast<double>(t.weight) /
                      static_cast<double>(kWeightDefault);
  if (left <= 0) {
    slice_end(cpu);
    return;
  }
  m_.at(m_.now() + std::max<uint64_t>(static_cast<uint64_t>(left), 1),
        [this, cpu, gen = run_gen_[c], deadline = e.deadline] {
          const int cur = curr_[static_cast<size_t>(cpu)];
          if (run_gen_[static_cast<size_t>(cpu)] == gen && cur >= 0 &&
              ent_[static_cast<size_t>(cur)].deadline == deadline) {
            slice_end(cpu);
          }
        });
}

void EevdfModel::slice_end(int cpu) {
  if (curr_[static_cast<size_t>(cpu)] >= 0 && !rq_[static_cast<size_t>(cpu)].empty()) {
    m_.kick(cpu, true);
    ++n_["slice ends (hrtick)"];
  }
}

std::optional<Pick> EevdfModel::pick(int cpu, SimTask * /*prev*/) {
  auto &q = rq_[static_cast<size_t>(cpu)];
  int best = -1;
  while (best < 0) {
    if (nr_runnable_waiting(cpu) == 0) {
      // Only sleepers still queued: each would be picked and leave.
      while (!q.empty()) {
        finish_delayed(cpu, q.front());
      }
      if (!pull(cpu, false)) {
        return std::nullopt;
      }
    }
    best = earliest_queued(cpu, avg_vruntime(cpu) + kVtimeSlack);
    if (best < 0) { // none eligible (rounding): the earliest deadline
      best = earliest_queued(cpu, std::numeric_limits<double>::infinity());
    }
    if (ent_[static_cast<size_t>(best)].delayed) {
      finish_delayed(cpu, best); // picked while asleep: it leaves now
      best = -1;
    }
  }
  remove(cpu, best);
  return Pick{.task = best,
              .slice_ns = slice_ns_,
              .key =
                  static_cast<uint64_t>(std::max(0.0, ent_[static_cast<size_t>(best)].deadline))};
}

void EevdfModel::running(int cpu, SimTask &t) {
  const auto c = static_cast<size_t>(cpu);
  curr_[c] = t.id;
  ++run_gen_[c];
  // set_protect_slice: every task has the base slice, so the protection
  // runs to the deadline it has now.
  Entity &e = entity(t);
  e.vprot = e.deadline;
  arm_slice_end(cpu);
}

void EevdfModel::stopped(int cpu, SimTask &t, uint64_t ran_ns, bool runnable) {
  Entity &e = entity(t);
  e.vruntime += static_cast<double>(ran_ns) * static_cast<double>(kWeightDefault) /
                static_cast<double>(t.weight);
  curr_[static_cast<size_t>(cpu)] = -1;
  ++run_gen_[static_cast<size_t>(cpu)];
  if (e.vruntime >= e.deadline) {
    e.deadline = e.vruntime + vslice(t);
  }
  if (!runnable) {
    // The lag it takes along while it sleeps, taken while it still counts
    // in the average and bounded by two slices or a tick, whichever is
    // longer (update_entity_lag). A task that owes time (ineligible) stays
    // queued, asleep: it counts in the average and may be picked, which
    // dequeues it with its lag zeroed, unless it wakes first, on this CPU
    // (DELAY_DEQUEUE, DELAY_ZERO: the kernel's defaults since 6.12).
    const double limit = static_cast<double>(std::max(2 * slice_ns_, m_.settings().costs.tick_ns)) *
                         static_cast<double>(kWeightDefault) / static_cast<double>(t.weight);
    const double lag = avg_vruntime(cpu, &t) - e.vruntime;
    if (lag < -kVtimeSlack) {
      e.delayed = true;
      e.lag = 0;
      e.rq = cpu;
      rq_[static_cast<size_t>(cpu)].push_back(t.id);
    } else {
      e.lag = std::clamp(lag, 0.0, limit);
    }
  }
}

// yield_task_fair: the yielder's deadline moves one slice on, so others
// with an earlier one go first.
void EevdfModel::yielded(int /*cpu*/, SimTask &t) {
  entity(t).deadline += vslice(t);
}

bool EevdfModel::tick(int cpu, SimTask &t) {
  // Its deadline passed: pick again (it may well win again).
  return running_vruntime(cpu, t) >= entity(t).deadline && !rq_[static_cast<size_t>(cpu)].empty();
}

bool EevdfModel::pull(int to, bool only_if_idle) {
  int busiest = -1;
  size_t most = 0;
  for (int c = 0; c < m_.nr_cpus(); ++c) {
    const size_t n = nr_runnable_waiting(c);
    if (c != to && n > most) {
      most = n;
      busiest = c;
    }
  }
  const size_t mine = nr_runnable_waiting(to) + (m_.cpu(to).task >= 0 ? 1 : 0);
  if (busiest < 0 || (only_if_idle && most < mine + 2)) {
    return false;
  }
  auto &q = rq_[static_cast<size_t>(busiest)];
  for (auto it = q.rbegin(); it != q.rend(); ++it) {
    SimTask &t = m_.tasks()[static_cast<size_t>(*it)];
    if (!t.may_run_on(to) || ent_[static_cast<size_t>(*it)].delayed) {
      continue; // a sleeper still queued does not migrate
    }
    // Migrate with its lag and its relative deadline (PLACE_REL_DEADLINE).
    Entity &e = entity(t);
    const double lag = avg_vruntime(busiest) - e.vruntime;
    const double dl = e.deadline - e.vruntime;
    remove(busiest, t.id);
    e.vruntime = placed_vruntime(to, t, lag);
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
  if (const Entity &e = entity(t); e.delayed) {
    remove(e.rq, t.id);
  }
  entity(t) = Entity{};
}

} // namespace scxx::sim
