// BoostTracker: keeps the BPF "task_boosts" map equal to what the strategy
// rules resolve to, twice a second. It records an entry only once the map
// took it, so what it holds is always what the map holds: a failed write is
// retried by the next refresh, not forgotten, and a thread that stops
// matching (or a rule removed) is deleted from the map.
#pragma once

#include "strategy/strategy.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace scxx {

// Where the entries go: the BPF map in the daemon, a fake in tests. Each
// call returns 0 or the errno of the failed write (it does not throw);
// removing an entry the map does not hold succeeds.
class BoostSink {
public:
  enum class Group { kProcess, kCgroup };
  virtual ~BoostSink() = default;
  virtual int upsert(const ResolvedBoost &boost) = 0;
  virtual int remove(int32_t pid) = 0;
  // Entries by process (key: tgid) or cgroup (key: cgroup id), for threads
  // the scan has not seen yet (RuleScope).
  virtual int upsert_group(Group group, const GroupBoost &boost) = 0;
  virtual int remove_group(Group group, uint64_t key) = 0;
  // How many group entries of each kind the sink holds now.
  virtual void group_counts(size_t processes, size_t cgroups) = 0;
};

// What one refresh did.
struct BoostRound {
  size_t matched = 0;  // matching threads seen
  size_t capacity = 0; // most entries the map holds
  size_t held = 0;     // entries in the map now
  size_t upserted = 0;
  size_t removed = 0;
  size_t failed_upserts = 0;
  size_t failed_removals = 0;
  int first_errno = 0;       // of the first failed write
  size_t group_upserted = 0; // process and cgroup entries written
  size_t group_removed = 0;  // and deleted
  size_t processes = 0;      // process entries held after the round
  size_t cgroups = 0;        // cgroup entries held after the round
  // Per rule (index into the rules): threads it decides for in this scan.
  std::vector<uint64_t> threads_per_rule;

  [[nodiscard]] bool changed() const {
    return upserted != 0 || removed != 0 || group_upserted != 0 || group_removed != 0;
  }
  [[nodiscard]] size_t not_boosted() const { return matched > capacity ? matched - capacity : 0; }
};

// The round's problems for the log, one line each (without a prefix): more
// matches than the map holds, failed writes. Empty when there is none.
std::vector<std::string> boost_problems(const BoostRound &round);

class BoostTracker {
public:
  BoostTracker(StrategyEngine engine, ProcScanner scanner, size_t capacity = kMaxBoostedTasks,
               CgroupScanner cgroups = CgroupScanner());

  // Scans, resolves and writes the difference to `sink`: removals first, so
  // a full map has room for what replaces them. When more threads match
  // than the map holds, the highest priorities (then lowest ids) get it.
  BoostRound refresh(BoostSink &sink);
  // The entries the map holds, ascending by pid.
  [[nodiscard]] const std::vector<ResolvedBoost> &current() const { return current_; }
  [[nodiscard]] const StrategyEngine &engine() const { return engine_; }
  // New rules: the next refresh() deletes what only the old ones boosted.
  void set_engine(StrategyEngine engine) { engine_ = std::move(engine); }
  // Forget the applied state after the BPF map was recreated (empty): the
  // next refresh() upserts every match again.
  void reset() {
    current_.clear();
    current_processes_.clear();
    current_cgroups_.clear();
  }
  // The group entries the sink holds, ascending by key.
  [[nodiscard]] const std::vector<GroupBoost> &current_processes() const {
    return current_processes_;
  }
  [[nodiscard]] const std::vector<GroupBoost> &current_cgroups() const { return current_cgroups_; }

private:
  // The entries the map should hold, ascending by pid.
  std::vector<ResolvedBoost> wanted(BoostRound &round);
  // The group entries wanted, ascending by key (from the last scan).
  [[nodiscard]] std::vector<GroupBoost> wanted_processes() const;
  [[nodiscard]] std::vector<GroupBoost> wanted_cgroups() const;
  // Brings `current` (as the sink holds it) to `wanted` for one group kind.
  void sync_groups(BoostSink &sink, BoostSink::Group group, const std::vector<GroupBoost> &wanted,
                   std::vector<GroupBoost> &current, BoostRound &round);

  StrategyEngine engine_;
  ProcScanner scanner_;
  size_t capacity_;
  std::vector<ThreadInfo> threads_; // reused between scans
  std::vector<ResolvedBoost> current_;
  CgroupScanner cgroups_;
  std::vector<GroupBoost> current_processes_;
  std::vector<GroupBoost> current_cgroups_;
};

} // namespace scxx
