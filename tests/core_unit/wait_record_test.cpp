#include "core/wait_record.h"

#include <gtest/gtest.h>

#include <cstring>

namespace scxx {
namespace {

TEST(WaitRecord, EmptyRecordSaysNone) {
  EXPECT_EQ(describe_wait(scxx_wait_record{}), "none");
}

TEST(WaitRecord, NamesEveryPlace) {
  EXPECT_EQ(wait_place_name(SCXX_SHARED_DSQ), "shared DSQ");
  EXPECT_EQ(wait_place_name(SCXX_AGENT_DSQ), "agent DSQ");
  EXPECT_EQ(wait_place_name(3), "DSQ of cpu 3");
  EXPECT_EQ(wait_place_name(SCXX_WAIT_LOCAL_FLAG | 1), "local DSQ of cpu 1");
  EXPECT_EQ(wait_place_name(SCXX_WAIT_IN_AGENT), "agent (no decision carried out yet)");
}

TEST(WaitRecord, DescribesTaskPlaceAndCpus) {
  scxx_wait_record r{};
  r.pid = 2298;
  r.wait_cpu = 1;
  r.run_cpu = 0;
  r.woke = 1;
  r.dsq = SCXX_SHARED_DSQ;
  r.wait_ns = 7248000000ULL;
  r.key = 5;
  r.clock = 6;
  r.dsq_depth = 40;
  std::memcpy(r.comm, "hackbench", 9);
  EXPECT_EQ(describe_wait(r), "hackbench[2298] waited 7248 ms in the shared DSQ (depth 40, key 5, "
                              "clock 6), runnable on cpu 1 after a wake-up, then ran on cpu 0");
  r.run_cpu = -1;
  r.woke = 0;
  EXPECT_NE(describe_wait(r).find("after its slice, still waiting when seen"), std::string::npos);
}

} // namespace
} // namespace scxx
