#include "strategy/strategy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace scxx {
namespace {

ThreadInfo thread(int32_t pid, int32_t tgid, std::string comm, std::string cgroup) {
  return ThreadInfo{pid, tgid, std::move(comm), std::move(cgroup)};
}

StrategyRule rule(std::string name, uint32_t priority) {
  StrategyRule r;
  r.name = std::move(name);
  r.priority = priority;
  return r;
}

const std::vector<ThreadInfo> kThreads = {
    thread(100, 100, "nginx", "/system.slice/nginx.service"),
    thread(101, 100, "nginx: worker", "/system.slice/nginx.service"),
    thread(200, 200, "bash", "/user.slice/user-1000.slice/session-1.scope"),
    thread(201, 200, "bash-helper", "/user.slice/user-1000.slice/session-1.scope"),
    thread(300, 300, "postgres", "/system.slice/postgresql.service"),
};

std::vector<int32_t> pids(const std::vector<ResolvedBoost> &boosts) {
  std::vector<int32_t> out;
  out.reserve(boosts.size());
  for (const auto &b : boosts) {
    out.push_back(b.pid);
  }
  return out;
}

TEST(StrategyMatch, ByPidAlone) {
  StrategyRule r = rule("one", 5);
  r.pid = 101;
  StrategyEngine engine({r});
  EXPECT_EQ(pids(engine.resolve(kThreads)), (std::vector<int32_t>{101}));
}

TEST(StrategyMatch, ByTgidAlone) {
  StrategyRule r = rule("proc", 5);
  r.tgid = 200;
  StrategyEngine engine({r});
  EXPECT_EQ(pids(engine.resolve(kThreads)), (std::vector<int32_t>{200, 201}));
}

TEST(StrategyMatch, ByCommRegexIsASearch) {
  StrategyRule r = rule("anywhere", 5);
  r.comm_regex = "worker";
  StrategyEngine engine({r});
  EXPECT_EQ(pids(engine.resolve(kThreads)), (std::vector<int32_t>{101}));

  StrategyRule anchored = rule("exact", 5);
  anchored.comm_regex = "^bash$";
  StrategyEngine exact({anchored});
  EXPECT_EQ(pids(exact.resolve(kThreads)), (std::vector<int32_t>{200}));

  StrategyRule prefix = rule("prefix", 5);
  prefix.comm_regex = "^nginx";
  StrategyEngine pre({prefix});
  EXPECT_EQ(pids(pre.resolve(kThreads)), (std::vector<int32_t>{100, 101}));
}

TEST(StrategyMatch, ByCgroupPrefixAlone) {
  StrategyRule r = rule("system", 5);
  r.cgroup_prefix = "/system.slice/";
  StrategyEngine engine({r});
  EXPECT_EQ(pids(engine.resolve(kThreads)), (std::vector<int32_t>{100, 101, 300}));

  StrategyRule exact = rule("nginx", 5);
  exact.cgroup_prefix = "/system.slice/nginx.service";
  StrategyEngine e2({exact});
  EXPECT_EQ(pids(e2.resolve(kThreads)), (std::vector<int32_t>{100, 101}));
}

TEST(StrategyMatch, AllSelectorsMustMatch) {
  StrategyRule r = rule("combined", 7);
  r.tgid = 100;
  r.comm_regex = "worker";
  r.cgroup_prefix = "/system.slice";
  StrategyEngine engine({r});
  EXPECT_EQ(pids(engine.resolve(kThreads)), (std::vector<int32_t>{101}));

  // Same, but the cgroup does not match: nothing.
  r.cgroup_prefix = "/user.slice";
  StrategyEngine none({r});
  EXPECT_TRUE(none.resolve(kThreads).empty());

  // pid and tgid that disagree: nothing.
  StrategyRule both = rule("both", 7);
  both.pid = 101;
  both.tgid = 200;
  StrategyEngine mismatch({both});
  EXPECT_TRUE(mismatch.resolve(kThreads).empty());
}

TEST(StrategyMatch, HighestPriorityWinsWithItsSlice) {
  StrategyRule low = rule("low", 3);
  low.tgid = 100;
  low.slice_ns = 100000;
  StrategyRule high = rule("high", 16);
  high.comm_regex = "worker";
  high.slice_ns = 2000000;
  StrategyEngine engine({low, high});
  auto boosts = engine.resolve(kThreads);
  ASSERT_EQ(boosts.size(), 2U);
  EXPECT_EQ(boosts[0], (ResolvedBoost{100, 3, 100000}));
  EXPECT_EQ(boosts[1], (ResolvedBoost{101, 16, 2000000}));
  EXPECT_EQ(engine.match(kThreads[1]), std::optional<size_t>(1));
}

TEST(StrategyMatch, TieGoesToTheFirstRule) {
  StrategyRule first = rule("first", 12);
  first.cgroup_prefix = "/system.slice/nginx";
  first.slice_ns = 300000;
  StrategyRule second = rule("second", 12);
  second.comm_regex = "nginx";
  second.slice_ns = 900000;
  StrategyEngine engine({first, second});
  auto boosts = engine.resolve(kThreads);
  ASSERT_EQ(boosts.size(), 2U);
  EXPECT_EQ(boosts[0].slice_ns, 300000U);
  EXPECT_EQ(boosts[1].slice_ns, 300000U);
  EXPECT_EQ(engine.match(kThreads[0]), std::optional<size_t>(0));

  StrategyEngine reversed({second, first});
  EXPECT_EQ(reversed.resolve(kThreads)[0].slice_ns, 900000U);
}

TEST(StrategyMatch, ResolveIsSortedAndNeedsFlags) {
  StrategyRule r = rule("all", 1);
  r.comm_regex = ".";
  StrategyEngine engine({r});
  std::vector<ThreadInfo> shuffled = {kThreads[4], kThreads[0], kThreads[2]};
  EXPECT_EQ(pids(engine.resolve(shuffled)), (std::vector<int32_t>{100, 200, 300}));
  EXPECT_TRUE(engine.needs_comm());
  EXPECT_FALSE(engine.needs_cgroup());
  EXPECT_TRUE(StrategyEngine().resolve(kThreads).empty());
}

void expect_rejected(const StrategyRule &r, const std::string &part) {
  StrategyRule ok = rule("fine", 1);
  ok.pid = 1;
  try {
    StrategyEngine engine({ok, r});
    FAIL() << "accepted an invalid rule, expected: " << part;
  } catch (const StrategyError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("rule 1 (\"" + r.name + "\")"), std::string::npos) << msg;
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
}

TEST(StrategyValidation, RejectsInvalidRulesNamingThem) {
  expect_rejected(rule("empty", 5), "no selector");

  StrategyRule prio = rule("loud", 21);
  prio.pid = 5;
  expect_rejected(prio, "priority 21 is out of range [0, 20]");

  StrategyRule short_slice = rule("short", 5);
  short_slice.pid = 5;
  short_slice.slice_ns = 49999;
  expect_rejected(short_slice, "out of range [50000, 1000000000]");

  StrategyRule long_slice = rule("long", 5);
  long_slice.pid = 5;
  long_slice.slice_ns = 1000000001;
  expect_rejected(long_slice, "out of range");

  StrategyRule regex = rule("broken", 5);
  regex.comm_regex = "(nginx";
  expect_rejected(regex, "invalid regular expression \"(nginx\"");

  StrategyRule cg = rule("relative", 5);
  cg.cgroup_prefix = "system.slice";
  expect_rejected(cg, "must start with '/'");

  StrategyRule pid = rule("negative", 5);
  pid.pid = -3;
  expect_rejected(pid, "pid -3");
}

// Found by tests/fuzz/config_fuzz.cpp: libstdc++ reads a count or group
// number into a signed long without an overflow check, so the bound is
// checked before std::regex sees the pattern.
TEST(StrategyValidation, BoundsTheCommRegex) {
  EXPECT_EQ(regex_problem(std::string(kCommRegexMaxLength, 'a')), std::nullopt);
  EXPECT_NE(regex_problem(std::string(kCommRegexMaxLength + 1, 'a'))
                .value_or("")
                .find("has 257 characters, more than 256"),
            std::string::npos);
  for (const char *ok :
       {"a{255}", "a{0,255}", "a{3,}", "[{9999}]", "\\{9999}", "^app12345678901234567890$",
        "[\\]{]{2}", "(?:[a-z]{5}){3}", "^(cc1|cc1plus|ld)$", "(a*)*c"}) {
    EXPECT_EQ(regex_problem(ok), std::nullopt) << ok;
  }
  for (const char *bad : {"a{256}", "a{0,99999999999999999999}", "a{99999999999999999999,}",
                          "(a)\\99999999999999999999", "[x]{1000}", "(?:a{2}){0,0256}"}) {
    const std::string problem = regex_problem(bad).value_or("");
    EXPECT_NE(problem.find("is larger than 255"), std::string::npos) << bad << ": " << problem;
  }
  for (const char *big :
       {"(?:a*){64}c", "(?:(?:a?){20}){20}", "(?:a{10}){30}", "((((a{5}){5}))){7}"}) {
    const std::string problem = regex_problem(big).value_or("");
    EXPECT_NE(problem.find("is too large: with its counts written out it has more than 256 "
                           "elements"),
              std::string::npos)
        << big << ": " << problem;
  }
  EXPECT_NE(regex_problem("(a)\\1").value_or("").find("back-references are not supported"),
            std::string::npos);
  StrategyRule r = rule("count", 5);
  r.comm_regex = "a{0,99999999999999999999}";
  expect_rejected(r, "the count or group number 99999999999999999999 is larger than 255");
}

// Backtracking took seconds for "(a*)*c" on a 15-character name and never
// finished with more nesting; the agent matches every thread twice a second.
TEST(StrategyMatch, NestedQuantifiersMatchInLinearTime) {
  for (const char *pattern : {"(a*)*c", "((((((((a*)*)*)*)*)*)*)*)*c", "(a|a?)+c", "(?:a?){32}c"}) {
    StrategyRule r = rule("nested", 5);
    r.comm_regex = pattern;
    const StrategyEngine engine({r});
    EXPECT_FALSE(engine.match(ThreadInfo{1, 1, "aaaaaaaaaaaaaaa", ""})) << pattern;
    EXPECT_TRUE(engine.match(ThreadInfo{1, 1, "aaaaaaaaaaaaaac", ""})) << pattern;
  }
}

TEST(StrategyValidation, AcceptsBoundaries) {
  StrategyRule r = rule("edge", kStrategyPrioMax);
  r.pid = 1;
  r.slice_ns = kStrategySliceMinNs;
  EXPECT_NO_THROW(StrategyEngine({r}));
  r.slice_ns = kStrategySliceMaxNs;
  EXPECT_NO_THROW(StrategyEngine({r}));
  r.slice_ns = 0;
  r.priority = 0;
  EXPECT_NO_THROW(StrategyEngine({r}));
  EXPECT_EQ(describe_rule(rule("", 1), 4), "rule 4");
}

TEST(StrategyDiff, UpsertsChangesAndRemovals) {
  std::vector<ResolvedBoost> old = {{10, 5, 0}, {20, 5, 0}, {30, 12, 1000000}};
  std::vector<ResolvedBoost> now = {{40, 1, 0}, {10, 5, 0}, {30, 16, 1000000}};
  BoostDiff d = StrategyEngine::diff(old, now);
  EXPECT_EQ(d.upserts, (std::vector<ResolvedBoost>{{30, 16, 1000000}, {40, 1, 0}}));
  EXPECT_EQ(d.removals, (std::vector<int32_t>{20}));
  EXPECT_FALSE(d.empty());

  EXPECT_TRUE(StrategyEngine::diff(now, now).empty());
  BoostDiff all = StrategyEngine::diff({}, old);
  EXPECT_EQ(all.upserts, old);
  BoostDiff gone = StrategyEngine::diff(old, {});
  EXPECT_EQ(gone.removals, (std::vector<int32_t>{10, 20, 30}));
  EXPECT_TRUE(gone.upserts.empty());
  // Only the slice changes: still an update.
  BoostDiff slice = StrategyEngine::diff({{10, 5, 0}}, {{10, 5, 50000}});
  EXPECT_EQ(slice.upserts, (std::vector<ResolvedBoost>{{10, 5, 50000}}));
  // Same id, another thread (started later): the entry is rewritten for it.
  BoostDiff reused = StrategyEngine::diff({{10, 5, 0, 700}}, {{10, 5, 0, 900}});
  EXPECT_EQ(reused.upserts, (std::vector<ResolvedBoost>{{10, 5, 0, 900}}));
  EXPECT_TRUE(reused.removals.empty());
}

TEST(StrategyText, PriorityScaleNamesTheBands) {
  std::string_view text = priority_scale_text();
  for (const char *band : {"0 ", "1..10", "11..15", "16..20", "preempt", "head"}) {
    EXPECT_NE(text.find(band), std::string_view::npos) << band;
  }
}

} // namespace
} // namespace scxx
