// Gthulhu's priorities on scxx's scale (gthulhu_priority.h) and the cgroup
// paths of a pod (pod_cgroup.h).
#include "control/api_codec.h"
#include "control/gthulhu_priority.h"
#include "control/pod_cgroup.h"
#include "control/stored_strategy.h"
#include "strategy/strategy.h"

#include <gtest/gtest.h>

namespace scxx {
namespace {

TEST(GthulhuPriority, BandsMapAsDocumented) {
  // 0..9 preempt: scxx's preemptive band, 0 strongest.
  EXPECT_EQ(scxx_priority_from_gthulhu(0), 20U);
  EXPECT_EQ(scxx_priority_from_gthulhu(1), 20U);
  EXPECT_EQ(scxx_priority_from_gthulhu(2), 19U);
  EXPECT_EQ(scxx_priority_from_gthulhu(9), 16U);
  // 10..20 reduce virtual time: scxx's fairness band, 10 strongest.
  EXPECT_EQ(scxx_priority_from_gthulhu(10), 10U);
  EXPECT_EQ(scxx_priority_from_gthulhu(15), 5U);
  EXPECT_EQ(scxx_priority_from_gthulhu(19), 1U);
  EXPECT_EQ(scxx_priority_from_gthulhu(20), 1U);
}

TEST(GthulhuPriority, LowerGthulhuNumbersNeverMapLower) {
  for (int64_t g = 1; g <= kGthulhuPriorityMax; ++g) {
    EXPECT_GE(*scxx_priority_from_gthulhu(g - 1), *scxx_priority_from_gthulhu(g)) << g;
  }
  for (int64_t g = 0; g <= 9; ++g) {
    EXPECT_GE(*scxx_priority_from_gthulhu(g), static_cast<uint32_t>(SCXX_PRIO_PREEMPT_MIN)) << g;
  }
  for (int64_t g = 10; g <= 20; ++g) {
    EXPECT_LE(*scxx_priority_from_gthulhu(g), static_cast<uint32_t>(SCXX_PRIO_CUT_MAX)) << g;
  }
}

TEST(GthulhuPriority, OutOfRangeIsRefusedNotClamped) {
  EXPECT_FALSE(scxx_priority_from_gthulhu(-1));
  EXPECT_FALSE(scxx_priority_from_gthulhu(21));
  EXPECT_FALSE(scxx_priority_from_gthulhu(1000));
}

TEST(GthulhuPriority, ReverseMapsBackAndSkipsWhatGthulhuCannotSay) {
  for (uint32_t p = 0; p <= kStrategyPrioMax; ++p) {
    const auto g = gthulhu_priority_from_scxx(p);
    if (p == 0 || (p >= SCXX_PRIO_HEAD_MIN && p < SCXX_PRIO_PREEMPT_MIN)) {
      EXPECT_FALSE(g) << p;
      continue;
    }
    ASSERT_TRUE(g) << p;
    EXPECT_EQ(scxx_priority_from_gthulhu(*g), p) << p;
  }
}

// Found by tests/fuzz/api_fuzz.cpp: an executionTime with a rest below a
// microsecond read back as another strategy once shown as slice_us.
TEST(GthulhuIntent, ExecutionTimeIsKeptToTheMicrosecondAndReadsBackTheSame) {
  GthulhuIntent intent;
  intent.pod_name = "web-1";
  intent.pod_uid = "0f1e2d3c-4b5a-6979-8796-a5b4c3d2e1f0";
  intent.k8s_namespace = "shop";
  intent.priority = 3;
  intent.execution_time_ns = 7043386;
  StoredStrategy s = strategy_from_intent(intent, "intents[0]");
  s.id = 1; // as the API gives it
  EXPECT_EQ(s.rule.slice_ns, 7043000U);
  StoredStrategy back = strategy_from_json(strategy_to_json(s), "");
  back.id = s.id;
  EXPECT_EQ(back, s);
}

TEST(PodCgroup, CanonicalUid) {
  EXPECT_EQ(canonical_pod_uid("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0"),
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  EXPECT_EQ(canonical_pod_uid("0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"),
            "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  EXPECT_FALSE(canonical_pod_uid(""));
  EXPECT_FALSE(canonical_pod_uid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f"));
  EXPECT_FALSE(canonical_pod_uid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg"));
  EXPECT_FALSE(canonical_pod_uid("0f1e2d3c44b5a-6978-8796-a5b4c3d2e1f0"));
  EXPECT_FALSE(canonical_pod_uid("../../../etc/passwd/xxxxxxxxxxxxxxxxxx"));
}

TEST(PodCgroup, PrefixesMatchBothDriversAndEveryQosClass) {
  const std::string uid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  StrategyRule rule;
  rule.priority = 5;
  StoredStrategy pod;
  pod.rule = rule;
  pod.pod_uid = uid;
  const ExpandedRules expanded = expand_rules({pod});
  const StrategyEngine engine(expanded.rules);
  const std::string systemd_uid = "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0";
  const std::vector<std::string> inside = {
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + systemd_uid +
          ".slice/cri-containerd-abc.scope",
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + systemd_uid +
          ".slice/cri-containerd-x.scope",
      "/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/crio-1.scope",
      "/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/abcdef",
      "/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/abcdef",
      "/kubepods/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/abcdef",
  };
  for (const std::string &cgroup : inside) {
    EXPECT_TRUE(engine.match(ThreadInfo{1, 1, "app", cgroup})) << cgroup;
  }
  const std::vector<std::string> outside = {
      "/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1/abcdef",
      "/kubepods.slice/kubepods-burstable.slice/", "/system.slice/kubelet.service", ""};
  for (const std::string &cgroup : outside) {
    EXPECT_FALSE(engine.match(ThreadInfo{1, 1, "app", cgroup})) << cgroup;
  }
  for (size_t owner : expanded.owner) {
    EXPECT_EQ(owner, 0U);
  }
}

} // namespace
} // namespace scxx
