#include "sim/scxx_kernel.h"

#include "agent/agent_loop.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace scxx::sim {

ScxxKernel::ScxxKernel(Machine &machine, Policy &policy, PolicyContext &context)
    : m_(machine), policy_(policy), context_(context), ks_(machine.settings().kernel),
      fast_path_(ks_.fast_path == "on" || (ks_.fast_path == "policy" && policy.allows_fast_path())),
      costs_(machine.settings().costs), cpu_dsq_(static_cast<size_t>(machine.nr_cpus())),
      local_(static_cast<size_t>(machine.nr_cpus())),
      yield_(machine.settings().kernel.agent_wakeup == "yield") {}

ScxxKernel::TaskCtx &ScxxKernel::ctx(const SimTask &t) {
  if (static_cast<size_t>(t.id) >= ctx_.size()) {
    ctx_.resize(static_cast<size_t>(t.id) + 1);
  }
  return ctx_[static_cast<size_t>(t.id)];
}

// ---- the agent ----

void ScxxKernel::run(uint64_t /*end_ns*/) {
  agent_cpu_ = m_.agent_acquire(0); // the agent starts awake
  agent_last_cpu_ = std::max(agent_cpu_, 0);
  m_.at(m_.now() + ks_.heartbeat_ns, [this] { heartbeat(); });
  AgentLoop loop(*this, policy_, context_);
  const std::atomic<bool> stop{false};
  loop.run(stop);
  const AgentLoopCounters c = loop.counters();
  n_["agent steps"] = c.iterations;
  n_["agent sleeps"] = c.sleeps;
  n_["decisions sent"] = c.decisions_sent;
  n_["dispatch ring full"] = c.dispatch_full;
}

size_t ScxxKernel::dequeue(std::span<QueuedTask> out) {
  const size_t n = std::min(out.size(), queued_.size());
  for (size_t i = 0; i < n; ++i) {
    out[i] = queued_.front();
    queued_.pop_front();
  }
  step_tasks_ += n;
  return n;
}

bool ScxxKernel::dispatch(const Decision &decision) {
  if (dispatched_.size() + staged_.size() >= ks_.ring_entries) {
    return false;
  }
  staged_.push_back(decision);
  ++step_tasks_;
  return true;
}

void ScxxKernel::notify_complete(uint64_t nr_pending, uint64_t nr_overflow) {
  nr_pending_ = nr_pending;
  n_["policy overflow"] = nr_overflow;
  // The step's cost passes now; its decisions reach the ring at its end.
  const uint64_t cost = costs_.agent_step_ns + step_tasks_ * costs_.agent_per_task_ns;
  step_tasks_ = 0;
  m_.charge_agent(agent_cpu_, cost);
  m_.run_until(m_.now() + cost);
  dispatched_.insert(dispatched_.end(), staged_.begin(), staged_.end());
  staged_.clear();
  agent_last_run_ = m_.now();
}

bool ScxxKernel::wait_for_work(int timeout_ms) {
  if (!queued_.empty()) {
    return true; // the look at the ring after announcing sleep
  }
  if (yield_ && agent_cpu_ >= 0 && costs_.agent_park_ns != 0) {
    // Parking: the yield and the dispatch on the agent's CPU, which sends
    // out the step's decisions, before that CPU runs anything else.
    m_.charge_agent(agent_cpu_, costs_.agent_park_ns);
    m_.run_until(m_.now() + costs_.agent_park_ns);
    if (!queued_.empty()) {
      return true; // queued meanwhile: BPF runs the agent again at once
    }
  }
  agent_sleeping_ = true;
  agent_woken_ = false;
  wake_scheduled_ = false;
  const uint64_t gen = ++sleep_gen_;
  const int cpu = agent_cpu_;
  agent_cpu_ = -1;
  if (cpu < 0) {
    drain(-1); // the agent's own CPU goes through ops.dispatch
  }
  agent_prefer_ = -1;
  sync_cpu_ = -1;
  m_.agent_release(cpu);
  if (!yield_) {
    m_.at(m_.now() + static_cast<uint64_t>(timeout_ms) * kNsecPerMsec, [this, gen] {
      if (gen == sleep_gen_ && agent_sleeping_) {
        agent_woken_ = true;
      }
    });
  } // parked: no timeout, the heartbeat bounds the wait
  m_.run_until(m_.end(), [this] { return agent_woken_; });
  agent_sleeping_ = false;
  const bool by_work = !queued_.empty();
  if (exited()) {
    return false;
  }
  ++n_["agent wake-ups"];
  agent_cpu_ = m_.agent_acquire(agent_prefer_ >= 0 ? agent_prefer_ : agent_last_cpu_);
  // A CPU that slept leaves its idle loop first (not the agent's time).
  m_.run_until(m_.now() + m_.agent_idle_exit());
  if (yield_) {
    // Switched in from parked: one context switch, on the agent's clock.
    const uint64_t cost = costs_.context_switch_ns + costs_.scxx_switch_ns;
    m_.charge_agent(agent_cpu_, cost);
    m_.run_until(m_.now() + cost);
  }
  if (agent_cpu_ >= 0) {
    agent_last_cpu_ = agent_cpu_;
  }
  agent_last_run_ = m_.now();
  return by_work;
}

bool ScxxKernel::exited() const {
  return m_.now() >= m_.end();
}

void ScxxKernel::wake_agent(uint64_t at, bool heartbeat) {
  wake_scheduled_ = true;
  if (heartbeat) {
    ++n_["heartbeat wake-ups"];
  }
  const uint64_t gen = sleep_gen_;
  m_.at(at, [this, gen] {
    if (gen == sleep_gen_ && agent_sleeping_) {
      agent_woken_ = true;
    }
  });
}

void ScxxKernel::agent_work_queued() {
  wake_scheduled_ = true; // agent_needed
  needed_since_ = m_.now();
  const int waker = m_.waker_cpu();
  if (waker >= 0 && costs_.agent_on_cpu) {
    // A sync wake-up: the waker's CPU runs the agent when the waker sleeps
    // (its next ops.dispatch), or its tick ends the slice.
    sync_cpu_ = waker;
    ++n_["agent sync wake-ups"];
    return;
  }
  kick_for_agent();
}

void ScxxKernel::kick_for_agent() {
  if (!costs_.agent_on_cpu) {
    wake_agent(m_.now() + costs_.context_switch_ns, false);
    return;
  }
  // kick_cpu_for_agent: an idle CPU, else this one is preempted (for a
  // timer's wake-up: the agent's last CPU here). Its ops.dispatch runs the
  // parked agent (pick); no notification, one context switch.
  ++n_["agent kicked wake-ups"];
  for (int c = 0; c < m_.nr_cpus(); ++c) {
    if (m_.idle(c)) {
      m_.kick(c, false);
      return;
    }
  }
  // Every CPU busy: one is preempted for the agent, after the wake-up's
  // callbacks, the kick and the resched (CostModel::agent_kick_ns). That
  // is the kernel's work on the CPU it preempts, whose task makes no
  // progress meanwhile. A CPU that frees up meanwhile runs the agent
  // sooner; then this kick is moot.
  const uint64_t delay = m_.draw_delay(costs_.agent_kick_ns);
  if (delay == 0) {
    m_.kick(agent_last_cpu_, true);
    return;
  }
  if (agent_kick_pending_) {
    return;
  }
  agent_kick_pending_ = true;
  m_.stall(agent_last_cpu_, delay);
  m_.at(m_.now() + delay, [this] {
    agent_kick_pending_ = false;
    if (agent_needed_waiting()) {
      m_.kick(agent_last_cpu_, true);
    }
  });
}

bool ScxxKernel::agent_needed_waiting() const {
  return yield_ && agent_sleeping_ && wake_scheduled_ && !agent_woken_;
}

bool ScxxKernel::agent_has_work() const {
  return nr_pending_ != 0 || !dispatched_.empty() || !queued_.empty();
}

void ScxxKernel::heartbeat() {
  // The starvation guard: a task waiting in a DSQ past the bound moves to
  // the local DSQ of a CPU it may use, which is preempted.
  auto rescue = [&](std::vector<Entry> &dsq) {
    for (auto it = dsq.begin(); it != dsq.end();) {
      SimTask &t = m_.tasks()[static_cast<size_t>(it->task)];
      if (m_.now() - t.runnable_since <= ks_.starvation_ns) {
        ++it;
        continue;
      }
      int cpu = t.last_cpu >= 0 && t.may_run_on(t.last_cpu) ? t.last_cpu : -1;
      for (int c = 0; cpu < 0 && c < m_.nr_cpus(); ++c) {
        cpu = t.may_run_on(c) ? c : -1;
      }
      TaskCtx &c = ctx(t);
      c.where = Where::kLocal;
      local_[static_cast<size_t>(cpu)].push_back(*it);
      it = dsq.erase(it);
      m_.kick(cpu, true);
      ++n_["starved"];
    }
  };
  if (ks_.starvation_ns != 0) {
    rescue(shared_);
    for (auto &dsq : cpu_dsq_) {
      rescue(dsq);
    }
  }
  // A parked agent runs every heartbeat period whether or not work waits
  // (heartbeat_agent); a sleeping one is woken only for pending work.
  if (agent_sleeping_ && !wake_scheduled_ && (yield_ || agent_has_work()) &&
      m_.now() - agent_last_run_ > ks_.heartbeat_ns) {
    if (yield_) {
      ++n_["heartbeat wake-ups"];
      wake_scheduled_ = true;
      needed_since_ = m_.now();
      kick_for_agent();
    } else {
      wake_agent(m_.now() + costs_.agent_wakeup_ns, true);
    }
  }
  m_.at(m_.now() + ks_.heartbeat_ns, [this] { heartbeat(); });
}

// ---- ops.enqueue ----

void ScxxKernel::enqueue(SimTask &t, bool wakeup) {
  TaskCtx &c = ctx(t);
  if (wakeup && fast_path_ && !agent_has_work() && shared_.empty()) {
    // The fast path: a waking task that finds an idle CPU runs there at
    // once, while the agent holds nothing and the shared DSQ is empty.
    const int cpu = m_.pick_idle_cpu(t, t.last_cpu >= 0 ? t.last_cpu : 0);
    if (cpu >= 0) {
      local_[static_cast<size_t>(cpu)].push_back(
          Entry{t.id, 0, next_seq_++, ks_.slice_ns, m_.now()});
      c.where = Where::kLocal;
      m_.kick(cpu, false);
      ++n_["kernel dispatches"];
      return;
    }
  }
  ++t.enq_cnt;
  c.woke = wakeup;
  c.custody = false;
  if (queued_.size() >= ks_.ring_entries) {
    // The ring is full: the shared DSQ, among the current decisions.
    insert_vtime(shared_, Entry{t.id, last_user_key_, next_seq_++, ks_.slice_ns, m_.now()});
    c.where = Where::kShared;
    kick_for(t);
    ++n_["congested"];
    return;
  }
  QueuedTask q;
  q.pid = t.pid;
  q.tgid = t.pid;
  q.cpu = t.last_cpu >= 0
              ? t.last_cpu
              : static_cast<int32_t>(std::find(t.allowed.begin(), t.allowed.end(), true) -
                                     t.allowed.begin());
  q.nr_cpus_allowed = t.nr_allowed;
  q.flags = wakeup ? kQueuedWakeup : 0;
  q.start_ts = t.start_ts;
  q.stop_ts = t.stop_ts;
  q.exec_runtime = t.exec_runtime;
  q.weight = t.weight;
  q.vtime = t.dsq_vtime;
  q.enq_cnt = t.enq_cnt;
  std::strncpy(q.comm.data(), t.tmpl->name.c_str(), q.comm.size() - 1);
  queued_.push_back(q);
  c.where = Where::kAgent;
  c.custody = true;
  ++n_["queued"];
  if (agent_sleeping_ && !wake_scheduled_) {
    if (yield_) {
      agent_work_queued();
    } else {
      wake_agent(m_.now() + costs_.agent_wakeup_ns, false);
    }
  }
}

void ScxxKernel::exited(SimTask &t) {
  ctx(t) = TaskCtx{};
  if (queued_.size() < ks_.ring_entries) {
    QueuedTask q;
    q.pid = t.pid;
    q.tgid = t.pid;
    q.flags = kQueuedExiting;
    queued_.push_back(q); // no wake-up: not worth waking the agent for
  }
}

// ---- ops.dispatch ----

void ScxxKernel::insert_vtime(std::vector<Entry> &dsq, const Entry &e) {
  const auto pos = std::upper_bound(dsq.begin(), dsq.end(), e, [](const Entry &a, const Entry &b) {
    return a.key != b.key ? a.key < b.key : a.seq < b.seq;
  });
  dsq.insert(pos, e);
}

bool ScxxKernel::kick_for(const SimTask &t) {
  const int cpu = m_.any_idle_cpu(t);
  if (cpu < 0) {
    return false;
  }
  m_.kick(cpu, false);
  return true;
}

void ScxxKernel::preempt_if_earlier(const SimTask &t, uint64_t key) {
  const int cpu = t.last_cpu;
  if (cpu < 0 || !t.may_run_on(cpu)) {
    return;
  }
  const CpuState &c = m_.cpu(cpu);
  if (c.task >= 0 && c.key != 0 && key + ks_.slice_min_ns < c.key) {
    m_.kick(cpu, true);
    ++n_["wake-up preemptions"];
  }
}

void ScxxKernel::dispatch_task(const Decision &d, int this_cpu) {
  SimTask *t = m_.task_by_pid(d.pid);
  if (t == nullptr || t->state == TaskState::kDead || d.cpu < kAnyCpu) {
    ++n_["failed"];
    return;
  }
  TaskCtx &c = ctx(*t);
  if (t->enq_cnt != d.enq_cnt) {
    ++n_["cancelled"]; // queued again since: a newer message exists
    return;
  }
  if (!c.custody) {
    ++n_["dropped"]; // it ran meanwhile (the previous task went on)
    return;
  }
  int cpu = d.cpu;
  if (cpu != kAnyCpu && (cpu >= m_.nr_cpus() || !t->may_run_on(cpu))) {
    ++n_["bounced"];
    cpu = kAnyCpu;
  }
  const Entry e{t->id, d.vtime, next_seq_++, d.slice_ns != 0 ? d.slice_ns : ks_.slice_ns, m_.now()};
  c.custody = false;
  last_user_key_ = d.vtime;
  ++n_["user dispatches"];
  if ((d.flags & (kDispatchPreempt | kDispatchHead)) != 0) {
    // Local DSQs are FIFO: urgent decisions go there directly.
    if (cpu == kAnyCpu) {
      cpu = t->last_cpu >= 0 ? t->last_cpu : 0;
    }
    if (!t->may_run_on(cpu) && this_cpu >= 0) {
      cpu = this_cpu;
    }
    for (int i = 0; !t->may_run_on(cpu) && i < m_.nr_cpus(); ++i) {
      cpu = i;
    }
    local_[static_cast<size_t>(cpu)].push_front(e);
    c.where = Where::kLocal;
    if (cpu != this_cpu) {
      m_.kick(cpu, (d.flags & kDispatchPreempt) != 0);
    }
    return;
  }
  if (cpu == kAnyCpu) {
    insert_vtime(shared_, e);
    c.where = Where::kShared;
    if (!kick_for(*t) && c.woke) {
      preempt_if_earlier(*t, d.vtime);
    }
  } else {
    insert_vtime(cpu_dsq_[static_cast<size_t>(cpu)], e);
    c.where = Where::kCpuDsq;
    if (cpu != this_cpu) {
      m_.kick(cpu, false);
    }
  }
}

void ScxxKernel::drain(int this_cpu) {
  for (size_t i = 0; i < ks_.dispatch_batch && !dispatched_.empty(); ++i) {
    const Decision d = dispatched_.front();
    dispatched_.pop_front();
    dispatch_task(d, this_cpu);
  }
}

std::optional<Pick> ScxxKernel::take(std::vector<Entry> &dsq, int cpu, bool /*head_only*/) {
  for (auto it = dsq.begin(); it != dsq.end(); ++it) {
    SimTask &t = m_.tasks()[static_cast<size_t>(it->task)];
    if (!t.may_run_on(cpu)) {
      continue; // the first task in order that may run here
    }
    const Pick p{.task = it->task, .slice_ns = it->slice_ns, .key = it->key};
    ctx(t).where = Where::kNone;
    dsq.erase(it);
    return p;
  }
  return std::nullopt;
}

std::optional<Pick> ScxxKernel::consume_earliest(int cpu) {
  std::vector<Entry> &mine = cpu_dsq_[static_cast<size_t>(cpu)];
  const bool shared_first =
      !mine.empty() && !shared_.empty() && shared_.front().key < mine.front().key;
  if (shared_first) {
    if (auto p = take(shared_, cpu, true)) {
      return p;
    }
  }
  if (auto p = take(mine, cpu, true)) {
    return p;
  }
  return take(shared_, cpu, true);
}

std::optional<Pick> ScxxKernel::pick(int cpu, SimTask *prev) {
  if (agent_needed_waiting() && costs_.agent_on_cpu) {
    // run_parked_agent: this dispatch runs the needed agent here.
    agent_prefer_ = cpu;
    agent_woken_ = true;
    ++n_["agent run by dispatch"];
    return std::nullopt;
  }
  auto &local = local_[static_cast<size_t>(cpu)];
  auto pop_local = [&]() -> std::optional<Pick> {
    if (local.empty()) {
      return std::nullopt;
    }
    const Entry e = local.front();
    local.pop_front();
    ctx(m_.tasks()[static_cast<size_t>(e.task)]).where = Where::kNone;
    return Pick{.task = e.task, .slice_ns = e.slice_ns, .key = e.key};
  };
  if (auto p = pop_local()) {
    return p;
  }
  drain(cpu);
  if (auto p = pop_local()) {
    return p;
  }
  if (auto p = consume_earliest(cpu)) {
    return p;
  }
  // Nothing else: the previous task goes on for slice_min; its message to
  // the agent no longer stands (the kernel drops that decision).
  if (prev != nullptr && ctx(*prev).where == Where::kAgent) {
    ctx(*prev).where = Where::kNone;
    ctx(*prev).custody = false;
    ++n_["refills"];
    return Pick{.task = prev->id, .slice_ns = ks_.slice_min_ns, .key = 0};
  }
  return std::nullopt;
}

// ---- ops.tick ----

bool ScxxKernel::tick(int cpu, SimTask & /*task*/) {
  const CpuState &c = m_.cpu(cpu);
  const uint64_t ran = m_.now() - c.run_start;
  if (ks_.max_run_ns != 0 && ran > ks_.max_run_ns &&
      (!shared_.empty() || !cpu_dsq_[static_cast<size_t>(cpu)].empty() || agent_has_work())) {
    ++n_["watchdog preemptions"];
    return true;
  }
  if (ran >= c.slice_ns) {
    return true; // the slice ran out (sched_ext checks at the tick)
  }
  if (!dispatched_.empty()) {
    ++n_["tick drains"];
    return true;
  }
  if (agent_needed_waiting() && cpu == sync_cpu_ && m_.now() - needed_since_ > ks_.slice_min_ns) {
    ++n_["agent tick preemptions"];
    return true; // the sync waker ran on and nobody ran the agent
  }
  return m_.now() - agent_last_run_ > ks_.slice_ns && !queued_.empty();
}

std::map<std::string, uint64_t> ScxxKernel::counters() const {
  return n_;
}

} // namespace scxx::sim
