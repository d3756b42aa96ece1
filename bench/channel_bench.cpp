// Channel benchmark (not a test): tasks per second through
// kernel -> agent -> kernel on the host kernel's real BPF maps.
//
//   ring:  scxx's channel. The kernel side fills the "queued" ring buffer,
//          the agent reads it from shared memory and writes decisions into
//          the "dispatched" user ring buffer; one bpf() call per batch on
//          each side (the SYSCALL programs that stand in for enqueue and
//          dispatch).
//   queue: the same pipeline over two BPF queue maps, one bpf() call per
//          task to pop it and one per decision to push it.
//   wake-up: one message to an agent thread that sleeps on the ring (the
//          ring wake-up, --agent-wakeup ring) or spins on it, until that
//          thread has read it: the cost of one wake-up, not of a message.
//          The default yield wake-up needs sched_ext (BPF runs the parked
//          agent), so it is measured in the VM instead: agent_wake_us /
//          agent_wakes in every benchmark run (docs/PERFORMANCE.md).
//
// Run as root: build/bench/channel_bench
#include "core/bpf_scheduler.h"
#include "scxx_bench_queue.skel.h"

#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace {

using scxx::BpfScheduler;
using scxx::Decision;
using scxx::QueuedTask;

// Loading BPF programs needs root: otherwise the benchmark is skipped.
bool running_as_root(benchmark::State &state) {
  if (geteuid() != 0) {
    state.SkipWithError("needs root to load BPF programs");
    return false;
  }
  return true;
}

// The channel alone (no sched_ext): the SYSCALL programs stand in for the
// scheduler's enqueue and dispatch.
scxx::SchedulerOptions channel_only_options() {
  scxx::SchedulerOptions opts;
  opts.channel_only = true;
  return opts;
}

// state.range(1): 1 = the producer wakes the reader as the scheduler's
// enqueue does (an irq_work per batch when the reader has caught up), 0 =
// no notification, which is what the queue-map channel has.
void BM_RingChannel(benchmark::State &state) {
  if (!running_as_root(state)) {
    return;
  }
  BpfScheduler sched(channel_only_options());
  const auto batch = static_cast<uint32_t>(state.range(0));
  const bool wake = state.range(1) != 0;
  std::vector<QueuedTask> tasks(batch);
  int64_t moved = 0;
  for (auto _ : state) { // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
    if (sched.test_produce(batch, 1, wake) != batch) {
      state.SkipWithError("produce failed");
      return;
    }
    const size_t n = sched.dequeue(tasks);
    for (size_t i = 0; i < n; ++i) {
      Decision d;
      d.pid = tasks[i].pid;
      d.cpu = tasks[i].cpu;
      d.enq_cnt = tasks[i].enq_cnt;
      sched.dispatch(d);
    }
    sched.notify_complete(0, 0);
    moved += sched.test_drain(0);
  }
  if (moved != static_cast<int64_t>(state.iterations()) * batch) {
    state.SkipWithError("lost messages");
  }
  state.SetItemsProcessed(moved);
}

struct QueueSkelDeleter {
  void operator()(scxx_bench_queue *s) const { scxx_bench_queue__destroy(s); }
};

int64_t run_prog(int fd, scxx_channel_test_arg &arg) {
  LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &arg, .ctx_size_in = sizeof(arg));
  if (bpf_prog_test_run_opts(fd, &o) != 0) {
    return -1;
  }
  return static_cast<int64_t>(arg.result);
}

void BM_QueueMapChannel(benchmark::State &state) {
  if (!running_as_root(state)) {
    return;
  }
  std::unique_ptr<scxx_bench_queue, QueueSkelDeleter> skel(scxx_bench_queue__open_and_load());
  if (!skel) {
    state.SkipWithError("cannot load the queue-map channel");
    return;
  }
  const int produce_fd = bpf_program__fd(skel->progs.queue_produce);
  const int drain_fd = bpf_program__fd(skel->progs.queue_drain);
  const int qfd = bpf_map__fd(skel->maps.queued_q);
  const int dfd = bpf_map__fd(skel->maps.dispatched_q);
  const auto batch = static_cast<uint32_t>(state.range(0));
  int64_t moved = 0;
  for (auto _ : state) { // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
    scxx_channel_test_arg arg{batch, 1, 0, 0};
    if (run_prog(produce_fd, arg) != batch) {
      state.SkipWithError("produce failed");
      return;
    }
    scxx_queued_task m{};
    while (bpf_map_lookup_and_delete_elem(qfd, nullptr, &m) == 0) {
      scxx_dispatched_task d{};
      d.pid = m.pid;
      d.cpu = m.cpu;
      d.enq_cnt = m.enq_cnt;
      bpf_map_update_elem(dfd, nullptr, &d, 0);
    }
    scxx_channel_test_arg drain{0, 0, 0, 0};
    moved += run_prog(drain_fd, drain);
  }
  if (moved != static_cast<int64_t>(state.iterations()) * batch) {
    state.SkipWithError("lost messages");
  }
  state.SetItemsProcessed(moved);
}

// state.range(0): 1 = the reader sleeps on the ring between messages as
// the agent does with --agent-wakeup ring, 0 = it spins reading the ring.
void BM_RingWakeup(benchmark::State &state) {
  if (!running_as_root(state)) {
    return;
  }
  scxx::SchedulerOptions opts = channel_only_options();
  opts.agent_yield = false; // the ring wake-up: poll() on the ring's epoll fd
  BpfScheduler sched(opts);
  const bool sleeps = state.range(0) != 0;
  std::atomic<int64_t> read{0};
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    std::vector<QueuedTask> tasks(8);
    while (!stop.load(std::memory_order_relaxed)) {
      const size_t n = sched.dequeue(tasks);
      if (n != 0) {
        read.fetch_add(static_cast<int64_t>(n), std::memory_order_release);
      } else if (sleeps) {
        sched.wait_for_work(100);
      }
    }
  });
  int64_t sent = 0;
  for (auto _ : state) { // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark idiom
    if (sched.test_produce(1, 1, true) != 1) {
      state.SkipWithError("produce failed");
      break;
    }
    ++sent;
    while (read.load(std::memory_order_acquire) < sent) {
    }
  }
  stop.store(true);
  reader.join();
  state.SetItemsProcessed(sent);
}

BENCHMARK(BM_RingChannel)->ArgNames({"batch", "wakeup"})->ArgsProduct({{1, 8, 64, 512}, {1, 0}});
BENCHMARK(BM_QueueMapChannel)->ArgName("batch")->Arg(1)->Arg(8)->Arg(64)->Arg(512);
BENCHMARK(BM_RingWakeup)->ArgName("sleeps")->Arg(1)->Arg(0)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
