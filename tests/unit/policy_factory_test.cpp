#include "policy/policy_factory.h"

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

namespace scxx {
namespace {

TEST(PolicyFactory, BuildsEveryListedPolicy) {
  ASSERT_EQ(policy_names().size(), 3U);
  for (std::string_view name : policy_names()) {
    const std::unique_ptr<Policy> policy = make_policy(name, PolicyConfig{});
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(policy->name(), name);
    EXPECT_EQ(policy->nr_queued(), 0U);
  }
}

TEST(PolicyFactory, UnknownNameListsTheKnownOnes) {
  try {
    make_policy("lottery", PolicyConfig{});
    FAIL() << "no exception";
  } catch (const std::invalid_argument &e) {
    EXPECT_EQ(std::string(e.what()), "unknown policy 'lottery' (known: fifo, vtime, gthulhu)");
  }
}

TEST(PolicyFactory, RejectsUnusableSlices) {
  EXPECT_THROW(make_policy("fifo", PolicyConfig{.slice_ns = 0, .slice_min_ns = 0}),
               std::invalid_argument);
  EXPECT_THROW(make_policy("vtime", PolicyConfig{.slice_ns = 1000, .slice_min_ns = 2000}),
               std::invalid_argument);
}

} // namespace
} // namespace scxx
