// The fixture of the host-bpf tests: scxx's BPF object loaded channel-only
// (maps and SYSCALL programs, no sched_ext needed); skipped without root.
#pragma once

#include "core/bpf_scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

namespace scxx {

class ChannelOnlyTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "host-bpf tests need root (CAP_BPF) to load BPF programs";
    }
    SchedulerOptions opts;
    opts.channel_only = true;
    sched_ = std::make_unique<BpfScheduler>(opts);
  }
  std::unique_ptr<BpfScheduler> sched_;
};

} // namespace scxx
