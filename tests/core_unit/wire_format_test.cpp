#include "core/wire_format.h"

#include <gtest/gtest.h>

#include <cstring>

namespace scxx {
namespace {

TEST(WireFormat, QueuedMessageMapsEveryField) {
  scxx_queued_task m{};
  m.pid = 10;
  m.tgid = 9;
  m.cpu = 3;
  m.nr_cpus_allowed = 4;
  m.flags = SCXX_QF_WAKEUP;
  m.start_ts = 100;
  m.stop_ts = 250;
  m.exec_runtime = 150;
  m.weight = 300;
  m.vtime = 77;
  m.enq_cnt = 5;
  std::strcpy(m.comm, "worker");
  const QueuedTask t = from_wire(m);
  EXPECT_EQ(t.pid, 10);
  EXPECT_EQ(t.tgid, 9);
  EXPECT_EQ(t.cpu, 3);
  EXPECT_EQ(t.nr_cpus_allowed, 4U);
  EXPECT_EQ(t.flags, kQueuedWakeup);
  EXPECT_EQ(t.start_ts, 100U);
  EXPECT_EQ(t.stop_ts, 250U);
  EXPECT_EQ(t.exec_runtime, 150U);
  EXPECT_EQ(t.weight, 300U);
  EXPECT_EQ(t.vtime, 77U);
  EXPECT_EQ(t.enq_cnt, 5U);
  EXPECT_EQ(t.comm_view(), "worker");
}

TEST(WireFormat, FullLengthCommIsNotOverrun) {
  scxx_queued_task m{};
  std::memset(m.comm, 'x', sizeof(m.comm)); // no NUL at all
  EXPECT_EQ(from_wire(m).comm_view().size(), 16U);
}

TEST(WireFormat, DecisionMapsEveryField) {
  Decision d;
  d.pid = 42;
  d.cpu = kAnyCpu;
  d.slice_ns = 5000;
  d.vtime = 9;
  d.enq_cnt = 2;
  d.flags = kDispatchPreempt;
  const scxx_dispatched_task m = to_wire(d);
  EXPECT_EQ(m.pid, 42);
  EXPECT_EQ(m.cpu, SCXX_CPU_ANY);
  EXPECT_EQ(m.slice_ns, 5000U);
  EXPECT_EQ(m.vtime, 9U);
  EXPECT_EQ(m.enq_cnt, 2U);
  EXPECT_EQ(m.flags, static_cast<uint64_t>(SCXX_DF_PREEMPT));
}

} // namespace
} // namespace scxx
