#include "strategy/strategy.h"

#include <algorithm>
#include <utility>

namespace scxx {

namespace {

// libstdc++ matches ECMAScript by backtracking by default: "(a*)*c" takes
// seconds on a 15-character name and each more level of nesting multiplies
// that, while the agent matches every thread twice a second. Its
// breadth-first executor (the __polynomial extension) takes time linear in
// the name times the pattern and gives the same answer to regex_search; it
// refuses back-references, which a command name does not need.
#if defined(__GLIBCXX__)
constexpr auto kRegexFlags =
    std::regex::ECMAScript | std::regex::optimize | std::regex_constants::__polynomial;
#else
#error "the comm regex needs libstdc++'s polynomial-time executor (see above)"
#endif

std::regex compile_regex(const std::string &pattern) {
  return std::regex(pattern, kRegexFlags);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The first number in `pattern` that std::regex would read as a repetition
// count ({n}, {n,}, {n,m}) or a back-reference (\n) and that exceeds
// kCommRegexMaxNumber, as written; nullopt when there is none. Brackets are
// skipped (a '{' or digits in [...] are characters there).
std::optional<std::string> first_number_too_large(const std::string &pattern) {
  // The digits starting at `pos`, when they form a number above the bound.
  auto too_large_at = [&](size_t pos) -> std::optional<std::string> {
    size_t end = pos;
    uint64_t value = 0;
    while (end < pattern.size() && is_digit(pattern[end])) {
      value = std::min<uint64_t>(value * 10 + static_cast<uint64_t>(pattern[end] - '0'),
                                 kCommRegexMaxNumber + 1);
      ++end;
    }
    if (value > kCommRegexMaxNumber) {
      return pattern.substr(pos, end - pos);
    }
    return std::nullopt;
  };
  bool in_brackets = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (!in_brackets && i + 1 < pattern.size() && is_digit(pattern[i + 1])) {
        if (auto n = too_large_at(i + 1)) {
          return n;
        }
      }
      ++i; // the escaped character
    } else if (in_brackets) {
      in_brackets = c != ']';
    } else if (c == '[') {
      in_brackets = true;
    } else if (c == '{') {
      for (size_t j = i + 1; j < pattern.size() && pattern[j] != '}'; ++j) {
        if (is_digit(pattern[j]) && !is_digit(pattern[j - 1])) {
          if (auto n = too_large_at(j)) {
            return n;
          }
        }
      }
    }
  }
  return std::nullopt;
}

// How many elements `pattern` has once every {n,m} count is written out,
// as the regex library expands it into states; counting stops past
// kCommRegexMaxElements. An invalid pattern gets some count: std::regex
// refuses it afterwards.
constexpr size_t kElementsCap = kCommRegexMaxElements + 1;

size_t expanded_elements(const std::string &pattern) {
  const auto add = [](size_t a, size_t b) { return std::min(a + b, kElementsCap); };
  const auto mul = [](size_t a, size_t b) {
    return b != 0 && a > kElementsCap / b ? kElementsCap : a * b;
  };
  const auto number_at = [&](size_t &pos) {
    size_t n = 0;
    for (; pos < pattern.size() && is_digit(pattern[pos]); ++pos) {
      n = std::min(n * 10 + static_cast<size_t>(pattern[pos] - '0'), kElementsCap);
    }
    return n;
  };
  std::vector<size_t> enclosing; // the totals outside each open group
  size_t total = 0;
  size_t last = 0; // the element a count applies to
  for (size_t i = 0; i < pattern.size() && total < kElementsCap; ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
      last = 1;
      total = add(total, 1);
    } else if (c == '[') {
      for (++i; i < pattern.size() && pattern[i] != ']'; ++i) {
        i += pattern[i] == '\\' ? 1 : 0;
      }
      last = 1;
      total = add(total, 1);
    } else if (c == '(') {
      enclosing.push_back(total);
      total = 0;
      if (i + 2 < pattern.size() && pattern[i + 1] == '?') {
        i += 2; // (?: (?= (?!
      }
    } else if (c == ')' && !enclosing.empty()) {
      last = add(total, 2);
      total = add(enclosing.back(), last);
      enclosing.pop_back();
    } else if (c == '{') {
      size_t pos = i + 1;
      const size_t min = number_at(pos);
      size_t max = min;
      if (pos < pattern.size() && pattern[pos] == ',') {
        ++pos;
        max = pos < pattern.size() && is_digit(pattern[pos]) ? number_at(pos) : add(min, 1);
      }
      const size_t copies = std::max<size_t>({min, max, 1});
      total = add(total - std::min(total, last), mul(last, copies));
      last = mul(last, copies);
      i = pos < pattern.size() && pattern[pos] == '}' ? pos : i;
    } else {
      last = 1;
      total = add(total, 1);
    }
  }
  for (const size_t outer : enclosing) {
    total = add(total, outer);
  }
  return total;
}

bool pid_less(const ResolvedBoost &a, const ResolvedBoost &b) {
  return a.pid < b.pid;
}

// Sorted by pid, one entry per pid (the last one given wins).
std::vector<ResolvedBoost> normalized(const std::vector<ResolvedBoost> &in) {
  std::vector<ResolvedBoost> out(in);
  std::stable_sort(out.begin(), out.end(), pid_less);
  std::vector<ResolvedBoost> unique;
  unique.reserve(out.size());
  for (const auto &b : out) {
    if (!unique.empty() && unique.back().pid == b.pid) {
      unique.back() = b;
    } else {
      unique.push_back(b);
    }
  }
  return unique;
}

} // namespace

RuleScope rule_scope(const StrategyRule &rule) {
  if (rule.tgid && !rule.pid && !rule.comm_regex) {
    return RuleScope::kProcess;
  }
  if (rule.cgroup_prefix && !rule.pid && !rule.tgid && !rule.comm_regex) {
    return RuleScope::kCgroup;
  }
  return RuleScope::kThreads;
}

std::string describe_rule(const StrategyRule &rule, size_t index) {
  std::string s = "rule " + std::to_string(index);
  if (!rule.name.empty()) {
    s += " (\"" + rule.name + "\")";
  }
  return s;
}

std::optional<std::string> regex_problem(const std::string &pattern) {
  if (pattern.size() > kCommRegexMaxLength) {
    return "the regular expression has " + std::to_string(pattern.size()) +
           " characters, more than " + std::to_string(kCommRegexMaxLength) +
           " (a command name has at most 15)";
  }
  if (auto number = first_number_too_large(pattern)) {
    return "invalid regular expression \"" + pattern + "\": the count or group number " + *number +
           " is larger than " + std::to_string(kCommRegexMaxNumber);
  }
  if (expanded_elements(pattern) > kCommRegexMaxElements) {
    return "the regular expression \"" + pattern + "\" is too large: with its counts written " +
           "out it has more than " + std::to_string(kCommRegexMaxElements) + " elements";
  }
  try {
    (void)compile_regex(pattern);
  } catch (const std::regex_error &e) {
    if (e.code() == std::regex_constants::error_complexity) { // what __polynomial refuses
      return "invalid regular expression \"" + pattern + "\": back-references are not supported";
    }
    return "invalid regular expression \"" + pattern + "\": " + e.what();
  }
  return std::nullopt;
}

std::optional<std::string> rule_problem(const StrategyRule &rule) {
  if (!rule.pid && !rule.tgid && !rule.comm_regex && !rule.cgroup_prefix) {
    return std::string("no selector: give at least one of pid, tgid, comm, cgroup");
  }
  if (rule.pid && *rule.pid <= 0) {
    return "pid " + std::to_string(*rule.pid) + " is not a valid thread id";
  }
  if (rule.tgid && *rule.tgid <= 0) {
    return "tgid " + std::to_string(*rule.tgid) + " is not a valid process id";
  }
  if (rule.comm_regex) {
    if (rule.comm_regex->empty()) {
      return std::string("the comm regex is empty");
    }
    if (auto problem = regex_problem(*rule.comm_regex)) {
      return problem;
    }
  }
  if (rule.cgroup_prefix && (rule.cgroup_prefix->empty() || rule.cgroup_prefix->front() != '/')) {
    return "cgroup prefix \"" + *rule.cgroup_prefix + "\" must start with '/'";
  }
  if (rule.priority > kStrategyPrioMax) {
    return "priority " + std::to_string(rule.priority) + " is out of range [0, " +
           std::to_string(kStrategyPrioMax) + "]";
  }
  if (rule.slice_ns != 0 &&
      (rule.slice_ns < kStrategySliceMinNs || rule.slice_ns > kStrategySliceMaxNs)) {
    return "slice " + std::to_string(rule.slice_ns) + " ns is out of range [" +
           std::to_string(kStrategySliceMinNs) + ", " + std::to_string(kStrategySliceMaxNs) +
           "] ns (or 0 for the policy's slice)";
  }
  return std::nullopt;
}

std::string_view priority_scale_text() {
  return "0        no boost (the default for every task)\n"
         "1..10    fairness boost: the task's virtual time advances (100 - 5 * priority)%\n"
         "         as fast (95% .. 50%), so it gets a larger share of the CPU than equal\n"
         "         competitors\n"
         "11..15   urgent: queued at the head of its CPU's local queue\n"
         "16..20   urgent and preemptive: preempts the task running on the target CPU\n"
         "Higher always means more; the same scale applies in user and kernel mode.\n";
}

StrategyEngine::StrategyEngine(std::vector<StrategyRule> rules) : rules_(std::move(rules)) {
  order_.reserve(rules_.size());
  for (size_t i = 0; i < rules_.size(); ++i) {
    const StrategyRule &rule = rules_[i];
    if (auto problem = rule_problem(rule)) {
      throw StrategyError("strategy " + describe_rule(rule, i) + ": " + *problem);
    }
    Compiled c{i, std::nullopt};
    if (rule.comm_regex) {
      c.comm = compile_regex(*rule.comm_regex);
      needs_comm_ = true;
    }
    if (rule.cgroup_prefix) {
      needs_cgroup_ = true;
    }
    if (rule_scope(rule) == RuleScope::kProcess) {
      has_process_rules_ = true;
    }
    order_.push_back(std::move(c));
  }
  // The first match in this order is the highest priority, earliest rule.
  std::stable_sort(order_.begin(), order_.end(), [this](const Compiled &a, const Compiled &b) {
    return rules_[a.index].priority > rules_[b.index].priority;
  });
}

bool StrategyEngine::matches(const Compiled &c, const ThreadInfo &thread) const {
  const StrategyRule &rule = rules_[c.index];
  // Cheapest selectors first.
  if (rule.pid && *rule.pid != thread.pid) {
    return false;
  }
  if (rule.tgid && *rule.tgid != thread.tgid) {
    return false;
  }
  if (rule.cgroup_prefix && !std::string_view(thread.cgroup).starts_with(*rule.cgroup_prefix)) {
    return false;
  }
  if (c.comm && !std::regex_search(thread.comm, *c.comm)) {
    return false;
  }
  return true;
}

std::optional<size_t> StrategyEngine::match(const ThreadInfo &thread) const {
  for (const Compiled &c : order_) {
    if (matches(c, thread)) {
      return c.index;
    }
  }
  return std::nullopt;
}

std::vector<ResolvedBoost> StrategyEngine::resolve(const std::vector<ThreadInfo> &threads) const {
  std::vector<ResolvedBoost> out;
  if (order_.empty()) {
    return out;
  }
  for (const ThreadInfo &t : threads) {
    if (auto index = match(t)) {
      out.push_back(boost_for(t, *index));
    }
  }
  sort_unique(out);
  return out;
}

std::optional<size_t> StrategyEngine::match_process(const ThreadInfo &leader) const {
  for (const Compiled &c : order_) {
    if (rule_scope(rules_[c.index]) == RuleScope::kProcess && matches(c, leader)) {
      return c.index;
    }
  }
  return std::nullopt;
}

std::optional<size_t> StrategyEngine::match_cgroup(std::string_view path) const {
  for (const Compiled &c : order_) {
    const StrategyRule &rule = rules_[c.index];
    if (rule_scope(rule) == RuleScope::kCgroup && path.starts_with(*rule.cgroup_prefix)) {
      return c.index;
    }
  }
  return std::nullopt;
}

std::vector<std::string> StrategyEngine::cgroup_prefixes() const {
  std::vector<std::string> out;
  for (const StrategyRule &rule : rules_) {
    if (rule_scope(rule) == RuleScope::kCgroup) {
      out.push_back(*rule.cgroup_prefix);
    }
  }
  return out;
}

ResolvedBoost StrategyEngine::boost_for(const ThreadInfo &thread, size_t rule) const {
  return {thread.pid, rules_[rule].priority, rules_[rule].slice_ns, thread.start_ticks};
}

void StrategyEngine::sort_unique(std::vector<ResolvedBoost> &boosts) {
  std::sort(boosts.begin(), boosts.end(), pid_less);
  boosts.erase(
      std::unique(boosts.begin(), boosts.end(),
                  [](const ResolvedBoost &a, const ResolvedBoost &b) { return a.pid == b.pid; }),
      boosts.end());
}

BoostDiff StrategyEngine::diff(const std::vector<ResolvedBoost> &old,
                               const std::vector<ResolvedBoost> &now) {
  const std::vector<ResolvedBoost> a = normalized(old);
  const std::vector<ResolvedBoost> b = normalized(now);
  BoostDiff d;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].pid < b[j].pid)) {
      d.removals.push_back(a[i].pid);
      ++i;
    } else if (i == a.size() || b[j].pid < a[i].pid) {
      d.upserts.push_back(b[j]);
      ++j;
    } else {
      if (!(a[i] == b[j])) {
        d.upserts.push_back(b[j]);
      }
      ++i;
      ++j;
    }
  }
  return d;
}

} // namespace scxx
