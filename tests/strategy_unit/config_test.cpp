#include "config/config.h"
#include "temp_dir.h"

#include <gtest/gtest.h>

#include <string>

namespace scxx {
namespace {

// The message of the ConfigError parse_config throws, or "" if it does not.
std::string error_of(const std::string &yaml) {
  try {
    (void)parse_config(yaml, "test.yaml");
  } catch (const ConfigError &e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "\"" << (haystack) << "\" lacks \"" << (needle) << "\""

TEST(Config, EmptyTextGivesDefaults) {
  for (const char *text : {"", "# only a comment\n", "scheduler:\nstats:\nstrategies:\n"}) {
    Config c = parse_config(text, "empty.yaml");
    EXPECT_EQ(c.settings.policy, "gthulhu");
    EXPECT_FALSE(c.settings.kernel_mode);
    EXPECT_EQ(c.settings.slice_us, 20000U);
    EXPECT_EQ(c.settings.slice_min_us, 1000U);
    EXPECT_FALSE(c.settings.partial);
    EXPECT_EQ(c.settings.fast_path, "policy");
    EXPECT_EQ(c.settings.agent_wakeup, "yield");
    EXPECT_EQ(c.settings.max_run_ms, 500U);
    EXPECT_EQ(c.settings.starvation_ms, 250U);
    EXPECT_EQ(c.settings.stall_ms, 1000U);
    EXPECT_FALSE(c.settings.stall_abort);
    EXPECT_TRUE(c.settings.lock_memory);
    EXPECT_FALSE(c.settings.forbid_mmap);
    EXPECT_EQ(c.settings.stats_interval_s, 0.0);
    EXPECT_TRUE(c.strategies.empty());
  }
}

TEST(Config, EveryKeyIsRead) {
  Config c = parse_config(R"(
scheduler:
  policy: vtime
  kernel_mode: true
  slice_us: 30000
  slice_min_us: 30000
  partial: true
  fast_path: off
  agent_wakeup: ring
  max_run_ms: 0
  starvation_ms: 0
  stall_ms: 200
  stall_abort: true
  lock_memory: false
  forbid_mmap: true
stats:
  interval_s: 2.5
strategies:
  - name: web
    match: {pid: 1234, tgid: 1230, comm: "^nginx", cgroup: "/system.slice/nginx.service"}
    priority: 15
    slice_us: 5000
  - match:
      comm: postgres
    priority: 0
)",
                          "full.yaml");
  EXPECT_EQ(c.settings.policy, "vtime");
  EXPECT_TRUE(c.settings.kernel_mode);
  EXPECT_EQ(c.settings.slice_us, 30000U);
  EXPECT_EQ(c.settings.slice_min_us, 30000U);
  EXPECT_TRUE(c.settings.partial);
  EXPECT_EQ(c.settings.fast_path, "off");
  EXPECT_EQ(c.settings.agent_wakeup, "ring");
  EXPECT_EQ(c.settings.max_run_ms, 0U);
  EXPECT_EQ(c.settings.starvation_ms, 0U);
  EXPECT_EQ(c.settings.stall_ms, 200U);
  EXPECT_TRUE(c.settings.stall_abort);
  EXPECT_FALSE(c.settings.lock_memory);
  EXPECT_TRUE(c.settings.forbid_mmap);
  EXPECT_DOUBLE_EQ(c.settings.stats_interval_s, 2.5);
  ASSERT_EQ(c.strategies.size(), 2U);
  const StrategyRule &web = c.strategies[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.pid, std::optional<int32_t>(1234));
  EXPECT_EQ(web.tgid, std::optional<int32_t>(1230));
  EXPECT_EQ(web.comm_regex, std::optional<std::string>("^nginx"));
  EXPECT_EQ(web.cgroup_prefix, std::optional<std::string>("/system.slice/nginx.service"));
  EXPECT_EQ(web.priority, 15U);
  EXPECT_EQ(web.slice_ns, 5000000U);
  const StrategyRule &pg = c.strategies[1];
  EXPECT_EQ(pg.name, "");
  EXPECT_FALSE(pg.pid.has_value());
  EXPECT_EQ(pg.comm_regex, std::optional<std::string>("postgres"));
  EXPECT_EQ(pg.priority, 0U);
  EXPECT_EQ(pg.slice_ns, 0U);
}

TEST(Config, UnknownKeys) {
  std::string top = error_of("scheduler:\n  slice_us: 100\nschedular:\n  partial: true\n");
  EXPECT_CONTAINS(top,
                  "test.yaml:3: schedular: unknown key (known: scheduler, stats, api, policies, "
                  "strategies)");

  std::string nested = error_of("scheduler:\n  slice_usx: 20000\n");
  EXPECT_CONTAINS(nested, "test.yaml:2: scheduler.slice_usx: unknown key (known: policy, "
                          "kernel_mode, slice_us,");
  EXPECT_CONTAINS(nested, "forbid_mmap)");

  std::string in_rule = error_of("strategies:\n  - match: {pid: 1}\n    priority: 1\n"
                                 "    prio: 2\n");
  EXPECT_CONTAINS(in_rule, "test.yaml:4: strategies[0].prio: unknown key (known: name, match, "
                           "priority, slice_us)");

  std::string in_match = error_of("strategies:\n  - match: {pid: 1}\n    priority: 1\n"
                                  "  - match: {exe: foo}\n    priority: 1\n");
  EXPECT_CONTAINS(in_match,
                  "strategies[1].match.exe: unknown key (known: pid, tgid, comm, cgroup)");
}

// A quoted key spanning lines is no name: the message says so on one line
// instead of printing the key as if it were a path.
TEST(Config, KeysThatAreNoNamesAreRefusedAsSuch) {
  std::string top = error_of("\"sched\\nuler\": 1\n");
  EXPECT_CONTAINS(top, "test.yaml:1: keys must be plain names, got \"sched\\nuler\"");
  std::string nested = error_of("scheduler:\n  \"slice us\": 5\n");
  EXPECT_CONTAINS(nested, "test.yaml:2: scheduler: keys must be plain names, got \"slice us\"");
}

TEST(Config, OutOfRangeNamesTheRange) {
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us: 5\n"),
                  "test.yaml:2: scheduler.slice_us: 5 is out of range [100, 1000000]");
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_min_us: 49\n"),
                  "scheduler.slice_min_us: 49 is out of range [50, 1000000]");
  EXPECT_CONTAINS(error_of("scheduler:\n  max_run_ms: 60001\n"),
                  "scheduler.max_run_ms: 60001 is out of range [0, 60000]");
  EXPECT_CONTAINS(error_of("scheduler:\n  max_run_ms: -1\n"),
                  "scheduler.max_run_ms: -1 is out of range [0, 60000]");
  EXPECT_CONTAINS(error_of("stats:\n  interval_s: 3600.5\n"),
                  "stats.interval_s: 3600.5 is out of range [0, 3600]");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {pid: 1}\n    priority: 21\n"),
                  "test.yaml:3: strategies[0].priority: 21 is out of range [0, 20]");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {pid: 1}\n    priority: 2\n"
                           "    slice_us: 1000001\n"),
                  "strategies[0].slice_us: 1000001 is out of range [50, 1000000]");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {pid: 0}\n    priority: 2\n"),
                  "strategies[0].match.pid: 0 is out of range [1, 4194304]");
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us: 99999999999999999999999\n"),
                  "is out of range [100, 1000000]");
}

TEST(Config, WrongTypes) {
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us: fast\n"),
                  "test.yaml:2: scheduler.slice_us: expected an integer in [100, 1000000], got "
                  "\"fast\"");
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us: 2.5\n"), "expected an integer");
  EXPECT_CONTAINS(error_of("scheduler:\n  partial: maybe\n"),
                  "scheduler.partial: expected a boolean (true or false), got \"maybe\"");
  EXPECT_CONTAINS(error_of("scheduler:\n  partial: [true]\n"),
                  "scheduler.partial: expected a boolean (true or false), got a list");
  EXPECT_CONTAINS(error_of("scheduler: fast\n"), "scheduler: expected a mapping, got \"fast\"");
  EXPECT_CONTAINS(error_of("strategies:\n  web: 1\n"), "strategies: expected a list, got a "
                                                       "mapping");
  EXPECT_CONTAINS(error_of("strategies:\n  - 5\n"), "strategies[0]: expected a mapping");
  EXPECT_CONTAINS(error_of("stats:\n  interval_s: soon\n"),
                  "stats.interval_s: expected a number in [0, 3600], got \"soon\"");
  EXPECT_CONTAINS(error_of("- 1\n- 2\n"), "the top level must be a mapping");
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us:\n"), "scheduler.slice_us: expected an "
                                                         "integer in [100, 1000000], got "
                                                         "nothing");
}

TEST(Config, SliceMinAboveSlice) {
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us: 2000\n  slice_min_us: 3000\n"),
                  "test.yaml:3: scheduler.slice_min_us: 3000 must not exceed "
                  "scheduler.slice_us (2000)");
  // Only slice_us given, below the default minimum.
  EXPECT_CONTAINS(error_of("scheduler:\n  slice_us: 500\n"),
                  "test.yaml:2: scheduler.slice_min_us: 1000 must not exceed "
                  "scheduler.slice_us (500)");
}

TEST(Config, BadPolicyListsTheKnownOnes) {
  EXPECT_CONTAINS(error_of("scheduler:\n  policy: cfs\n"),
                  "test.yaml:2: scheduler.policy: \"cfs\" is not one of fifo, gthulhu, vtime");
}

TEST(Config, StrategyErrors) {
  EXPECT_CONTAINS(error_of("strategies:\n  - name: x\n    match: {}\n    priority: 3\n"),
                  "test.yaml:3: strategies[0].match: give at least one selector (pid, tgid, "
                  "comm, cgroup)");
  EXPECT_CONTAINS(error_of("strategies:\n  - name: x\n    priority: 3\n"),
                  "test.yaml:2: strategies[0]: missing required key \"match\"");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {pid: 3}\n"),
                  "strategies[0]: missing required key \"priority\"");
  std::string regex = error_of("strategies:\n  - match: {pid: 3}\n    priority: 1\n"
                               "  - match: {comm: \"(nginx\"}\n    priority: 1\n");
  EXPECT_CONTAINS(regex, "test.yaml:4: strategies[1].match.comm: invalid regular expression "
                         "\"(nginx\"");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {comm: \"" + std::string(300, 'x') +
                           "\"}\n    priority: 1\n"),
                  "test.yaml:2: strategies[0].match.comm: the regular expression has 300 "
                  "characters, more than 256");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {comm: \"a{0,99999999999999999999}\"}\n"
                           "    priority: 1\n"),
                  "test.yaml:2: strategies[0].match.comm: invalid regular expression "
                  "\"a{0,99999999999999999999}\": the count or group number");
  EXPECT_CONTAINS(error_of("strategies:\n  - match: {cgroup: system.slice}\n    priority: 1\n"),
                  "strategies[0].match.cgroup: \"system.slice\" must start with '/'");
}

// Found by tests/fuzz/config_fuzz.cpp: a NUL in a key cut the message off
// before the reason.
TEST(Config, ControlCharactersAreEscapedInMessages) {
  EXPECT_CONTAINS(error_of(std::string("scheduler:\n  \"slice\\0_us\\e\": 5\n")),
                  "test.yaml:2: scheduler: keys must be plain names, got \"slice\\x00_us\\x1b\"");
  EXPECT_CONTAINS(error_of(std::string("scheduler:\n  policy: \"fi\\nfo\"\n")),
                  "scheduler.policy: \"fi\\nfo\" is not one of");
}

TEST(Config, DuplicateKeyAndSyntaxErrors) {
  EXPECT_CONTAINS(error_of("scheduler:\n  partial: true\n  partial: false\n"),
                  "test.yaml:3: scheduler.partial: duplicate key");
  std::string syntax = error_of("scheduler:\n  slice_us: [1, 2\n");
  EXPECT_CONTAINS(syntax, "test.yaml:");
  EXPECT_CONTAINS(syntax, "invalid YAML");
}

TEST(Config, LoadsFilesAndReportsMissingOnes) {
  test::TempDir dir;
  dir.write("scxx.yaml", "scheduler:\n  policy: fifo\n  slice_us: 7000\n");
  std::string path = (dir.path() / "scxx.yaml").string();
  Config c = load_config_file(path);
  EXPECT_EQ(c.settings.policy, "fifo");
  EXPECT_EQ(c.settings.slice_us, 7000U);

  dir.write("bad.yaml", "stats:\n  interval_s: 9999\n");
  std::string bad = (dir.path() / "bad.yaml").string();
  try {
    (void)load_config_file(bad);
    FAIL() << "accepted an out-of-range value";
  } catch (const ConfigError &e) {
    EXPECT_CONTAINS(e.what(), bad + ":2: stats.interval_s: 9999 is out of range [0, 3600]");
  }

  std::string missing = (dir.path() / "missing.yaml").string();
  try {
    (void)load_config_file(missing);
    FAIL() << "loaded a missing file";
  } catch (const ConfigError &e) {
    EXPECT_CONTAINS(e.what(), missing + ": cannot open the configuration file");
    EXPECT_CONTAINS(e.what(), "No such file");
  }
}

TEST(Config, ExampleFileParses) {
  Config c = load_config_file(SCXX_EXAMPLE_CONFIG);
  EXPECT_EQ(c.settings.policy, "gthulhu");
  ASSERT_EQ(c.strategies.size(), 3U);
  EXPECT_EQ(c.strategies[0].name, "web");
  EXPECT_EQ(c.strategies[0].slice_ns, 5000000U);
  EXPECT_EQ(c.strategies[1].priority, 18U);
  // The compiled-in copy is the same file.
  Config embedded = parse_config(std::string(example_config_text()), "example");
  EXPECT_EQ(embedded.strategies.size(), 3U);
  StrategyEngine engine(embedded.strategies);
  EXPECT_EQ(engine.match(ThreadInfo{1, 1, "pipewire", "/user.slice"}), std::optional<size_t>(1));
}

TEST(Config, ExplainMentionsEveryKey) {
  const std::string text = explain_config();
  const std::vector<std::string> keys = config_key_paths();
  // The table holds exactly the documented keys.
  EXPECT_EQ(keys, (std::vector<std::string>{"scheduler",
                                            "scheduler.policy",
                                            "scheduler.kernel_mode",
                                            "scheduler.slice_us",
                                            "scheduler.slice_min_us",
                                            "scheduler.partial",
                                            "scheduler.fast_path",
                                            "scheduler.agent_spin_us",
                                            "scheduler.agent_wakeup",
                                            "scheduler.max_run_ms",
                                            "scheduler.agent_timeout_ms",
                                            "scheduler.max_queued",
                                            "scheduler.starvation_ms",
                                            "scheduler.stall_ms",
                                            "scheduler.stall_abort",
                                            "scheduler.lock_memory",
                                            "scheduler.forbid_mmap",
                                            "stats",
                                            "stats.interval_s",
                                            "api",
                                            "api.socket",
                                            "api.listen",
                                            "api.tls_cert",
                                            "api.tls_key",
                                            "api.client_ca",
                                            "api.jwt_public_key",
                                            "api.jwt_issuer",
                                            "api.database",
                                            "api.max_strategies",
                                            "policies",
                                            "policies.gthulhu",
                                            "policies.gthulhu.shortest_slice_pct",
                                            "strategies",
                                            "strategies[].name",
                                            "strategies[].match",
                                            "strategies[].match.pid",
                                            "strategies[].match.tgid",
                                            "strategies[].match.comm",
                                            "strategies[].match.cgroup",
                                            "strategies[].priority",
                                            "strategies[].slice_us"}));
  for (const auto &k : keys) {
    EXPECT_CONTAINS(text, "\n  " + k + "\n");
  }
  EXPECT_CONTAINS(text, "range [100, 1000000], default: 20000");
  EXPECT_CONTAINS(text, "one of: fifo | gthulhu | vtime, default: gthulhu");
  EXPECT_CONTAINS(text, "range [0, 60000], default: 500");
  EXPECT_CONTAINS(text, "type: boolean, default: true");
  EXPECT_CONTAINS(text, "range [0, 20], required");
  EXPECT_CONTAINS(text, "16..20   urgent and preemptive");
  EXPECT_CONTAINS(text, "\n  gthulhu\n    deadlines: ");
  EXPECT_CONTAINS(text, "Example:");
  EXPECT_CONTAINS(text, "  - name: audio");
}

TEST(Config, PolicyOptionsAreCheckedAgainstWhatThePolicyDeclares) {
  const Config c = parse_config("policies:\n  gthulhu:\n    shortest_slice_pct: 40\n", "test.yaml");
  EXPECT_EQ(c.policy_options.at("gthulhu").at("shortest_slice_pct"), 40);
  EXPECT_CONTAINS(error_of("policies:\n  gthulhu:\n    shortest_slice_pct: 0\n"),
                  "test.yaml:3: policies.gthulhu.shortest_slice_pct: 0 is out of range [1, 100]");
  EXPECT_CONTAINS(error_of("policies:\n  gthulhu:\n    lead: 3\n"),
                  "test.yaml:3: policies.gthulhu.lead: unknown key (known: shortest_slice_pct)");
  EXPECT_CONTAINS(error_of("policies:\n  lottery:\n    x: 1\n"),
                  "test.yaml:2: policies.lottery: unknown key (known: gthulhu)");
  EXPECT_CONTAINS(explain_config(), "\n  policies.gthulhu.shortest_slice_pct\n    type: number, "
                                    "range [1, 100], default: 25\n");
}

} // namespace
} // namespace scxx
