#include "sim/machine.h"

#include "policy/task.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace scxx::sim {

namespace {

std::string task_label(const SimTask &t) {
  return t.name + " (pid " + std::to_string(t.pid) + ")";
}

std::string ms(uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

// Ops a task may block in (and pays CostModel::block_cpu_ns before).
bool blocks(OpKind k) {
  return k == OpKind::kSleep || k == OpKind::kTimer || k == OpKind::kSuspend ||
         k == OpKind::kBarrier || k == OpKind::kWait || k == OpKind::kSync;
}

// Whose wait on the other's mutex is a priority inversion: a real-time task
// above a fair one or a lower real-time priority, a fair one above a
// lighter one.
bool outranks(const SimTask &waiter, const SimTask &holder) {
  if (waiter.rt != holder.rt) {
    return waiter.rt;
  }
  if (waiter.rt) {
    return waiter.tmpl->rt_priority > holder.tmpl->rt_priority;
  }
  return waiter.weight > holder.weight;
}

} // namespace

Machine::Machine(const Workload &workload, const CpuTopology &topology, const SimSettings &settings)
    : workload_(workload), topo_(topology), settings_(settings), rng_(settings.seed),
      cpus_(topology.nr_cpus()), rt_queue_(topology.nr_cpus()),
      agent_since_(static_cast<size_t>(topology.nr_cpus()), 0) {
  // A trace's bursts already hold the time around its blocking points.
  block_cost_ns_ = workload.recorded_cpus != 0 ? 0 : settings.costs.block_cpu_ns;
  for (const TaskTemplate &tmpl : workload_.templates) {
    if (!tmpl.at_start) {
      continue;
    }
    for (int i = 0; i < tmpl.instances; ++i) {
      spawn(tmpl, false);
    }
  }
  for (const SimTask &t : tasks_) {
    for (const Phase &p : t.tmpl->phases) {
      for (const Op &op : p.ops) {
        if (op.kind == OpKind::kBarrier) {
          ++barriers_[op.ref].participants;
          break; // one participant per task, however often it names the barrier
        }
      }
    }
  }
}

SimTask &Machine::spawn(const TaskTemplate &tmpl, bool forked) {
  SimTask &t = tasks_.emplace_back();
  t.id = static_cast<int>(tasks_.size() - 1);
  t.pid = next_pid_++;
  t.name = tmpl.name + (tmpl.instances > 1 || forked ? "-" + std::to_string(t.pid) : "");
  t.tmpl = &tmpl;
  t.rt = tmpl.policy == SchedPolicy::kFifo || tmpl.policy == SchedPolicy::kRr;
  t.weight = tmpl.policy == SchedPolicy::kIdle ? 1 : weight_of_nice(tmpl.nice);
  set_affinity(t, tmpl.phases.front().cpus.empty() ? tmpl.cpus : tmpl.phases.front().cpus);
  t.loops_left = tmpl.loop;
  t.phase_left = tmpl.phases.front().loop;
  t.forked = forked;
  t.born_ns = now_;
  by_pid_.push_back(t.id);
  return t;
}

void Machine::set_affinity(SimTask &t, const std::vector<int> &cpus) {
  t.allowed.assign(cpus_.size(), cpus.empty());
  for (int c : cpus) {
    t.allowed[static_cast<size_t>(c)] = true;
  }
  t.nr_allowed = static_cast<uint32_t>(std::count(t.allowed.begin(), t.allowed.end(), true));
}

SimTask *Machine::task_by_pid(int32_t pid) {
  const int64_t i = static_cast<int64_t>(pid) - kFirstPid;
  return i < 0 || i >= static_cast<int64_t>(by_pid_.size())
             ? nullptr
             : &tasks_[static_cast<size_t>(by_pid_[static_cast<size_t>(i)])];
}

// ---- time ----

void Machine::run(uint64_t end_ns) {
  end_ = end_ns;
  for (SimTask &t : tasks_) {
    const int id = t.id;
    at(t.tmpl->start_delay_ns, [this, id] { wake(tasks_[static_cast<size_t>(id)]); });
  }
  at(settings_.costs.tick_ns, [this] { tick(); });
  if (settings_.costs.noise_interval_ns != 0 && settings_.costs.noise_ns != 0) {
    for (int c = 0; c < nr_cpus(); ++c) {
      const auto gap = static_cast<uint64_t>(
          rng_.exponential(static_cast<double>(settings_.costs.noise_interval_ns)));
      at(gap, [this, c] { noise(c); });
    }
  }
  side_->run(end_);
  run_until(end_);
  // Close the books: CPU time up to the end, waits still going on.
  now_ = end_;
  for (const auto &entry : mutexes_) {
    settle(entry.first);
  }
  for (int c = 0; c < nr_cpus(); ++c) {
    const CpuState &cpu = cpus_[static_cast<size_t>(c)];
    if (cpu.task >= 0) {
      sync(c);
      record_slice(c, cpu.run_start, tasks_[static_cast<size_t>(cpu.task)].cls());
    } else if (cpu.agent) {
      record_slice(c, agent_since_[static_cast<size_t>(c)], "(agent)");
    }
  }
  uint64_t total = 0;
  for (const SimTask &t : tasks_) {
    total += t.cpu_ns;
    if (t.cpu_ns > end_ - t.born_ns) {
      inv_.violated(Rule::kCpuTime, now_,
                    task_label(t) + " ran " + ms(t.cpu_ns) + " in " + ms(end_ - t.born_ns));
    }
    if (t.state == TaskState::kRunnable && !t.starving_noted &&
        now_ - t.runnable_since > settings_.bounds.starvation_ns) {
      inv_.violated(Rule::kStarvation, now_,
                    task_label(t) + " still waiting after " + ms(now_ - t.runnable_since));
    }
  }
  if (total > end_ * cpus_.size()) {
    inv_.violated(Rule::kCpuTime, now_,
                  "tasks ran " + ms(total) + " on " + std::to_string(cpus_.size()) + " CPUs in " +
                      ms(end_));
  }
}

void Machine::run_until(uint64_t limit, const std::function<bool()> &stop) {
  limit = std::min(limit, end_);
  while (!events_.empty() && events_.next_time() <= limit) {
    if (stop && stop()) {
      return;
    }
    now_ = std::max(now_, events_.next_time());
    events_.pop()();
    flush();
  }
  if (stop && stop()) {
    return;
  }
  now_ = std::max(now_, limit);
}

void Machine::tick() {
  for (int c = 0; c < nr_cpus(); ++c) {
    CpuState &cpu = cpus_[static_cast<size_t>(c)];
    if (cpu.task < 0) {
      continue;
    }
    sync(c);
    SimTask &t = tasks_[static_cast<size_t>(cpu.task)];
    if (!t.rt && side_->tick(c, t)) {
      want_preempt_.insert(c);
    }
  }
  side_->after_tick();
  check_idle_while_waiting();
  for (SimTask &t : tasks_) {
    if (t.state == TaskState::kRunnable && !t.starving_noted &&
        now_ - t.runnable_since > settings_.bounds.starvation_ns) {
      t.starving_noted = true;
      inv_.violated(Rule::kStarvation, now_,
                    task_label(t) + " waiting for " + ms(now_ - t.runnable_since) + " (bound " +
                        ms(settings_.bounds.starvation_ns) + ")");
    }
  }
  at(now_ + settings_.costs.tick_ns, [this] { tick(); });
}

void Machine::stall(int c, uint64_t ns) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  if (cpu.task >= 0 && ns != 0) {
    sync(c);
    cpu.progress_from = std::max(cpu.progress_from, now_) + ns;
    cpu.overhead_ns += ns;
    schedule_end(c);
  }
}

void Machine::noise(int c) {
  stall(c, settings_.costs.noise_ns);
  const auto gap = static_cast<uint64_t>(
      rng_.exponential(static_cast<double>(settings_.costs.noise_interval_ns)));
  at(now_ + std::max<uint64_t>(gap, 1), [this, c] { noise(c); });
}

void Machine::check_idle_while_waiting() {
  // A task has waited past the bound while a CPU it may use is idle now,
  // and has been for a tenth of the bound: a CPU that went idle moments
  // ago may be about to receive it.
  const uint64_t bound = settings_.bounds.idle_while_waiting_ns;
  for (int c = 0; c < nr_cpus(); ++c) {
    const CpuState &cpu = cpus_[static_cast<size_t>(c)];
    if (cpu.task >= 0 || cpu.agent || now_ - cpu.idle_since <= bound / 10) {
      continue;
    }
    for (const SimTask &t : tasks_) {
      if (t.state == TaskState::kRunnable && t.may_run_on(c) && now_ - t.runnable_since > bound) {
        inv_.violated(Rule::kIdleWhileWaiting, now_,
                      "CPU " + std::to_string(c) + " idle for " + ms(now_ - cpu.idle_since) +
                          " while " + task_label(t) + " waited " + ms(now_ - t.runnable_since));
        break;
      }
    }
  }
}

// ---- CPUs ----

bool Machine::idle(int c) const {
  const CpuState &cpu = cpus_[static_cast<size_t>(c)];
  return cpu.task < 0 && !cpu.agent && !cpu.claimed;
}

int Machine::pick_idle_cpu(const SimTask &t, int prev) {
  auto usable = [&](int c) { return t.may_run_on(c) && idle(c); };
  auto claim = [&](int c) {
    cpus_[static_cast<size_t>(c)].claimed = true;
    return c;
  };
  if (prev >= 0 && prev < nr_cpus()) {
    if (usable(prev)) {
      return claim(prev);
    }
    const auto p = static_cast<size_t>(prev);
    for (int c = 0; c < nr_cpus(); ++c) {
      if (c != prev && topo_.core_id[static_cast<size_t>(c)] == topo_.core_id[p] && usable(c)) {
        return claim(c);
      }
    }
    for (int c = 0; c < nr_cpus(); ++c) {
      if (c != prev && topo_.llc_id[static_cast<size_t>(c)] == topo_.llc_id[p] && usable(c)) {
        return claim(c);
      }
    }
  }
  return any_idle_cpu(t);
}

int Machine::any_idle_cpu(const SimTask &t) {
  int fallback = -1;
  for (int c = 0; c < nr_cpus(); ++c) {
    if (!t.may_run_on(c) || !idle(c)) {
      continue;
    }
    bool whole_core = true;
    for (int s = 0; s < nr_cpus(); ++s) {
      if (s != c &&
          topo_.core_id[static_cast<size_t>(s)] == topo_.core_id[static_cast<size_t>(c)] &&
          !idle(s)) {
        whole_core = false;
      }
    }
    if (whole_core) {
      cpus_[static_cast<size_t>(c)].claimed = true;
      return c;
    }
    if (fallback < 0) {
      fallback = c;
    }
  }
  if (fallback >= 0) {
    cpus_[static_cast<size_t>(fallback)].claimed = true;
  }
  return fallback;
}

bool Machine::sleeping(int c) const {
  const CpuState &cpu = cpus_[static_cast<size_t>(c)];
  return cpu.task < 0 && !cpu.agent && now_ > cpu.idle_since;
}

void Machine::timer_fired_on(int c) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  if (sleeping(c) && cpu.awake_at <= cpu.idle_since && settings_.costs.timer_wakeup_ns != 0) {
    cpu.awake_at = now_ + draw_delay(settings_.costs.timer_wakeup_ns);
  }
}

// median x (0.72 + 0.4 E), E exponential with mean 1, puts p90 at 1.64x
// the median (measured 1.5-1.9x for the idle wake-ups).
uint64_t Machine::draw_delay(uint64_t median) {
  if (median == 0) {
    return 0;
  }
  return static_cast<uint64_t>(
      std::llround(static_cast<double>(median) * (0.72 + 0.4 * rng_.exponential(1.0))));
}

uint64_t Machine::idle_exit(int c) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  if (!sleeping(c)) {
    return 0;
  }
  if (cpu.awake_at <= cpu.idle_since) { // nothing under way: an IPI now
    if (settings_.costs.idle_wakeup_ns == 0) {
      return 0;
    }
    cpu.awake_at = now_ + draw_delay(settings_.costs.idle_wakeup_ns);
  }
  return cpu.awake_at > now_ ? cpu.awake_at - now_ : 0;
}

void Machine::kick(int c, bool preempt) {
  if (preempt && cpus_[static_cast<size_t>(c)].task >= 0) {
    want_preempt_.insert(c);
  } else {
    want_pick_.insert(c);
  }
}

int Machine::agent_acquire(int prefer) {
  agent_exit_ns_ = 0;
  if (!settings_.costs.agent_on_cpu) {
    return -1;
  }
  int c = prefer >= 0 && prefer < nr_cpus() && idle(prefer) ? prefer : -1;
  for (int i = 0; c < 0 && i < nr_cpus(); ++i) {
    if (idle(i)) {
      c = i;
    }
  }
  if (c < 0) {
    // No idle CPU: the agent preempts its last CPU, unless a real-time task
    // runs there (the agent is an ordinary task to the RT class).
    for (int i = 0; i < nr_cpus(); ++i) {
      const int cand = (std::max(prefer, 0) + i) % nr_cpus();
      const CpuState &cpu = cpus_[static_cast<size_t>(cand)];
      if (!cpu.agent && (cpu.task < 0 || !tasks_[static_cast<size_t>(cpu.task)].rt)) {
        c = cand;
        break;
      }
    }
    if (c < 0) {
      return -1;
    }
    if (cpus_[static_cast<size_t>(c)].task >= 0) {
      stop(c, Stop::kPreempted);
    }
  }
  agent_exit_ns_ = idle_exit(c);
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  cpu.agent = true;
  agent_since_[static_cast<size_t>(c)] = now_;
  cpu.claimed = false;
  cpu.last = -1;
  want_pick_.erase(c);
  flush();
  return c;
}

void Machine::agent_release(int c) {
  if (c < 0) {
    flush();
    return;
  }
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  record_slice(c, agent_since_[static_cast<size_t>(c)], "(agent)");
  cpu.agent = false;
  cpu.idle_since = now_;
  pick(c);
  flush();
}

void Machine::charge_agent(int c, uint64_t ns) {
  agent_ns_ += ns;
  if (c >= 0) {
    cpus_[static_cast<size_t>(c)].busy_ns += ns;
  }
}

void Machine::flush() {
  if (flushing_) {
    return; // the outer flush picks up what was added
  }
  flushing_ = true;
  for (int guard = 0; !want_pick_.empty() || !want_preempt_.empty(); ++guard) {
    if (guard > 1000000) {
      throw std::logic_error("simulator: CPUs keep preempting each other");
    }
    if (!want_preempt_.empty()) {
      const int c = *want_preempt_.begin();
      want_preempt_.erase(want_preempt_.begin());
      if (cpus_[static_cast<size_t>(c)].task >= 0) {
        stop(c, Stop::kPreempted);
      }
      continue;
    }
    const int c = *want_pick_.begin();
    want_pick_.erase(want_pick_.begin());
    pick(c);
  }
  flushing_ = false;
}

void Machine::pick(int c) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  cpu.claimed = false;
  if (cpu.task >= 0 || cpu.agent) {
    return;
  }
  SimTask *prev = nullptr;
  if (cpu.prev_runnable >= 0) {
    SimTask &p = tasks_[static_cast<size_t>(cpu.prev_runnable)];
    prev = p.state == TaskState::kRunnable && !p.rt ? &p : nullptr;
    cpu.prev_runnable = -1;
  }
  const int rt = rt_pick(c);
  if (rt >= 0) {
    start(c, Pick{.task = rt});
    return;
  }
  // A pick the machine must refuse is a violation; the CPU asks again (the
  // side has let go of that task), a few times at most.
  for (int tries = 0; tries < 8; ++tries) {
    // While it dispatches, this CPU is not idle to others (kick_for).
    cpu.claimed = true;
    const std::optional<Pick> p = side_->pick(c, tries == 0 ? prev : nullptr);
    cpu.claimed = false;
    if (!p) {
      return;
    }
    SimTask &t = tasks_[static_cast<size_t>(p->task)];
    std::string problem;
    Rule rule = Rule::kDoubleRun;
    if (t.state == TaskState::kRunning) {
      problem = " while running on CPU " + std::to_string(t.cpu);
    } else if (t.state != TaskState::kRunnable) {
      rule = Rule::kNotRunnable;
      problem = " while not runnable";
    } else if (!t.may_run_on(c)) {
      rule = Rule::kAffinity;
      problem = " outside its affinity";
    } else {
      start(c, *p);
      return;
    }
    inv_.violated(rule, now_, task_label(t) + " picked on CPU " + std::to_string(c) + problem);
  }
}

// ---- running ----

void Machine::start(int c, const Pick &pick) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  SimTask &t = tasks_[static_cast<size_t>(pick.task)];
  // A CPU that was idle first leaves its idle loop: the task waits that
  // long more (on this CPU, which nobody else takes meanwhile).
  const uint64_t exit = idle_exit(c);
  // The scheduling class's own callbacks on the way (sched_ext's, for
  // scxx: the wake-up, the dispatch) come before the task runs, so they
  // count in its wait; they run at every start, a switch or not.
  const uint64_t callbacks = t.rt ? 0 : side_->switch_extra_ns();
  const uint64_t wait = now_ - t.runnable_since + exit + callbacks;
  if (now_ >= settings_.warmup_ns) {
    metrics_.queue_delay(t.cls(), wait);
    if (t.woke) {
      metrics_.wake_latency(t.cls(), wait);
    }
  }
  if (!t.starving_noted && wait > settings_.bounds.starvation_ns) {
    inv_.violated(Rule::kStarvation, now_,
                  task_label(t) + " waited " + ms(wait) + " (bound " +
                      ms(settings_.bounds.starvation_ns) + ")");
  }
  t.starving_noted = false;
  if (t.rt) {
    auto &q = rt_queue_[static_cast<size_t>(c)];
    q.erase(std::find(q.begin(), q.end(), t.id));
  }
  if (t.last_cpu >= 0 && t.last_cpu != c) {
    ++t.migrations;
  }
  cpu.overhead_ns += callbacks;
  uint64_t cost = 0;
  if (cpu.last != t.id) {
    cost = settings_.costs.context_switch_ns;
    ++t.switches;
    cpu.overhead_ns += cost;
  }
  settle_held(t);
  t.state = TaskState::kRunning;
  t.cpu = c;
  t.last_cpu = c;
  t.start_ts = now_;
  cpu.task = t.id;
  cpu.last = t.id;
  cpu.claimed = false;
  cpu.progress_from = now_ + exit + callbacks + cost;
  cpu.run_start = now_;
  cpu.slice_ns = pick.slice_ns;
  cpu.key = pick.key;
  if (!t.rt) {
    side_->running(c, t);
  }
  if (t.op_entered && !t.op_done && t.tmpl != nullptr) {
    const Op &op = t.tmpl->phases[t.phase].ops[t.op];
    if (op.kind == OpKind::kRunWall) {
      t.op_left = t.wall_end > now_ ? t.wall_end - now_ : 0;
    }
  }
  after_step(c, advance(t));
}

void Machine::after_step(int c, Step step) {
  switch (step) {
  case Step::kRun:
    schedule_end(c);
    break;
  case Step::kBlock:
    stop(c, Stop::kBlocked);
    break;
  case Step::kExit:
    stop(c, Stop::kExited);
    break;
  case Step::kYield: {
    SimTask &t = tasks_[static_cast<size_t>(cpus_[static_cast<size_t>(c)].task)];
    if (!t.rt) {
      side_->yielded(c, t);
    }
    stop(c, Stop::kYielded); // sched_ext: a yield zeroes the slice
    break;
  }
  case Step::kMove:
    stop(c, Stop::kPreempted);
    cpus_[static_cast<size_t>(c)].prev_runnable = -1; // it may not go on here
    break;
  }
}

void Machine::sync(int c) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  SimTask &t = tasks_[static_cast<size_t>(cpu.task)];
  if (now_ <= cpu.progress_from) {
    return;
  }
  const uint64_t d = now_ - cpu.progress_from;
  cpu.progress_from = now_;
  t.cpu_ns += d;
  cpu.busy_ns += d;
  t.op_left -= std::min(d, t.op_left);
}

void Machine::schedule_end(int c) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  const SimTask &t = tasks_[static_cast<size_t>(cpu.task)];
  const uint64_t gen = ++cpu.gen;
  at(std::max(cpu.progress_from, now_) + t.op_left, [this, c, gen] { on_run_end(c, gen); });
}

void Machine::on_run_end(int c, uint64_t gen) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  if (cpu.gen != gen || cpu.task < 0) {
    return;
  }
  sync(c);
  SimTask &t = tasks_[static_cast<size_t>(cpu.task)];
  if (t.op_left > 0) {
    schedule_end(c);
    return;
  }
  if (!t.paying_block) {
    t.op_done = true;
  }
  after_step(c, advance(t));
}

void Machine::stop(int c, Stop why) {
  CpuState &cpu = cpus_[static_cast<size_t>(c)];
  sync(c);
  SimTask &t = tasks_[static_cast<size_t>(cpu.task)];
  settle_held(t);
  ++cpu.gen;
  const uint64_t ran = now_ - t.start_ts;
  record_slice(c, cpu.run_start, t.cls());
  t.stop_ts = now_;
  t.exec_runtime += ran;
  t.dsq_vtime += ran * kWeightDefault / t.weight;
  t.cpu = -1;
  cpu.task = -1;
  cpu.idle_since = now_;
  const bool runnable = why == Stop::kExpired || why == Stop::kPreempted || why == Stop::kYielded;
  if (!t.rt) {
    side_->stopped(c, t, ran, runnable);
  }
  if (runnable) {
    t.state = TaskState::kRunnable;
    t.runnable_since = now_;
    t.woke = false;
    cpu.prev_runnable = t.id;
    if (t.rt) {
      rt_enqueue(t, why != Stop::kYielded); // a yielder goes behind its equals
    } else {
      side_->enqueue(t, false);
    }
  } else if (why == Stop::kBlocked) {
    t.state = TaskState::kBlocked;
  } else {
    t.state = TaskState::kDead;
    if (!t.rt) {
      side_->exited(t);
    }
  }
  want_pick_.insert(c);
}

void Machine::wake(SimTask &t) {
  if (t.state != TaskState::kBlocked) {
    return;
  }
  settle_held(t);
  t.state = TaskState::kRunnable;
  t.runnable_since = now_;
  t.woke = true;
  if (waker_cpu_ < 0 && t.last_cpu >= 0) {
    timer_fired_on(t.last_cpu); // its timer fires where it slept
  }
  t.exec_runtime = 0; // a new burst starts after a sleep (ops.runnable)
  if (t.op_entered) {
    t.op_done = true; // the op it blocked in is over
  }
  enqueue(t, true);
}

void Machine::enqueue(SimTask &t, bool wakeup) {
  if (t.rt) {
    rt_enqueue(t, false);
  } else {
    side_->enqueue(t, wakeup);
  }
}

// ---- the real-time class: above every fair task, scheduled by the machine ----

void Machine::rt_enqueue(SimTask &t, bool head) {
  int c = t.cpu >= 0 ? t.cpu : pick_idle_cpu(t, t.last_cpu);
  if (c < 0) {
    c = t.last_cpu >= 0 && t.may_run_on(t.last_cpu)
            ? t.last_cpu
            : static_cast<int>(std::find(t.allowed.begin(), t.allowed.end(), true) -
                               t.allowed.begin());
  }
  auto &q = rt_queue_[static_cast<size_t>(c)];
  const int prio = t.tmpl->rt_priority;
  auto pos = std::find_if(q.begin(), q.end(), [&](int id) {
    const int other = tasks_[static_cast<size_t>(id)].tmpl->rt_priority;
    return head ? other <= prio : other < prio;
  });
  q.insert(pos, t.id);
  const CpuState &cpu = cpus_[static_cast<size_t>(c)];
  if (cpu.task < 0) {
    want_pick_.insert(c);
  } else {
    const SimTask &cur = tasks_[static_cast<size_t>(cpu.task)];
    if (!cur.rt || cur.tmpl->rt_priority < prio) {
      want_preempt_.insert(c);
    }
  }
}

int Machine::rt_pick(int c) {
  const auto &q = rt_queue_[static_cast<size_t>(c)];
  return q.empty() ? -1 : q.front();
}

// ---- the workload program ----

Machine::Step Machine::advance(SimTask &t) {
  for (int guard = 0; guard < 100000; ++guard) {
    if (t.op_done) {
      const size_t phase = t.phase;
      if (!next_op(t)) {
        return Step::kExit;
      }
      t.op_done = false;
      t.op_entered = false;
      if (t.phase != phase &&
          (!t.tmpl->phases[phase].cpus.empty() || !t.tmpl->phases[t.phase].cpus.empty())) {
        // rt-app sets a phase's affinity as it starts (the task's own
        // without one); a CPU left out moves the task at once.
        const std::vector<int> &cpus = t.tmpl->phases[t.phase].cpus;
        set_affinity(t, cpus.empty() ? t.tmpl->cpus : cpus);
        if (!t.may_run_on(t.cpu)) {
          return Step::kMove;
        }
      }
    }
    if (!t.op_entered) {
      // Before an op that may block, the task spends CPU time on getting
      // there (the system call, the program's own work between events).
      if (!t.block_paid && blocks(t.tmpl->phases[t.phase].ops[t.op].kind) && block_cost_ns_ != 0) {
        if (!t.paying_block) {
          t.paying_block = true;
          t.op_left = block_cost_ns_;
        }
        if (t.op_left > 0) {
          return Step::kRun;
        }
        t.paying_block = false;
        t.block_paid = true;
      }
      t.block_paid = false;
      t.op_entered = true;
      Step s = Step::kRun;
      if (enter(t, s)) {
        return s;
      }
      t.op_done = true;
      continue;
    }
    if (t.op_left > 0) {
      return Step::kRun;
    }
    t.op_done = true;
  }
  throw WorkloadError(workload_.source + ": task '" + t.tmpl->name +
                      "' goes round its events without running or blocking");
}

bool Machine::next_op(SimTask &t) {
  const std::vector<Phase> &phases = t.tmpl->phases;
  if (++t.op < phases[t.phase].ops.size()) {
    return true;
  }
  t.op = 0;
  if (phases[t.phase].loop < 0 || --t.phase_left > 0) {
    return true;
  }
  if (++t.phase == phases.size()) {
    t.phase = 0;
    if (t.loops_left > 0 && --t.loops_left == 0) {
      return false;
    }
  }
  t.phase_left = phases[t.phase].loop;
  return true;
}

void Machine::block_until(SimTask &t, uint64_t time) {
  const int id = t.id;
  at(time, [this, id] { wake(tasks_[static_cast<size_t>(id)]); });
}

bool Machine::enter(SimTask &t, Step &out) {
  const Op &op = t.tmpl->phases[t.phase].ops[t.op];
  switch (op.kind) {
  case OpKind::kRun:
  case OpKind::kRunWall:
    t.op_left = op.ns;
    t.wall_end = now_ + op.ns;
    out = Step::kRun;
    return op.ns > 0;
  case OpKind::kSleep: {
    double d = static_cast<double>(op.ns);
    if (op.jitter_pct != 0) {
      d *= 1.0 + static_cast<double>(op.jitter_pct) / 100.0 * (2.0 * rng_.uniform() - 1.0);
    }
    const auto ns = static_cast<uint64_t>(std::llround(d));
    if (ns == 0) {
      return false;
    }
    block_until(t, now_ + ns);
    out = Step::kBlock;
    return true;
  }
  case OpKind::kTimer: {
    // rt-app's timer: the first use starts it at the task's start (rt-app's
    // t_first: the common start plus the task's delay); each use moves it one
    // period on and sleeps until then. Tasks sharing it take turns. When the
    // target already passed there is no sleep; a relative timer then starts
    // again from now, an absolute one stays behind.
    const bool own = workload_.resources[static_cast<size_t>(op.ref)].per_task;
    TimerState &timer = own ? t.own_timers[op.ref] : timers_[op.ref];
    if (!timer.started) {
      timer.started = true;
      timer.next = t.tmpl->start_delay_ns;
    }
    auto [it, first] = t.activation_start.try_emplace(op.ref, 0);
    if (!first) {
      // The activation that just ended must have finished by its deadline.
      ++t.activations;
      const uint64_t deadline = op.deadline_ns != 0 ? op.deadline_ns : op.ns;
      if (now_ > it->second + deadline) {
        ++t.deadline_misses;
      }
    }
    timer.next += op.ns;
    if (timer.next <= now_) {
      if (op.relative) {
        timer.next = now_;
      }
      it->second = timer.next;
      return false; // late: the next activation starts at once
    }
    it->second = timer.next;
    block_until(t, timer.next);
    out = Step::kBlock;
    return true;
  }
  case OpKind::kSuspend: {
    Condition &cond = conditions_[op.ref];
    if (cond.pending > 0) {
      --cond.pending;
      return false;
    }
    t.relock = -1;
    cond.waiters.push_back(t.id);
    out = Step::kBlock;
    return true;
  }
  case OpKind::kResume: {
    Condition &cond = conditions_[op.ref];
    if (cond.waiters.empty()) {
      ++cond.pending;
    }
    waker_cpu_ = t.cpu;
    cond_wake(op.ref, true);
    waker_cpu_ = -1;
    return false;
  }
  case OpKind::kMem: {
    // Writing `bytes` costs CPU time at the measured memset rate.
    const uint64_t ns = (op.bytes * settings_.costs.mem_ns_per_mib + (1U << 19)) >> 20;
    t.op_left = ns;
    out = Step::kRun;
    return ns > 0;
  }
  case OpKind::kLock:
    if (lock(t, op.ref)) {
      return false;
    }
    out = Step::kBlock;
    return true;
  case OpKind::kUnlock:
    unlock(t, op.ref);
    return false;
  case OpKind::kSignal:
  case OpKind::kBroad:
    waker_cpu_ = t.cpu;
    cond_wake(op.ref, op.kind == OpKind::kBroad);
    waker_cpu_ = -1;
    return false;
  case OpKind::kSync:
  case OpKind::kWait:
    if (op.kind == OpKind::kSync) {
      waker_cpu_ = t.cpu;
      cond_wake(op.ref, false);
      waker_cpu_ = -1;
    }
    cond_wait(t, op.ref, op.mutex);
    out = Step::kBlock;
    return true;
  case OpKind::kYield:
    out = Step::kYield;
    return true;
  case OpKind::kBarrier: {
    Barrier &b = barriers_[op.ref];
    if (static_cast<int>(b.waiting.size()) + 1 >= b.participants) {
      const std::vector<int> waiting = std::move(b.waiting);
      b.waiting.clear();
      waker_cpu_ = t.cpu;
      for (int id : waiting) {
        wake(tasks_[static_cast<size_t>(id)]);
      }
      waker_cpu_ = -1;
      return false;
    }
    b.waiting.push_back(t.id);
    out = Step::kBlock;
    return true;
  }
  case OpKind::kFork:
    for (uint32_t i = 0; i < op.count; ++i) {
      SimTask &child = spawn(workload_.templates[static_cast<size_t>(op.ref)], true);
      child.last_cpu = t.cpu;
      waker_cpu_ = t.cpu;
      wake(child);
      waker_cpu_ = -1;
    }
    return false;
  }
  return false;
}

// ---- mutexes and conditions ----

bool Machine::lock(SimTask &t, int m) {
  Mutex &mx = mutexes_[m];
  if (mx.owner == t.id) {
    return true; // taken again by its holder: goes on (rt-app would hang)
  }
  if (mx.owner < 0) {
    mx.owner = t.id;
    t.held.push_back(m);
    return true;
  }
  settle(m);
  mx.waiters.push_back(t.id);
  return false;
}

void Machine::unlock(SimTask &t, int m) {
  const auto it = mutexes_.find(m);
  if (it == mutexes_.end() || it->second.owner != t.id) {
    return; // not its own: nothing to release
  }
  settle(m);
  Mutex &mx = it->second;
  t.held.erase(std::find(t.held.begin(), t.held.end(), m));
  if (mx.waiters.empty()) {
    mx.owner = -1;
    return;
  }
  // Handed to the first waiter, which wakes holding it.
  SimTask &next = tasks_[static_cast<size_t>(mx.waiters.front())];
  mx.waiters.pop_front();
  mx.owner = next.id;
  next.held.push_back(m);
  const int waker = waker_cpu_;
  waker_cpu_ = t.cpu;
  wake(next);
  waker_cpu_ = waker;
}

void Machine::cond_wait(SimTask &t, int cond, int relock) {
  if (relock >= 0) {
    unlock(t, relock);
  }
  t.relock = relock;
  conditions_[cond].waiters.push_back(t.id);
}

void Machine::cond_wake(int cond, bool all) {
  std::vector<int> &waiters = conditions_[cond].waiters;
  while (!waiters.empty()) {
    SimTask &w = tasks_[static_cast<size_t>(waiters.front())];
    waiters.erase(waiters.begin());
    const int m = w.relock;
    w.relock = -1;
    if (m < 0 || lock(w, m)) {
      wake(w);
    }
    if (!all) {
      break;
    }
  }
}

void Machine::settle(int m) {
  Mutex &mx = mutexes_[m];
  const uint64_t d = now_ - mx.since;
  mx.since = now_;
  if (d == 0 || mx.waiters.empty() || mx.owner < 0) {
    return;
  }
  const SimTask &holder = tasks_[static_cast<size_t>(mx.owner)];
  const bool preempted = holder.state == TaskState::kRunnable;
  for (int id : mx.waiters) {
    SimTask &w = tasks_[static_cast<size_t>(id)];
    w.lock_wait_ns += d;
    if (preempted && outranks(w, holder)) {
      w.inversion_ns += d;
    }
  }
}

void Machine::settle_held(const SimTask &t) {
  for (int m : t.held) {
    settle(m);
  }
}

// ---- results ----

void Machine::record_slice(int cpu, uint64_t start, const std::string &cls) {
  if (start < settings_.timeline_ns && now_ > start) {
    timeline_.push_back(TimelineSlice{.cpu = cpu,
                                      .start_ns = start,
                                      .end_ns = std::min(now_, settings_.timeline_ns),
                                      .cls = cls});
  }
}

std::vector<TaskTotals> Machine::task_totals() const {
  std::vector<TaskTotals> out;
  for (const SimTask &t : tasks_) {
    out.push_back(TaskTotals{.cls = t.cls(),
                             .weight = t.weight,
                             .whole_run = !t.forked && t.state != TaskState::kDead &&
                                          t.tmpl->start_delay_ns == 0,
                             .cpu_ns = t.cpu_ns,
                             .activations = t.activations,
                             .deadline_misses = t.deadline_misses,
                             .context_switches = t.switches,
                             .migrations = t.migrations,
                             .lock_wait_ns = t.lock_wait_ns,
                             .inversion_ns = t.inversion_ns});
  }
  return out;
}

uint64_t Machine::busy_ns() const {
  uint64_t n = 0;
  for (const CpuState &c : cpus_) {
    n += c.busy_ns;
  }
  return n;
}

uint64_t Machine::overhead_ns() const {
  uint64_t n = 0;
  for (const CpuState &c : cpus_) {
    n += c.overhead_ns;
  }
  return n;
}

} // namespace scxx::sim
