// Priority strategies: rules that pick threads (by thread id, process id,
// command name or cgroup) and give them a priority on the one scale of
// bpf/intf.h ("Priority strategies"), optionally with their own time slice.
// The daemon scans /proc twice a second, resolves the rules and pushes what
// changed into the BPF "task_boosts" map keyed by thread id (BoostTracker,
// boost_tracker.h).
//
// No libbpf here: everything works on plain values so it can be unit tested
// against a fake /proc tree.
#pragma once

#include "intf.h"

#include <cstdint>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scxx {

inline constexpr uint32_t kStrategyPrioNone = SCXX_PRIO_NONE;
inline constexpr uint32_t kStrategyPrioMax = SCXX_PRIO_MAX;
// Most entries the kernel side holds; resolve() may return more, BoostTracker
// then writes the highest priorities and reports the rest.
inline constexpr size_t kMaxBoostedTasks = SCXX_MAX_BOOSTED_TASKS;
// A strategy's own slice, when given, lies in this range.
inline constexpr uint64_t kStrategySliceMinNs = 50ULL * 1000;
inline constexpr uint64_t kStrategySliceMaxNs = 1000ULL * 1000 * 1000;
// Bounds of a comm regex, checked before std::regex sees it. A command name
// has at most 15 characters, so no bound refuses a useful pattern; they keep
// what a rule costs to compile and to match small (matching takes time
// linear in the pattern's size once its counts are written out: at this
// bound a few milliseconds per thread at worst), and keep libstdc++ (GCC 12) from
// overflowing a signed long while it reads a long count
// ("a{99999999999999999999}") or a back-reference number.
inline constexpr size_t kCommRegexMaxLength = 256;   // characters as written
inline constexpr size_t kCommRegexMaxElements = 256; // with every {n,m} written out
inline constexpr uint64_t kCommRegexMaxNumber = 255; // a {n,m} count or back-reference

// One rule. It matches a thread when every selector it gives matches; a rule
// without any selector is invalid.
//  pid            the thread id (the kernel's pid)
//  tgid           the process id
//  comm_regex     ECMAScript regex searched (std::regex_search) in the
//                 thread's command name: "nginx" matches anywhere, anchor
//                 with ^ and $ for an exact match ("^nginx$"); no
//                 back-references
//  cgroup_prefix  plain string prefix of the thread's cgroup v2 path (the
//                 "0::" line of /proc/<tgid>/task/<tid>/cgroup); end it with
//                 '/' to match only below a directory
struct StrategyRule {
  std::optional<int32_t> pid;
  std::optional<int32_t> tgid;
  std::optional<std::string> comm_regex;
  std::optional<std::string> cgroup_prefix;
  uint32_t priority = 0; // 0..kStrategyPrioMax
  uint64_t slice_ns = 0; // 0: the policy's slice, else [50 us, 1 s]
  std::string name;      // optional, for messages
};

class StrategyError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// What a rule selects as a whole, so that BPF can boost a thread the scan
// has not seen yet (bpf/intf.h, "process_boosts" and "cgroup_boosts"):
//  kProcess  tgid without pid and comm: every thread of the process (a
//            cgroup prefix, if given, is checked on the process's leader);
//  kCgroup   cgroup_prefix alone: every thread in a matching cgroup;
//  kThreads  anything else: only the threads the scan finds.
enum class RuleScope { kThreads, kProcess, kCgroup };
RuleScope rule_scope(const StrategyRule &rule);

// A boost for a whole process (key: tgid, start_ticks: its leader's start)
// or cgroup (key: cgroup id, the directory's inode number).
struct GroupBoost {
  uint64_t key = 0;
  uint32_t priority = 0;
  uint64_t slice_ns = 0;
  uint64_t start_ticks = 0;

  friend bool operator==(const GroupBoost &, const GroupBoost &) = default;
};

// A cgroup v2 directory: its path below the mount ("/system.slice/x") and id.
struct CgroupDir {
  std::string path;
  uint64_t id = 0;
};

// Lists the cgroup directories under a cgroup v2 mount whose path starts
// with one of `prefixes`, without descending where none can match.
// Directories that vanish meanwhile are skipped.
class CgroupScanner {
public:
  explicit CgroupScanner(std::string root = "/sys/fs/cgroup");
  [[nodiscard]] std::vector<CgroupDir> scan(const std::vector<std::string> &prefixes) const;

private:
  std::string root_;
};

// What a scan knows about one thread.
struct ThreadInfo {
  int32_t pid = 0;          // thread id
  int32_t tgid = 0;         // process id
  std::string comm;         // without the trailing newline
  std::string cgroup;       // cgroup v2 path ("/system.slice/x.service"), "" if unknown
  uint64_t start_ticks = 0; // start, clock ticks since boot (ProcScanner::read_start)
};

// One entry of the task_boosts map.
struct ResolvedBoost {
  int32_t pid = 0; // thread id
  uint32_t priority = 0;
  uint64_t slice_ns = 0;
  uint64_t start_ticks = 0; // which thread with that id (bpf/intf.h)

  friend bool operator==(const ResolvedBoost &, const ResolvedBoost &) = default;
};

// What to change in the map to go from one resolution to the next.
struct BoostDiff {
  std::vector<ResolvedBoost> upserts; // new or changed entries, by pid
  std::vector<int32_t> removals;      // pids no longer boosted, ascending

  [[nodiscard]] bool empty() const { return upserts.empty() && removals.empty(); }
};

// "rule 2 (\"web\")" or "rule 2": how messages name a rule (0-based index).
std::string describe_rule(const StrategyRule &rule, size_t index);

// Why a comm regex is refused (past the bounds above, a back-reference, or
// it does not compile), or nullopt when it is accepted.
std::optional<std::string> regex_problem(const std::string &pattern);

// The problem with a rule (without naming it), or nullopt when it is valid.
std::optional<std::string> rule_problem(const StrategyRule &rule);

// The meaning of the priority scale, one line per band (from bpf/intf.h).
std::string_view priority_scale_text();

class StrategyEngine {
public:
  StrategyEngine() = default;
  // Throws StrategyError naming the first invalid rule.
  explicit StrategyEngine(std::vector<StrategyRule> rules);

  [[nodiscard]] const std::vector<StrategyRule> &rules() const { return rules_; }
  [[nodiscard]] bool empty() const { return rules_.empty(); }
  // Whether any rule looks at the command name / the cgroup, so a scan can
  // skip reading files nobody needs.
  [[nodiscard]] bool needs_comm() const { return needs_comm_; }
  [[nodiscard]] bool needs_cgroup() const { return needs_cgroup_; }

  // The rule that decides for a thread: the matching one with the highest
  // priority, the first in order on a tie. Returns its index in rules().
  [[nodiscard]] std::optional<size_t> match(const ThreadInfo &thread) const;

  // One entry per matching thread, ascending by pid.
  [[nodiscard]] std::vector<ResolvedBoost> resolve(const std::vector<ThreadInfo> &threads) const;
  // The rule of scope kProcess that decides for a process, given its leader
  // (highest priority first, as match()).
  [[nodiscard]] std::optional<size_t> match_process(const ThreadInfo &leader) const;
  // The rule of scope kCgroup that decides for a cgroup path.
  [[nodiscard]] std::optional<size_t> match_cgroup(std::string_view path) const;
  // The prefixes of the rules of scope kCgroup.
  [[nodiscard]] std::vector<std::string> cgroup_prefixes() const;
  [[nodiscard]] bool has_process_rules() const { return has_process_rules_; }

  // The entry for a thread that rules()[rule] decides.
  [[nodiscard]] ResolvedBoost boost_for(const ThreadInfo &thread, size_t rule) const;
  // Sorts by pid and keeps one entry per pid (a thread listed twice by a
  // racy scan).
  static void sort_unique(std::vector<ResolvedBoost> &boosts);

  // The changes that turn the map holding `old` into one holding `now`.
  // Inputs need not be sorted; a pid appearing twice keeps its last entry.
  [[nodiscard]] static BoostDiff diff(const std::vector<ResolvedBoost> &old,
                                      const std::vector<ResolvedBoost> &now);

private:
  struct Compiled {
    size_t index; // into rules_
    std::optional<std::regex> comm;
  };
  [[nodiscard]] bool matches(const Compiled &c, const ThreadInfo &thread) const;

  std::vector<StrategyRule> rules_;
  std::vector<Compiled> order_; // by priority descending, then rule order
  bool needs_comm_ = false;
  bool needs_cgroup_ = false;
  bool has_process_rules_ = false;
};

struct ScanOptions {
  bool read_comm = true;
  bool read_cgroup = true;
};

// Enumerates the threads under a /proc root (/proc/<tgid>/task/<tid>/).
// Processes and threads that vanish during the scan are skipped silently.
class ProcScanner {
public:
  explicit ProcScanner(std::string proc_root = "/proc");

  [[nodiscard]] const std::string &root() const { return root_; }
  [[nodiscard]] std::vector<ThreadInfo> scan(const ScanOptions &options = {}) const;
  // Same, reusing `out`'s storage (it is cleared first).
  void scan(std::vector<ThreadInfo> &out, const ScanOptions &options = {}) const;
  // Reads the thread's start time into thread.start_ticks (a scan leaves it
  // 0: only matching threads need it). False when the thread is gone, or
  // its id now belongs to a thread with another command name than the scan
  // saw (the id was reused in between).
  bool read_start(ThreadInfo &thread) const;

private:
  std::string root_;
};

} // namespace scxx
