#include "core/exit_info.h"

#include <gtest/gtest.h>

#include <cstring>

namespace scxx {
namespace {

scxx_exit_info make_exit(int kind, int64_t code, const char *reason) {
  scxx_exit_info info{};
  info.valid = 1;
  info.kind = kind;
  info.exit_code = code;
  std::strncpy(info.reason, reason, sizeof(info.reason) - 1);
  return info;
}

TEST(ExitInfo, DescribesAnUnregistration) {
  const auto info = make_exit(64, 0, "unregistered from user space");
  EXPECT_EQ(describe_exit(info),
            "kind=unregistered(64) code=0 reason=\"unregistered from user space\" msg=\"\"");
  EXPECT_FALSE(exit_is_error(info));
  EXPECT_FALSE(exit_requests_restart(info));
}

TEST(ExitInfo, StallIsAnError) {
  const auto info = make_exit(1026, 0, "runnable task stall");
  EXPECT_TRUE(exit_is_error(info));
  EXPECT_EQ(exit_kind_name(info.kind), "runnable-task-stall");
}

TEST(ExitInfo, HotplugRestartIsRecognised) {
  // SCX_ECODE_ACT_RESTART | SCX_ECODE_RSN_HOTPLUG
  const auto info = make_exit(66, static_cast<int64_t>((1ULL << 48) | (1ULL << 32)), "hotplug");
  EXPECT_TRUE(exit_requests_restart(info));
}

TEST(ExitInfo, NothingRecordedYet) {
  const scxx_exit_info info{};
  EXPECT_EQ(describe_exit(info), "no exit recorded");
  EXPECT_FALSE(exit_is_error(info));
}

} // namespace
} // namespace scxx
