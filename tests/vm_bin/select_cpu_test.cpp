// vm tier: scxx_select_cpu run from user space while the scheduler is
// attached to a real sched_ext kernel and an agent loop serves it.
#include "agent/agent_loop.h"
#include "core/bpf_scheduler.h"
#include "core/sched_ext_sysfs.h"
#include "intf.h"
#include "policy/policy_factory.h"
#include "scxx_sched.skel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

namespace scxx {
namespace {

TEST(SelectCpuVm, PicksAnIdleCpuOrSaysNoneIsIdle) {
  if (!sched_ext_supported()) {
    GTEST_SKIP() << "needs a sched_ext kernel (run inside tools/vm/scxx-vm)";
  }
  SchedulerOptions opts;
  BpfScheduler sched(opts);
  PolicyContext context;
  auto policy = make_policy("fifo", context);
  AgentLoop loop(sched, *policy, context);
  std::atomic<bool> stop{false};
  sched.attach();
  std::thread agent([&] { loop.run(stop); });
  ASSERT_EQ(sched_ext_state().value_or(""), "enabled");
  ASSERT_EQ(sched_ext_ops_name(), "scxx");

  const long nr_cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int valid = 0;
  for (int i = 0; i < 50; ++i) {
    const int cpu = sched.select_cpu(getpid(), static_cast<int32_t>(i % nr_cpus));
    EXPECT_TRUE((cpu >= 0 && cpu < nr_cpus) || cpu == -EBUSY) << "returned " << cpu;
    valid += cpu >= 0 ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const SchedulerStats st = sched.stats();
  EXPECT_GT(valid, 0) << "a mostly idle machine never had an idle CPU; submitted="
                      << st.nr_dispatch_submitted << " consumed=" << st.nr_dispatch_consumed
                      << " idle_kicks=" << st.nr_idle_kicks << " user=" << st.nr_user_dispatches
                      << " kernel=" << st.nr_kernel_dispatches << " queued=" << st.nr_queued;
  EXPECT_EQ(sched.select_cpu(999999, 0), -ESRCH) << "unknown pid";

  stop = true;
  agent.join();
  sched.detach();
  EXPECT_EQ(sched.exit_info().kind, 64) << "unregistered cleanly";
  EXPECT_GT(sched.stats().nr_user_dispatches, 0U);
}

} // namespace
} // namespace scxx
