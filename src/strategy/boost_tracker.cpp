#include "strategy/boost_tracker.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace scxx {

namespace {

// `current` after the writes, into `out` (reserved by the caller): without
// the removed pids, with the written entries added or replacing theirs. All
// inputs ascending by pid.
void apply(const std::vector<ResolvedBoost> &current, const std::vector<int32_t> &removed,
           const std::vector<ResolvedBoost> &written, std::vector<ResolvedBoost> &out) {
  size_t r = 0;
  size_t w = 0;
  for (const ResolvedBoost &c : current) {
    while (w < written.size() && written[w].pid < c.pid) {
      out.push_back(written[w++]);
    }
    while (r < removed.size() && removed[r] < c.pid) {
      ++r;
    }
    if (w < written.size() && written[w].pid == c.pid) {
      out.push_back(written[w++]);
    } else if (r == removed.size() || removed[r] != c.pid) {
      out.push_back(c);
    }
  }
  out.insert(out.end(), written.begin() + static_cast<std::ptrdiff_t>(w), written.end());
}

} // namespace

std::vector<std::string> boost_problems(const BoostRound &round) {
  std::vector<std::string> lines;
  if (round.not_boosted() != 0) {
    lines.push_back(std::to_string(round.matched) + " threads match, the map holds " +
                    std::to_string(round.capacity) + ": " + std::to_string(round.not_boosted()) +
                    " not boosted (the lowest priorities)");
  }
  if (round.failed_upserts != 0 || round.failed_removals != 0) {
    lines.push_back(std::to_string(round.failed_upserts) + " of " +
                    std::to_string(round.upserted + round.failed_upserts) + " updates and " +
                    std::to_string(round.failed_removals) + " of " +
                    std::to_string(round.removed + round.failed_removals) + " removals failed (" +
                    std::strerror(round.first_errno) + "): retrying at the next scan");
  }
  return lines;
}

BoostTracker::BoostTracker(StrategyEngine engine, ProcScanner scanner, size_t capacity,
                           CgroupScanner cgroups)
    : engine_(std::move(engine)), scanner_(std::move(scanner)), capacity_(capacity),
      cgroups_(std::move(cgroups)) {}

std::vector<GroupBoost> BoostTracker::wanted_processes() const {
  std::vector<GroupBoost> out;
  if (!engine_.has_process_rules()) {
    return out;
  }
  for (const ThreadInfo &t : threads_) {
    if (t.pid != t.tgid) {
      continue; // the leader speaks for its process
    }
    if (const auto rule = engine_.match_process(t)) {
      ThreadInfo leader = t;
      if (scanner_.read_start(leader)) {
        const StrategyRule &r = engine_.rules()[*rule];
        out.push_back({static_cast<uint64_t>(t.tgid), r.priority, r.slice_ns, leader.start_ticks});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const GroupBoost &a, const GroupBoost &b) { return a.key < b.key; });
  return out;
}

std::vector<GroupBoost> BoostTracker::wanted_cgroups() const {
  std::vector<GroupBoost> out;
  const std::vector<std::string> prefixes = engine_.cgroup_prefixes();
  for (const CgroupDir &dir : cgroups_.scan(prefixes)) {
    if (const auto rule = engine_.match_cgroup(dir.path)) {
      const StrategyRule &r = engine_.rules()[*rule];
      out.push_back({dir.id, r.priority, r.slice_ns, 0});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const GroupBoost &a, const GroupBoost &b) { return a.key < b.key; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const GroupBoost &a, const GroupBoost &b) { return a.key == b.key; }),
            out.end());
  return out;
}

void BoostTracker::sync_groups(BoostSink &sink, BoostSink::Group group,
                               const std::vector<GroupBoost> &wanted,
                               std::vector<GroupBoost> &current, BoostRound &round) {
  const auto failed = [&round](int err) {
    if (round.first_errno == 0) {
      round.first_errno = err;
    }
  };
  std::vector<GroupBoost> next;
  next.reserve(wanted.size() + current.size());
  // Removals first: a full map has room for what replaces them.
  size_t w = 0;
  for (const GroupBoost &c : current) {
    while (w < wanted.size() && wanted[w].key < c.key) {
      ++w;
    }
    if (w < wanted.size() && wanted[w].key == c.key) {
      continue;
    }
    if (const int err = sink.remove_group(group, c.key); err != 0) {
      failed(err);
      ++round.failed_removals;
      next.push_back(c); // still held; tried again next time
    } else {
      ++round.group_removed;
    }
  }
  size_t c = 0;
  for (const GroupBoost &b : wanted) {
    while (c < current.size() && current[c].key < b.key) {
      ++c;
    }
    const bool held = c < current.size() && current[c].key == b.key;
    if (held && current[c] == b) {
      next.push_back(b);
      continue;
    }
    if (const int err = sink.upsert_group(group, b); err != 0) {
      failed(err);
      ++round.failed_upserts;
      if (held) {
        next.push_back(current[c]);
      }
    } else {
      ++round.group_upserted;
      next.push_back(b);
    }
  }
  std::sort(next.begin(), next.end(),
            [](const GroupBoost &a, const GroupBoost &b) { return a.key < b.key; });
  current.swap(next);
}

std::vector<ResolvedBoost> BoostTracker::wanted(BoostRound &round) {
  std::vector<ResolvedBoost> out;
  if (engine_.empty()) {
    threads_.clear();
    return out;
  }
  scanner_.scan(threads_, ScanOptions{engine_.needs_comm(), engine_.needs_cgroup()});
  round.threads_per_rule.assign(engine_.rules().size(), 0);
  for (ThreadInfo &t : threads_) {
    const auto rule = engine_.match(t);
    // Only matches need their start time; a thread gone since the scan
    // needs nothing.
    if (rule && scanner_.read_start(t)) {
      out.push_back(engine_.boost_for(t, *rule));
      ++round.threads_per_rule[*rule];
    }
  }
  StrategyEngine::sort_unique(out);
  round.matched = out.size();
  if (out.size() > capacity_) {
    const auto more_urgent = [](const ResolvedBoost &a, const ResolvedBoost &b) {
      return a.priority != b.priority ? a.priority > b.priority : a.pid < b.pid;
    };
    std::nth_element(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(capacity_), out.end(),
                     more_urgent);
    out.resize(capacity_);
    StrategyEngine::sort_unique(out);
  }
  return out;
}

BoostRound BoostTracker::refresh(BoostSink &sink) {
  BoostRound round;
  round.capacity = capacity_;
  const BoostDiff d = StrategyEngine::diff(current_, wanted(round));
  const auto failed = [&round](int err) {
    if (round.first_errno == 0) {
      round.first_errno = err;
    }
  };
  // Everything is allocated before the first write, so nothing can throw
  // between writing the map and recording what it holds.
  std::vector<int32_t> removed;
  removed.reserve(d.removals.size());
  std::vector<ResolvedBoost> written;
  written.reserve(d.upserts.size());
  std::vector<ResolvedBoost> next;
  next.reserve(current_.size() + d.upserts.size());
  // A failed removal stays recorded (the entry is still in the map) and is
  // tried again next time; a failed update leaves the previous entry, if
  // any, recorded.
  for (const int32_t pid : d.removals) {
    if (const int err = sink.remove(pid); err != 0) {
      failed(err);
      ++round.failed_removals;
    } else {
      removed.push_back(pid);
    }
  }
  for (const ResolvedBoost &b : d.upserts) {
    if (const int err = sink.upsert(b); err != 0) {
      failed(err);
      ++round.failed_upserts;
    } else {
      written.push_back(b);
    }
  }
  round.removed = removed.size();
  round.upserted = written.size();
  apply(current_, removed, written, next);
  current_.swap(next);
  round.held = current_.size();
  // The group entries come from the same scan (threads_), after the threads'
  // own: a thread's entry wins over its process's or cgroup's.
  sync_groups(sink, BoostSink::Group::kProcess, wanted_processes(), current_processes_, round);
  sync_groups(sink, BoostSink::Group::kCgroup, wanted_cgroups(), current_cgroups_, round);
  round.processes = current_processes_.size();
  round.cgroups = current_cgroups_.size();
  sink.group_counts(round.processes, round.cgroups);
  return round;
}

} // namespace scxx
