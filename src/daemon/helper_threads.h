// The helper threads of `scxx run`, each a std::jthread that ends when its
// stop is requested (or the session's `stop`), so leaving run_scheduler's
// scope joins them all in order.
#pragma once

#include "daemon/live_session.h"
#include "strategy/boost_tracker.h"

#include <signal.h>

#include <functional>
#include <thread>
#include <vector>

namespace scxx {

// Waits for SIGINT or SIGTERM (blocked in every thread by the caller, with
// `signals` the set) and requests the session's stop.
std::jthread start_signal_waiter(LiveSession &live, const sigset_t &signals);

// Prints the stats line every `interval_s` while a scheduler is attached.
std::jthread start_stats_printer(LiveSession &live, double interval_s);

// Twice a second, and at once when LiveSession::rules change: resolves the
// strategy rules against /proc and /sys/fs/cgroup and pushes what changed
// into the scheduler's boost maps; reports a failed write or more matches
// than the map holds (BoostTracker). `rules` are the first ones.
std::jthread start_strategy_applier(LiveSession &live, std::vector<StrategyRule> rules);

// Requests the session's stop after `seconds`.
std::jthread start_stop_timer(LiveSession &live, double seconds);

} // namespace scxx
