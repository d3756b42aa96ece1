#include "daemon/helper_threads.h"

#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scxx {

std::jthread start_signal_waiter(LiveSession &live, const sigset_t &signals) {
  return std::jthread([&live, signals](const std::stop_token &token) {
    // Asked to end without a signal: wake sigwait with one of its own.
    const pthread_t self = pthread_self();
    const std::stop_callback on_stop(token, [self] { pthread_kill(self, SIGINT); });
    int sig = 0;
    sigwait(&signals, &sig);
    if (!token.stop_requested() && !live.stop.load()) {
      live.announce_signal(sig);
    }
    live.request_stop();
  });
}

std::jthread start_stats_printer(LiveSession &live, double interval_s) {
  return std::jthread([&live, interval_s](const std::stop_token &token) {
    std::unique_lock lock(live.mutex);
    BpfScheduler *sched = nullptr;
    StatsSample prev;
    while (!token.stop_requested() && !live.stop.load()) {
      live.wake.wait_for(lock, token, std::chrono::duration<double>(interval_s),
                         [&] { return live.stop.load(); });
      if (token.stop_requested() || live.stop.load() || live.sched == nullptr) {
        continue;
      }
      const StatsSample now = sample_stats(*live.sched);
      if (sched != live.sched) { // a new session: the CPU share starts at attach
        sched = live.sched;
        prev = live.at_attach;
      }
      std::printf("[scxx] t=%.0fs %s\n", now.t_s - live.at_attach.t_s,
                  format_stats_fields(now, live.at_attach, prev).c_str());
      std::fflush(stdout);
      prev = now;
    }
  });
}

namespace {
// A scan of a few thousand threads takes milliseconds; twice a second
// picks up a new matching process within half a second.
constexpr auto kStrategyScanPeriod = std::chrono::milliseconds(500);

// The scheduler's task_boosts map, written by the tracker.
class SchedulerBoosts final : public BoostSink {
public:
  explicit SchedulerBoosts(BpfScheduler &sched) : sched_(sched) {}
  int upsert(const ResolvedBoost &b) override {
    return sched_.set_boost(b.pid, b.priority, b.slice_ns, b.start_ticks);
  }
  int remove(int32_t pid) override { return sched_.clear_boost(pid); }
  int upsert_group(Group group, const GroupBoost &b) override {
    return sched_.set_group_boost(kind(group), b.key, b.priority, b.slice_ns, b.start_ticks);
  }
  int remove_group(Group group, uint64_t key) override {
    return sched_.clear_group_boost(kind(group), key);
  }
  void group_counts(size_t processes, size_t cgroups) override {
    sched_.set_group_boost_counts(static_cast<uint32_t>(processes), static_cast<uint32_t>(cgroups));
  }

private:
  static BpfScheduler::GroupKind kind(Group group) {
    return group == Group::kProcess ? BpfScheduler::GroupKind::kProcess
                                    : BpfScheduler::GroupKind::kCgroup;
  }
  BpfScheduler &sched_;
};

// Threads each rule decides for, as the scan found them.
std::vector<StrategyCoverage> coverage_of(const BoostRound &round) {
  std::vector<StrategyCoverage> out;
  for (size_t i = 0; i < round.threads_per_rule.size(); ++i) {
    out.push_back({i, round.threads_per_rule[i]});
  }
  return out;
}

// Prints what a round changed, and its problems when they differ from the
// last round's: one that persists is reported once, not twice a second.
void report(const BoostRound &round, std::vector<std::string> &last_problems) {
  if (round.changed()) {
    std::printf("[scxx] strategies: %zu threads boosted (+%zu -%zu), %zu processes and %zu "
                "cgroups for new threads\n",
                round.held, round.upserted, round.removed, round.processes, round.cgroups);
    std::fflush(stdout);
  }
  std::vector<std::string> problems = boost_problems(round);
  if (problems == last_problems) {
    return;
  }
  for (const std::string &line : problems) {
    std::fprintf(stderr, "[scxx] strategies: %s\n", line.c_str());
  }
  if (problems.empty()) {
    std::fprintf(stderr, "[scxx] strategies: every matching thread is boosted again\n");
  }
  last_problems = std::move(problems);
}
} // namespace

std::jthread start_strategy_applier(LiveSession &live, std::vector<StrategyRule> rules) {
  {
    const std::lock_guard lock(live.mutex);
    live.rules = std::move(rules);
  }
  return std::jthread([&live](const std::stop_token &token) {
    std::unique_lock lock(live.mutex);
    uint64_t generation = live.rules_generation;
    BoostTracker tracker(StrategyEngine(live.rules), ProcScanner("/proc"));
    std::vector<std::string> last_problems;
    while (!token.stop_requested() && !live.stop.load()) {
      if (live.rules_generation != generation) {
        // New rules, valid (the control plane checked them): the next
        // refresh deletes what only the old ones boosted.
        generation = live.rules_generation;
        tracker.set_engine(StrategyEngine(live.rules));
      }
      if (live.sched != nullptr) {
        if (live.reloaded) {
          tracker.reset();
          live.reloaded = false;
        }
        try {
          SchedulerBoosts boosts(*live.sched);
          const BoostRound round = tracker.refresh(boosts);
          live.coverage = coverage_of(round);
          report(round, last_problems);
        } catch (const std::exception &e) {
          // Thrown before any map write (a scan, out of memory): the
          // tracker still knows what the map holds.
          std::fprintf(stderr, "[scxx] strategies: %s (retrying)\n", e.what());
        }
      }
      live.wake.wait_for(lock, token, kStrategyScanPeriod, [&] {
        return live.stop.load() || (live.reloaded && live.sched != nullptr) ||
               live.rules_generation != generation;
      });
    }
  });
}

std::jthread start_stop_timer(LiveSession &live, double seconds) {
  return std::jthread([&live, seconds](const std::stop_token &token) {
    {
      std::unique_lock lock(live.mutex);
      if (live.wake.wait_for(lock, token, std::chrono::duration<double>(seconds),
                             [&] { return live.stop.load(); })) {
        return; // stopped before the time was up
      }
    }
    if (!token.stop_requested()) {
      live.request_stop();
    }
  });
}

} // namespace scxx
