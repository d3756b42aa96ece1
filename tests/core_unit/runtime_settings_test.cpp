// RuntimeSettings checked and merged as a whole, with the settings table's
// ranges and the rules between settings.
#include "control/runtime_settings.h"

#include <gtest/gtest.h>

namespace scxx {
namespace {

TEST(RuntimeSettings, AppliesEveryFieldWhenAllAreValid) {
  Settings s;
  RuntimeSettings next = runtime_settings_of(s);
  next.policy = "fifo";
  next.slice_us = 5000;
  next.slice_min_us = 500;
  next.fast_path = "off";
  next.max_run_ms = 100;
  next.agent_timeout_ms = 300;
  next.starvation_ms = 200;
  next.stall_ms = 900;
  EXPECT_EQ(merge_runtime_settings(next, s), std::nullopt);
  EXPECT_EQ(runtime_settings_of(s), next);
}

TEST(RuntimeSettings, OutOfRangeNamesTheKeyAndChangesNothing) {
  Settings s;
  const Settings before = s;
  RuntimeSettings next = runtime_settings_of(s);
  next.policy = "fifo";
  next.slice_us = 50;
  EXPECT_EQ(merge_runtime_settings(next, s),
            "scheduler.slice_us: 50 is out of range [100, 1000000]");
  EXPECT_EQ(runtime_settings_of(s), runtime_settings_of(before));
  next = runtime_settings_of(s);
  next.agent_timeout_ms = 3001;
  EXPECT_EQ(merge_runtime_settings(next, s),
            "scheduler.agent_timeout_ms: 3001 is out of range [0, 3000]");
}

TEST(RuntimeSettings, UnknownChoicesAndCrossRulesAreRefused) {
  Settings s;
  RuntimeSettings next = runtime_settings_of(s);
  next.fast_path = "sometimes";
  EXPECT_EQ(merge_runtime_settings(next, s),
            "scheduler.fast_path: \"sometimes\" is not one of policy, on, off");
  next = runtime_settings_of(s);
  next.policy = "nope";
  ASSERT_TRUE(merge_runtime_settings(next, s).has_value());
  EXPECT_TRUE(merge_runtime_settings(next, s)->starts_with("scheduler.policy: \"nope\""));
  next = runtime_settings_of(s);
  next.slice_us = 1000;
  next.slice_min_us = 2000;
  EXPECT_EQ(merge_runtime_settings(next, s),
            "scheduler.slice_min_us: 2000 must not exceed scheduler.slice_us (1000)");
}

TEST(RuntimeSettings, OnlyPolicyAndSlicesNeedANewPolicy) {
  const RuntimeSettings now = runtime_settings_of(Settings{});
  RuntimeSettings next = now;
  next.stall_ms = 2000;
  next.fast_path = "off";
  EXPECT_FALSE(needs_new_policy(now, next));
  next.slice_us = 10000;
  EXPECT_TRUE(needs_new_policy(now, next));
  next = now;
  next.policy = "vtime";
  EXPECT_TRUE(needs_new_policy(now, next));
}

} // namespace
} // namespace scxx
