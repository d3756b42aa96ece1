// Conversions between the wire structs of bpf/intf.h and the policy's plain
// types, with compile-time checks that both sides agree on the layout.
#pragma once

#include "agent/agent_loop.h"
#include "intf.h"
#include "policy/policy_util.h"
#include "policy/task.h"

#include <algorithm>
#include <cstddef>

namespace scxx {

static_assert(sizeof(scxx_queued_task) == 104, "queued-task message layout changed");
static_assert(sizeof(scxx_dispatched_task) == 40, "dispatched-task message layout changed");
static_assert(offsetof(scxx_queued_task, comm) == 72);
static_assert(offsetof(scxx_dispatched_task, enq_cnt) == 32);
static_assert(sizeof(scxx_select_cpu_arg) == 16);
static_assert(sizeof(scxx_channel_test_arg) == 24);
static_assert(sizeof(scxx_queued_task) + 8 <= SCXX_QUEUED_RING_BYTES / SCXX_RING_ENTRIES,
              "queued ring cannot hold SCXX_RING_ENTRIES messages");
static_assert(sizeof(scxx_dispatched_task) + 8 <= SCXX_DISPATCHED_RING_BYTES / SCXX_RING_ENTRIES,
              "dispatched ring cannot hold SCXX_RING_ENTRIES messages");
static_assert(kAnyCpu == SCXX_CPU_ANY);
static_assert(kQueuedWakeup == SCXX_QF_WAKEUP && kQueuedExiting == SCXX_QF_EXITING);
static_assert(kDispatchPreempt == SCXX_DF_PREEMPT && kDispatchHead == SCXX_DF_HEAD);
static_assert(kPrioFairnessMax == SCXX_PRIO_CUT_MAX, "policies and BPF charge boosts alike");
static_assert(AgentLoop::kBatch == SCXX_DISPATCH_BATCH, "one step fills one ops.dispatch");

inline QueuedTask from_wire(const scxx_queued_task &m) {
  QueuedTask t;
  t.pid = m.pid;
  t.tgid = m.tgid;
  t.cpu = m.cpu;
  t.nr_cpus_allowed = m.nr_cpus_allowed;
  t.flags = m.flags;
  t.start_ts = m.start_ts;
  t.stop_ts = m.stop_ts;
  t.exec_runtime = m.exec_runtime;
  t.weight = m.weight;
  t.vtime = m.vtime;
  t.enq_cnt = m.enq_cnt;
  std::copy_n(m.comm, t.comm.size(), t.comm.begin());
  t.priority = m.priority;
  t.boost_slice_ns = m.boost_slice_ns;
  return t;
}

inline scxx_dispatched_task to_wire(const Decision &d) {
  scxx_dispatched_task m{};
  m.pid = d.pid;
  m.cpu = d.cpu;
  m.flags = d.flags;
  m.slice_ns = d.slice_ns;
  m.vtime = d.vtime;
  m.enq_cnt = d.enq_cnt;
  return m;
}

} // namespace scxx
