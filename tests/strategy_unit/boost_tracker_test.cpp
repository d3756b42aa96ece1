// BoostTracker against a fake /proc tree and a fake map that can fail and
// fill up: what the tracker records must always be what the map holds.
#include "fake_proc.h"
#include "strategy/boost_tracker.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace scxx {
namespace {

using test::add_thread;
using test::TempDir;

// task_boosts as the kernel keeps it: a hash map of bounded size.
class FakeMap final : public BoostSink {
public:
  explicit FakeMap(size_t capacity = std::numeric_limits<size_t>::max()) : capacity_(capacity) {}

  int upsert(const ResolvedBoost &b) override {
    ++writes;
    if (fail_upserts.contains(b.pid)) {
      return ENOMEM;
    }
    if (!entries_.contains(b.pid) && entries_.size() >= capacity_) {
      return E2BIG;
    }
    entries_[b.pid] = b;
    return 0;
  }
  int remove(int32_t pid) override {
    ++writes;
    if (fail_removals.contains(pid)) {
      return EBUSY;
    }
    entries_.erase(pid);
    return 0;
  }
  int upsert_group(Group group, const GroupBoost &b) override {
    ++writes;
    if (fail_group_upserts.contains(b.key)) {
      return ENOMEM;
    }
    groups(group)[b.key] = b;
    return 0;
  }
  int remove_group(Group group, uint64_t key) override {
    ++writes;
    groups(group).erase(key);
    return 0;
  }
  void group_counts(size_t p, size_t c) override {
    counted_processes = p;
    counted_cgroups = c;
  }
  std::map<uint64_t, GroupBoost> &groups(Group group) {
    return group == Group::kProcess ? processes : cgroups;
  }
  std::map<uint64_t, GroupBoost> processes;
  std::map<uint64_t, GroupBoost> cgroups;
  std::set<uint64_t> fail_group_upserts;
  size_t counted_processes = 0;
  size_t counted_cgroups = 0;

  [[nodiscard]] std::vector<ResolvedBoost> held() const {
    std::vector<ResolvedBoost> out;
    for (const auto &[pid, b] : entries_) {
      out.push_back(b);
    }
    return out;
  }

  std::set<int32_t> fail_upserts;
  std::set<int32_t> fail_removals;
  size_t writes = 0;

private:
  size_t capacity_;
  std::map<int32_t, ResolvedBoost> entries_;
};

StrategyRule comm_rule(const std::string &regex, uint32_t priority) {
  StrategyRule r;
  r.comm_regex = regex;
  r.priority = priority;
  return r;
}

// Two nginx threads (prio 11 with the rule below), a shell, systemd.
void build_tree(const TempDir &dir) {
  add_thread(dir, 1, 1, "systemd", "0::/init.scope\n", 1);
  add_thread(dir, 100, 100, "nginx", "0::/web\n", 500);
  add_thread(dir, 100, 101, "nginx", "0::/web\n", 501);
  add_thread(dir, 200, 200, "bash", "0::/user\n", 900);
}

class BoostTrackerTest : public ::testing::Test {
protected:
  void SetUp() override { build_tree(dir_); }
  BoostTracker tracker(std::vector<StrategyRule> rules, size_t capacity = kMaxBoostedTasks) {
    return {StrategyEngine(std::move(rules)), ProcScanner(dir_.path().string()), capacity};
  }
  void remove_thread(int tgid, int tid) const {
    std::filesystem::remove_all(dir_.path() / std::to_string(tgid) / "task" / std::to_string(tid));
  }

  TempDir dir_;
};

TEST_F(BoostTrackerTest, PicksUpNewAndExitedThreads) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  FakeMap map;
  BoostRound first = t.refresh(map);
  EXPECT_EQ(first.upserted, 2U);
  EXPECT_EQ(first.matched, 2U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}, {101, 11, 0, 501}}));
  EXPECT_EQ(t.current(), map.held());
  EXPECT_FALSE(t.refresh(map).changed());

  add_thread(dir_, 700, 700, "nginx", "0::/x\n", 2000);
  remove_thread(100, 101);
  BoostRound next = t.refresh(map);
  EXPECT_EQ(next.upserted, 1U);
  EXPECT_EQ(next.removed, 1U);
  EXPECT_EQ(next.held, 2U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}, {700, 11, 0, 2000}}));
  EXPECT_EQ(t.current(), map.held());
  EXPECT_TRUE(boost_problems(next).empty());

  // The map was recreated empty (a reload): everything is written again.
  FakeMap fresh;
  t.reset();
  EXPECT_EQ(t.refresh(fresh).upserted, 2U);
  EXPECT_EQ(fresh.held(), map.held());
}

TEST_F(BoostTrackerTest, NoRulesNoScanNoWrites) {
  BoostTracker t(StrategyEngine(), ProcScanner("/nonexistent-proc"));
  FakeMap map;
  const BoostRound round = t.refresh(map);
  EXPECT_FALSE(round.changed());
  EXPECT_EQ(round.matched, 0U);
  EXPECT_EQ(map.writes, 0U);
}

TEST_F(BoostTrackerTest, FailedUpdateIsNotRecordedAndIsRetried) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  FakeMap map;
  map.fail_upserts = {101};
  BoostRound round = t.refresh(map);
  EXPECT_EQ(round.upserted, 1U);
  EXPECT_EQ(round.failed_upserts, 1U);
  EXPECT_EQ(round.first_errno, ENOMEM);
  EXPECT_EQ(t.current(), map.held());
  EXPECT_EQ(t.current(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}}));
  const std::vector<std::string> problems = boost_problems(round);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_NE(problems[0].find("1 of 2 updates and 0 of 0 removals failed"), std::string::npos)
      << problems[0];

  // Still failing: tried again, nothing else rewritten.
  map.writes = 0;
  round = t.refresh(map);
  EXPECT_EQ(round.failed_upserts, 1U);
  EXPECT_EQ(map.writes, 1U);
  EXPECT_EQ(t.current(), map.held());

  map.fail_upserts.clear();
  map.writes = 0;
  round = t.refresh(map);
  EXPECT_EQ(round.upserted, 1U);
  EXPECT_EQ(map.writes, 1U) << "only the missing entry is written";
  EXPECT_EQ(t.current(), map.held());
  EXPECT_EQ(t.current().size(), 2U);
  EXPECT_TRUE(boost_problems(round).empty());
}

TEST_F(BoostTrackerTest, FailedChangeKeepsThePreviousEntryRecorded) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  FakeMap map;
  t.refresh(map);
  t.set_engine(StrategyEngine({comm_rule("^nginx", 16)}));
  map.fail_upserts = {100};
  const BoostRound round = t.refresh(map);
  EXPECT_EQ(round.upserted, 1U);
  EXPECT_EQ(round.failed_upserts, 1U);
  // The map still holds the old priority for 100, and so does the record.
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}, {101, 16, 0, 501}}));
  EXPECT_EQ(t.current(), map.held());
}

TEST_F(BoostTrackerTest, FailedRemovalStaysRecordedAndIsRetried) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  FakeMap map;
  t.refresh(map);
  remove_thread(100, 101);
  map.fail_removals = {101};
  BoostRound round = t.refresh(map);
  EXPECT_EQ(round.failed_removals, 1U);
  EXPECT_EQ(round.first_errno, EBUSY);
  EXPECT_EQ(t.current(), map.held());
  EXPECT_EQ(t.current().size(), 2U);

  map.fail_removals.clear();
  round = t.refresh(map);
  EXPECT_EQ(round.removed, 1U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}}));
  EXPECT_EQ(t.current(), map.held());
}

TEST_F(BoostTrackerTest, RemovedStrategyLeavesNoBoostBehind) {
  StrategyRule shell;
  shell.tgid = 200;
  shell.priority = 4;
  BoostTracker t = tracker({comm_rule("^nginx", 11), shell});
  FakeMap map;
  t.refresh(map);
  EXPECT_EQ(map.held().size(), 3U);

  t.set_engine(StrategyEngine({shell}));
  BoostRound round = t.refresh(map);
  EXPECT_EQ(round.removed, 2U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{200, 4, 0, 900}}));
  EXPECT_EQ(t.current(), map.held());

  t.set_engine(StrategyEngine());
  round = t.refresh(map);
  EXPECT_EQ(round.removed, 1U);
  EXPECT_TRUE(map.held().empty());
  EXPECT_TRUE(t.current().empty());
}

TEST_F(BoostTrackerTest, MoreMatchesThanTheMapHoldsAreReportedNotRetried) {
  add_thread(dir_, 300, 300, "nginx-cache", "0::/web\n", 3000);
  add_thread(dir_, 300, 301, "nginx-cache", "0::/web\n", 3001);
  add_thread(dir_, 300, 302, "nginx", "0::/web\n", 3002);
  // 5 matches, room for 3: the two urgent ones, then the lowest id.
  BoostTracker t = tracker({comm_rule("^nginx-cache", 16), comm_rule("^nginx", 3)}, 3);
  FakeMap map(3);
  BoostRound round = t.refresh(map);
  EXPECT_EQ(round.matched, 5U);
  EXPECT_EQ(round.held, 3U);
  EXPECT_EQ(round.not_boosted(), 2U);
  EXPECT_EQ(round.failed_upserts, 0U);
  EXPECT_EQ(map.held(),
            (std::vector<ResolvedBoost>{{100, 3, 0, 500}, {300, 16, 0, 3000}, {301, 16, 0, 3001}}));
  EXPECT_EQ(t.current(), map.held());
  EXPECT_EQ(boost_problems(round),
            (std::vector<std::string>{"5 threads match, the map holds 3: 2 not boosted (the "
                                      "lowest priorities)"}));

  // The same state next time: reported again, nothing written.
  map.writes = 0;
  round = t.refresh(map);
  EXPECT_FALSE(round.changed());
  EXPECT_EQ(map.writes, 0U);
  EXPECT_EQ(round.not_boosted(), 2U);

  // An urgent thread leaves: the next in line takes its place.
  remove_thread(300, 301);
  round = t.refresh(map);
  EXPECT_EQ(round.failed_upserts, 0U);
  EXPECT_EQ(map.held(),
            (std::vector<ResolvedBoost>{{100, 3, 0, 500}, {101, 3, 0, 501}, {300, 16, 0, 3000}}));
  EXPECT_EQ(t.current(), map.held());
}

TEST_F(BoostTrackerTest, FullMapMakesRoomBeforeWriting) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)}, 2);
  FakeMap map(2);
  t.refresh(map);
  // Both boosted threads exit, two new ones appear: the removals come first.
  remove_thread(100, 100);
  remove_thread(100, 101);
  add_thread(dir_, 400, 400, "nginx", "0::/web\n", 4000);
  add_thread(dir_, 400, 401, "nginx", "0::/web\n", 4001);
  const BoostRound round = t.refresh(map);
  EXPECT_EQ(round.failed_upserts, 0U);
  EXPECT_EQ(round.removed, 2U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{400, 11, 0, 4000}, {401, 11, 0, 4001}}));
  EXPECT_EQ(t.current(), map.held());
}

TEST_F(BoostTrackerTest, ReusedIdGetsTheEntryRewrittenForIt) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  FakeMap map;
  t.refresh(map);
  // 101 exited and a new nginx thread got its id: the entry names the new
  // thread's start, so the old one (which BPF ignores for it) is replaced.
  add_thread(dir_, 100, 101, "nginx", "0::/web\n", 7777);
  const BoostRound round = t.refresh(map);
  EXPECT_EQ(round.upserted, 1U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}, {101, 11, 0, 7777}}));
  EXPECT_EQ(t.current(), map.held());
}

TEST_F(BoostTrackerTest, ReusedIdThatDoesNotMatchLosesTheStaleEntry) {
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  FakeMap map;
  t.refresh(map);
  remove_thread(100, 101);
  add_thread(dir_, 100, 101, "logger", "0::/web\n", 7777);
  const BoostRound round = t.refresh(map);
  EXPECT_EQ(round.removed, 1U);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}}));
  EXPECT_EQ(t.current(), map.held());
}

TEST_F(BoostTrackerTest, ThreadRenamedAfterTheScanIsLeftOut) {
  // The id in /proc now shows another name than the scan saw (reused
  // between the two reads): no entry rather than one for the wrong thread.
  BoostTracker t = tracker({comm_rule("^nginx", 11)});
  dir_.write("100/task/101/stat", "101 (logger) S 100 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42\n");
  FakeMap map;
  t.refresh(map);
  EXPECT_EQ(map.held(), (std::vector<ResolvedBoost>{{100, 11, 0, 500}}));
}

// ---- Rules the kernel can apply to threads the scan has not seen yet ----

StrategyRule tgid_rule(int32_t tgid, uint32_t priority) {
  StrategyRule r;
  r.tgid = tgid;
  r.priority = priority;
  return r;
}

StrategyRule cgroup_rule(const std::string &prefix, uint32_t priority) {
  StrategyRule r;
  r.cgroup_prefix = prefix;
  r.priority = priority;
  return r;
}

TEST(RuleScope, WholeProcessesAndCgroupsOnlyWhenNothingNarrowsThem) {
  EXPECT_EQ(rule_scope(tgid_rule(5, 1)), RuleScope::kProcess);
  StrategyRule in_cgroup = tgid_rule(5, 1);
  in_cgroup.cgroup_prefix = "/web";
  EXPECT_EQ(rule_scope(in_cgroup), RuleScope::kProcess) << "checked on the leader";
  StrategyRule by_name = tgid_rule(5, 1);
  by_name.comm_regex = "worker";
  EXPECT_EQ(rule_scope(by_name), RuleScope::kThreads) << "a name selects threads";
  StrategyRule one_thread = tgid_rule(5, 1);
  one_thread.pid = 6;
  EXPECT_EQ(rule_scope(one_thread), RuleScope::kThreads);
  EXPECT_EQ(rule_scope(cgroup_rule("/web", 3)), RuleScope::kCgroup);
  StrategyRule cgroup_and_name = cgroup_rule("/web", 3);
  cgroup_and_name.comm_regex = "nginx";
  EXPECT_EQ(rule_scope(cgroup_and_name), RuleScope::kThreads);
  EXPECT_EQ(rule_scope(comm_rule("x", 1)), RuleScope::kThreads);
}

TEST_F(BoostTrackerTest, AProcessRuleWritesItsLeadersStartAndCountsItsThreads) {
  BoostTracker t = tracker({comm_rule("^bash$", 2), tgid_rule(100, 7)});
  FakeMap map;
  const BoostRound round = t.refresh(map);
  ASSERT_EQ(map.processes.size(), 1U);
  EXPECT_EQ(map.processes.at(100), (GroupBoost{100, 7, 0, 500})) << "the leader started at 500";
  EXPECT_EQ(map.counted_processes, 1U);
  EXPECT_EQ(round.processes, 1U);
  EXPECT_EQ(round.threads_per_rule, (std::vector<uint64_t>{1, 2}));

  // The process exits and its id is reused by another program: its entry
  // now names the new leader's start, so BPF boosts nobody it should not.
  std::filesystem::remove_all(dir_.path() / "100");
  add_thread(dir_, 100, 100, "other", "0::/user\n", 4000);
  t.refresh(map);
  EXPECT_EQ(map.processes.at(100).start_ticks, 4000U);

  // Rules replaced: the process entry goes.
  t.set_engine(StrategyEngine({comm_rule("^bash$", 2)}));
  const BoostRound after = t.refresh(map);
  EXPECT_TRUE(map.processes.empty());
  EXPECT_EQ(map.counted_processes, 0U);
  EXPECT_EQ(after.threads_per_rule, (std::vector<uint64_t>{1}));
}

TEST_F(BoostTrackerTest, AProcessRuleWithACgroupChecksTheLeader) {
  StrategyRule r = tgid_rule(100, 7);
  r.cgroup_prefix = "/other";
  BoostTracker t = tracker({r});
  FakeMap map;
  t.refresh(map);
  EXPECT_TRUE(map.processes.empty()) << "the leader is in /web";
}

TEST(CgroupScanner, ListsMatchingDirectoriesWithTheirInodesAndPrunes) {
  TempDir root;
  root.mkdir("web/a");
  root.mkdir("web/b/c");
  root.mkdir("webby");
  root.mkdir("user");
  const auto ino = [&](const std::string &rel) {
    struct stat st {};
    EXPECT_EQ(::stat((root.path() / rel).c_str(), &st), 0) << rel;
    return static_cast<uint64_t>(st.st_ino);
  };
  const CgroupScanner scanner(root.path().string());
  std::map<std::string, uint64_t> got;
  for (const CgroupDir &d : scanner.scan({"/web/"})) {
    got[d.path] = d.id;
  }
  EXPECT_EQ(got,
            (std::map<std::string, uint64_t>{
                {"/web/a", ino("web/a")}, {"/web/b", ino("web/b")}, {"/web/b/c", ino("web/b/c")}}));
  got.clear();
  for (const CgroupDir &d : scanner.scan({"/web"})) {
    got[d.path] = d.id;
  }
  EXPECT_EQ(got.size(), 5U) << "a plain prefix: /web, its three below, and /webby";
  EXPECT_TRUE(got.contains("/webby"));
  EXPECT_TRUE(scanner.scan({}).empty());
  EXPECT_EQ(scanner.scan({"/"}).size(), 7U) << "the root and all six below";
}

TEST_F(BoostTrackerTest, ACgroupRuleWritesTheIdsOfMatchingDirectories) {
  TempDir cgroups;
  cgroups.mkdir("web/a");
  cgroups.mkdir("user");
  BoostTracker t(StrategyEngine({cgroup_rule("/web", 4), cgroup_rule("/web/a", 9)}),
                 ProcScanner(dir_.path().string()), kMaxBoostedTasks,
                 CgroupScanner(cgroups.path().string()));
  FakeMap map;
  const BoostRound round = t.refresh(map);
  ASSERT_EQ(map.cgroups.size(), 2U);
  struct stat web {};
  struct stat web_a {};
  ASSERT_EQ(::stat((cgroups.path() / "web").c_str(), &web), 0);
  ASSERT_EQ(::stat((cgroups.path() / "web/a").c_str(), &web_a), 0);
  EXPECT_EQ(map.cgroups.at(web.st_ino).priority, 4U);
  EXPECT_EQ(map.cgroups.at(web_a.st_ino).priority, 9U) << "the higher rule decides";
  EXPECT_EQ(map.counted_cgroups, 2U);
  // Both nginx threads are in /web (fake /proc): the first rule covers them.
  EXPECT_EQ(round.threads_per_rule, (std::vector<uint64_t>{2, 0}));

  // A directory goes away: its entry is removed.
  std::filesystem::remove(cgroups.path() / "web/a");
  t.refresh(map);
  EXPECT_EQ(map.cgroups.size(), 1U);
  EXPECT_EQ(t.current_cgroups().size(), 1U);

  // A failed write stays unrecorded and is retried.
  cgroups.mkdir("web/z");
  struct stat web_z {};
  ASSERT_EQ(::stat((cgroups.path() / "web/z").c_str(), &web_z), 0);
  map.fail_group_upserts.insert(web_z.st_ino);
  const BoostRound failed = t.refresh(map);
  EXPECT_EQ(failed.failed_upserts, 1U);
  EXPECT_EQ(t.current_cgroups().size(), 1U);
  map.fail_group_upserts.clear();
  t.refresh(map);
  EXPECT_EQ(t.current_cgroups().size(), 2U);
}

} // namespace
} // namespace scxx
