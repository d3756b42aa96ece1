#include "sim/trace_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

namespace scxx::sim {

namespace {

constexpr uint64_t kMinReplayNs = 100'000'000; // 100 ms

// One line of `perf script`: "COMM TID [CPU] SECONDS: EVENT: FIELDS".
struct TraceLine {
  std::string comm;
  int32_t tid = 0;
  int cpu = 0;
  uint64_t ts = 0;
  std::string event; // without the "sched:" prefix
  std::map<std::string, std::string, std::less<>> fields;
};

class LineError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int64_t to_int(std::string_view s, const std::string &what) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw LineError(what + " '" + std::string(s) + "' is not a number");
  }
  return v;
}

// "12345.678901" seconds -> ns, exactly (no floating point).
uint64_t to_ns(std::string_view s) {
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac)) ||
      frac.size() > 9) {
    throw LineError("time '" + std::string(s) + "' is not SECONDS.FRACTION");
  }
  uint64_t ns = static_cast<uint64_t>(to_int(whole, "time")) * 1'000'000'000ULL;
  uint64_t f = frac.empty() ? 0 : static_cast<uint64_t>(to_int(frac, "time"));
  for (size_t i = frac.size(); i < 9; ++i) {
    f *= 10;
  }
  return ns + f;
}

// key=value pairs; a value runs to the next " key=" (command names may hold
// spaces). "==>" separates sched_switch's two halves.
void parse_fields(std::string_view rest, TraceLine &out) {
  std::string key, value;
  auto finish = [&] {
    if (!key.empty()) {
      out.fields[key] = std::string(trim(value));
    }
    key.clear();
    value.clear();
  };
  std::istringstream in{std::string(rest)};
  std::string tok;
  while (in >> tok) {
    const size_t eq = tok.find('=');
    const bool is_key = eq != std::string::npos && eq > 0 &&
                        std::all_of(tok.begin(), tok.begin() + static_cast<long>(eq), [](char c) {
                          return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9');
                        });
    if (is_key) {
      finish();
      key = tok.substr(0, eq);
      value = tok.substr(eq + 1);
    } else if (tok == "==>") {
      finish();
    } else if (!key.empty()) {
      value.append(" ").append(tok);
    }
  }
  finish();
}

TraceLine parse_line(std::string_view line) {
  // The CPU field "[NNN]" anchors the header: the command before it may hold spaces.
  size_t open = std::string_view::npos;
  for (size_t pos = line.find('['); pos != std::string_view::npos; pos = line.find('[', pos + 1)) {
    const size_t close = line.find(']', pos);
    if (close != std::string_view::npos && all_digits(line.substr(pos + 1, close - pos - 1))) {
      open = pos;
      break;
    }
  }
  if (open == std::string_view::npos) {
    throw LineError("not a perf script line: expected 'COMM TID [CPU] SECONDS: EVENT: FIELDS'");
  }
  TraceLine out;
  const std::string_view head = trim(line.substr(0, open));
  const size_t sp = head.find_last_of(" \t");
  const std::string_view tid = sp == std::string_view::npos ? head : head.substr(sp + 1);
  if (tid == "-1") {
    // perf could not tell the thread (it had exited when perf read it):
    // the event's own fields still name every task it is about.
  } else if (!all_digits(tid)) {
    throw LineError("no thread id before the CPU field (expected 'COMM TID [CPU]'; trace-cmd's "
                    "'COMM-PID [CPU]' form is not read)");
  }
  out.tid = static_cast<int32_t>(to_int(tid, "thread id")); // -1: unknown
  out.comm = std::string(trim(head.substr(0, head.size() - tid.size())));
  const size_t close = line.find(']', open);
  out.cpu = static_cast<int>(to_int(line.substr(open + 1, close - open - 1), "CPU"));
  std::string_view rest = trim(line.substr(close + 1));
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    throw LineError("no 'SECONDS:' after the CPU field");
  }
  out.ts = to_ns(rest.substr(0, colon));
  rest = trim(rest.substr(colon + 1));
  const size_t ev_end = rest.find(": ");
  std::string_view event = rest.substr(0, ev_end);
  if (event.ends_with(':')) {
    event.remove_suffix(1);
  }
  if (event.empty()) {
    throw LineError("no event name after the time");
  }
  if (const size_t c = event.rfind(':'); c != std::string_view::npos) {
    event = event.substr(c + 1);
  }
  out.event = std::string(event);
  if (ev_end != std::string_view::npos) {
    parse_fields(rest.substr(ev_end + 2), out);
  }
  return out;
}

const std::string &field(const TraceLine &l, std::string_view key) {
  const auto it = l.fields.find(key);
  if (it == l.fields.end()) {
    throw LineError(l.event + " without " + std::string(key) + "=");
  }
  return it->second;
}

int32_t pid_field(const TraceLine &l, std::string_view key) {
  const int64_t v = to_int(field(l, key), std::string(key));
  if (v < 0) {
    throw LineError(std::string(key) + " is negative");
  }
  return static_cast<int32_t>(v);
}

int prio_field(const TraceLine &l, std::string_view key) {
  const auto it = l.fields.find(key);
  return it == l.fields.end() ? 120 : static_cast<int>(to_int(it->second, std::string(key)));
}

enum class TaskState { kUnseen, kRunning, kRunnable, kSleeping, kDead };

struct TracedTask {
  int32_t pid = 0;
  std::string comm;
  int prio = 120;
  TaskState state = TaskState::kUnseen;
  bool started = false, forked = false, exiting = false;
  uint64_t start_ns = 0;
  std::vector<Op> ops; // refs: task index (fork, suspend, resume) until finished
  uint64_t run_from = 0, run_acc = 0;
  uint64_t sleep_from = 0;
  int run_cpu = 0;
  uint64_t run_seq = 0, run_start = 0;
  std::vector<RecordedRun> runs;
  uint64_t cpu_ns = 0;
};

class TraceBuilder {
public:
  void line(const TraceLine &l) {
    if (!first_) {
      first_ = l.ts;
    }
    last_ = std::max(last_, l.ts);
    max_cpu_ = std::max(max_cpu_, l.cpu);
    note_current(l);
    if (l.event == "sched_switch") {
      on_switch(l);
    } else if (l.event == "sched_waking" || l.event == "sched_wakeup" ||
               l.event == "sched_wakeup_new") {
      on_wake(l);
    } else if (l.event == "sched_process_fork") {
      on_fork(l);
    } else if (l.event == "sched_process_exit") {
      if (TracedTask *t = find(pid_field(l, "pid"))) {
        t->exiting = true;
      }
    }
  }

  Workload finish(const std::string &source) {
    if (switches_ == 0) {
      throw WorkloadError(source + ": no sched_switch events (record with `perf sched record`, "
                                   "read with `perf script`)");
    }
    for (TracedTask &t : tasks_) {
      if (t.state == TaskState::kRunning) {
        end_run(t, last_, false);
      } else if (t.run_acc > 0) {
        // Preempted and still waiting when the trace ended.
        t.ops.push_back(Op{.kind = OpKind::kRun, .ns = t.run_acc});
        t.run_acc = 0;
      }
    }
    Workload w;
    w.source = source;
    std::vector<int> tmpl_of(tasks_.size(), -1);
    std::set<std::string> names;
    for (size_t i = 0; i < tasks_.size(); ++i) {
      if (tasks_[i].started) {
        tmpl_of[i] = static_cast<int>(w.templates.size());
        w.templates.emplace_back();
      }
    }
    for (size_t i = 0; i < tasks_.size(); ++i) {
      TracedTask &t = tasks_[i];
      if (tmpl_of[i] < 0) {
        continue;
      }
      TaskTemplate &tmpl = w.templates[static_cast<size_t>(tmpl_of[i])];
      std::string name = t.comm + "-" + std::to_string(t.pid);
      for (int n = 2; names.count(name) != 0; ++n) {
        name = t.comm + "-" + std::to_string(t.pid) + "#" + std::to_string(n);
      }
      names.insert(name);
      tmpl.name = name;
      tmpl.cls = t.comm;
      tmpl.loop = 1;
      tmpl.at_start = !t.forked;
      tmpl.start_delay_ns = t.forked ? 0 : t.start_ns - *first_;
      if (t.prio < 100) {
        tmpl.policy = SchedPolicy::kFifo;
        tmpl.rt_priority = std::clamp(99 - t.prio, 1, 99);
      } else {
        tmpl.nice = std::clamp(t.prio - 120, -20, 19);
      }
      for (Op &op : t.ops) {
        if (op.kind == OpKind::kFork) {
          op.ref = tmpl_of[static_cast<size_t>(op.ref)];
        } else if (op.kind == OpKind::kSuspend || op.kind == OpKind::kResume) {
          const TracedTask &target = tasks_[static_cast<size_t>(op.ref)];
          op.ref = w.resource("woken " + name_of(target, static_cast<size_t>(op.ref)),
                              ResourceKind::kCondition);
        }
      }
      if (t.ops.empty()) {
        t.ops.push_back(Op{.kind = OpKind::kRun, .ns = 0});
      }
      tmpl.phases.push_back(Phase{.ops = std::move(t.ops), .loop = 1});
      tmpl.recorded = std::move(t.runs);
      tmpl.recorded_cpu_ns = t.cpu_ns;
    }
    const uint64_t span = last_ - *first_;
    w.duration_ns = std::max(2 * span, kMinReplayNs);
    w.recorded_cpus = max_cpu_ + 1;
    return w;
  }

private:
  static std::string name_of(const TracedTask &t, size_t index) {
    return t.comm + "-" + std::to_string(t.pid) + "@" + std::to_string(index);
  }

  TracedTask *find(int32_t pid) {
    const auto it = by_pid_.find(pid);
    return it == by_pid_.end() ? nullptr : &tasks_[it->second];
  }

  TracedTask &get(int32_t pid, const std::string &comm, int prio) {
    TracedTask *t = find(pid);
    if (t == nullptr || t->state == TaskState::kDead) {
      by_pid_[pid] = tasks_.size();
      t = &tasks_.emplace_back();
      t->pid = pid;
      t->comm = comm;
      t->prio = prio;
    } else {
      t->comm = comm; // the latest name (after an exec)
    }
    return *t;
  }

  size_t index_of(const TracedTask &t) const { return static_cast<size_t>(&t - tasks_.data()); }

  void begin_run(TracedTask &t, int cpu, uint64_t ts) {
    if (!t.started) {
      t.started = true;
      t.start_ns = ts;
    }
    t.state = TaskState::kRunning;
    t.run_cpu = cpu;
    t.run_seq = seq_++;
    t.run_start = ts;
    t.run_from = ts;
  }

  // The burst so far becomes a run op (before a sleep, a fork or a wake-up).
  static void flush_run(TracedTask &t, uint64_t ts) {
    t.run_acc += ts - t.run_from;
    t.run_from = ts;
    if (t.run_acc > 0) {
      t.ops.push_back(Op{.kind = OpKind::kRun, .ns = t.run_acc});
    }
    t.run_acc = 0;
  }

  void end_run(TracedTask &t, uint64_t ts, bool preempted) {
    const uint64_t ran = ts - t.run_start;
    t.cpu_ns += ran;
    t.runs.push_back(
        RecordedRun{.cpu = t.run_cpu, .seq = t.run_seq, .ns = ran, .preempted = preempted});
    if (preempted) {
      t.run_acc += ts - t.run_from; // the burst goes on when it runs again
      t.run_from = ts;
    } else {
      flush_run(t, ts);
    }
  }

  // The first event of a CPU: the task it names has run there since the
  // trace began.
  void note_current(const TraceLine &l) {
    if (!seen_cpus_.insert(l.cpu).second || l.tid <= 0) {
      return;
    }
    TracedTask &t = get(l.tid, l.event == "sched_switch" ? field(l, "prev_comm") : l.comm,
                        l.event == "sched_switch" ? prio_field(l, "prev_prio") : 120);
    // Seen before only as woken (a wake-up event that found it running).
    if (t.state == TaskState::kUnseen || t.state == TaskState::kRunnable) {
      begin_run(t, l.cpu, *first_);
    }
  }

  void on_switch(const TraceLine &l) {
    ++switches_;
    const int32_t prev_pid = pid_field(l, "prev_pid");
    const int32_t next_pid = pid_field(l, "next_pid");
    const std::string &state = field(l, "prev_state");
    TracedTask *stale = prev_pid == 0 ? nullptr : find(prev_pid);
    if (stale != nullptr && stale->state == TaskState::kRunning && stale->run_cpu != l.cpu) {
      // It already runs on another CPU: that switch-in came first in the
      // trace though it happened later (the CPUs' clocks differ a little).
      // Its run here was closed then.
    } else if (prev_pid != 0) {
      TracedTask &t = get(prev_pid, field(l, "prev_comm"), prio_field(l, "prev_prio"));
      const bool runnable = state.starts_with('R') && !t.exiting;
      const bool exits = t.exiting || state.find_first_of("XZ") != std::string::npos;
      if (t.state == TaskState::kRunning) {
        end_run(t, l.ts, runnable);
      }
      t.state = runnable ? TaskState::kRunnable : (exits ? TaskState::kDead : TaskState::kSleeping);
      t.sleep_from = l.ts;
      if (exits) {
        by_pid_.erase(prev_pid);
      }
    }
    if (next_pid != 0) {
      TracedTask &t = get(next_pid, field(l, "next_comm"), prio_field(l, "next_prio"));
      if (t.state == TaskState::kSleeping && t.started) {
        add_sleep(t, l.ts); // its wake-up is not in the trace
      }
      if (t.state == TaskState::kRunning) {
        end_run(t, l.ts, true); // its switch-out elsewhere comes later in the trace
      }
      begin_run(t, l.cpu, l.ts);
    }
  }

  static void add_sleep(TracedTask &t, uint64_t ts) {
    if (ts > t.sleep_from) {
      t.ops.push_back(Op{.kind = OpKind::kSleep, .ns = ts - t.sleep_from});
    }
  }

  void on_wake(const TraceLine &l) {
    const int32_t pid = pid_field(l, "pid");
    if (pid == 0) {
      return;
    }
    TracedTask &t = get(pid, field(l, "comm"), prio_field(l, "prio"));
    if (t.state == TaskState::kUnseen || (t.state == TaskState::kSleeping && !t.started)) {
      t.started = true; // first seen asleep: starts at this wake-up
      t.start_ns = l.ts;
      t.state = TaskState::kRunnable;
      return;
    }
    if (t.state != TaskState::kSleeping) {
      return; // already awake: a second wake-up event, or one before it slept
    }
    TracedTask *waker = l.tid <= 0 ? nullptr : find(l.tid);
    if (waker != nullptr && waker != &t && waker->state == TaskState::kRunning) {
      flush_run(*waker, l.ts);
      waker->ops.push_back(Op{.kind = OpKind::kResume, .ref = static_cast<int>(index_of(t))});
      t.ops.push_back(Op{.kind = OpKind::kSuspend, .ref = static_cast<int>(index_of(t))});
    } else {
      add_sleep(t, l.ts);
    }
    t.state = TaskState::kRunnable;
  }

  void on_fork(const TraceLine &l) {
    const int32_t parent_pid = pid_field(l, "pid");
    const int32_t child_pid = pid_field(l, "child_pid");
    if (TracedTask *old = find(child_pid); old != nullptr && old->state != TaskState::kDead) {
      old->state = TaskState::kDead; // its exit was not in the trace
    }
    const size_t parent_index = find(parent_pid) != nullptr ? index_of(*find(parent_pid)) : ~0UL;
    TracedTask &child = get(child_pid, field(l, "child_comm"), 120);
    child.prio = parent_index != ~0UL ? tasks_[parent_index].prio : 120;
    child.started = true;
    child.start_ns = l.ts;
    child.state = TaskState::kRunnable;
    if (parent_index != ~0UL && tasks_[parent_index].state == TaskState::kRunning) {
      TracedTask &parent = tasks_[parent_index];
      flush_run(parent, l.ts);
      parent.ops.push_back(
          Op{.kind = OpKind::kFork, .ref = static_cast<int>(index_of(child)), .count = 1});
      child.forked = true;
    }
  }

  std::vector<TracedTask> tasks_;
  std::map<int32_t, size_t> by_pid_;
  std::set<int> seen_cpus_;
  std::optional<uint64_t> first_;
  uint64_t last_ = 0, seq_ = 0, switches_ = 0;
  int max_cpu_ = 0;
};

} // namespace

Workload parse_perf_sched_trace(const std::string &text, const std::string &source) {
  TraceBuilder builder;
  std::istringstream in(text);
  std::string raw;
  uint64_t prev_ts = 0;
  for (size_t lineno = 1; std::getline(in, raw); ++lineno) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    try {
      const TraceLine l = parse_line(line);
      if (l.ts < prev_ts) {
        throw LineError("time goes backwards (" + std::to_string(l.ts) + " ns after " +
                        std::to_string(prev_ts) + " ns; perf script prints events in order)");
      }
      prev_ts = l.ts;
      if (l.cpu > 4095) {
        throw LineError("CPU " + std::to_string(l.cpu) + " is beyond 4095");
      }
      builder.line(l);
    } catch (const LineError &e) {
      throw WorkloadError(source + ":" + std::to_string(lineno) + ": " + e.what());
    }
  }
  return builder.finish(source);
}

} // namespace scxx::sim
