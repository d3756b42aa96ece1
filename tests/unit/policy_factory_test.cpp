#include "policy/policy_factory.h"
#include "policy/policy_registry.h"

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

namespace scxx {
namespace {

TEST(PolicyFactory, BuildsEveryRegisteredPolicy) {
  // Each built-in policy registers itself from its own file; none is listed
  // anywhere else.
  EXPECT_EQ(policy_names(), (std::vector<std::string>{"fifo", "gthulhu", "vtime"}));
  EXPECT_TRUE(registry_problems().empty());
  for (const std::string &name : policy_names()) {
    PolicyContext context;
    const std::unique_ptr<Policy> policy = make_policy(name, context);
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(policy->name(), name);
    EXPECT_EQ(policy->nr_queued(), 0U);
    EXPECT_FALSE(find_policy(name)->description.empty());
  }
}

TEST(PolicyFactory, UnknownNameListsTheKnownOnes) {
  PolicyContext context;
  try {
    make_policy("lottery", context);
    FAIL() << "no exception";
  } catch (const std::invalid_argument &e) {
    EXPECT_EQ(std::string(e.what()), "unknown policy 'lottery' (known: fifo, gthulhu, vtime)");
  }
}

TEST(PolicyFactory, RejectsUnusableSlices) {
  PolicyContext zero;
  zero.config = PolicyConfig{.slice_ns = 0, .slice_min_ns = 0};
  EXPECT_THROW(make_policy("fifo", zero), std::invalid_argument);
  PolicyContext inverted;
  inverted.config = PolicyConfig{.slice_ns = 1000, .slice_min_ns = 2000};
  EXPECT_THROW(make_policy("vtime", inverted), std::invalid_argument);
}

TEST(PolicyFactory, OptionsTakeTheirDefaultsAndAreChecked) {
  PolicyContext context;
  (void)make_policy("gthulhu", context);
  EXPECT_EQ(context.option("shortest_slice_pct"), 25);
  PolicyContext given;
  given.options["shortest_slice_pct"] = 50;
  (void)make_policy("gthulhu", given);
  EXPECT_EQ(given.option("shortest_slice_pct"), 50);
  PolicyContext unknown;
  unknown.options["lead"] = 1;
  EXPECT_THROW(make_policy("gthulhu", unknown), std::invalid_argument);
  PolicyContext out_of_range;
  out_of_range.options["shortest_slice_pct"] = 0;
  EXPECT_THROW(make_policy("gthulhu", out_of_range), std::invalid_argument);
}

TEST(PolicyFactory, TheOptionReachesThePolicy) {
  PolicyContext half;
  half.config = PolicyConfig{.slice_ns = 20 * kNsecPerMsec, .slice_min_ns = 4 * kNsecPerMsec};
  half.options["shortest_slice_pct"] = 50;
  const auto policy = make_policy("gthulhu", half);
  // A light task gets the shortest slice: half of slice_min.
  QueuedTask light;
  light.pid = 1;
  light.weight = 1;
  light.nr_cpus_allowed = 2;
  policy->on_queued(light);
  EXPECT_EQ(policy->pick_next()->slice_ns, 2 * kNsecPerMsec);
}

} // namespace
} // namespace scxx
