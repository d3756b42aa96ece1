#include "config/settings_table.h"

#include "config/settings.h"

#include "policy/policy_factory.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace scxx {
namespace {

std::vector<SettingDesc> build() {
  using S = Settings;
  std::vector<SettingDesc> t;
  t.push_back({.path = "scheduler.policy",
               .flag = "-p,--policy",
               .help = "the scheduling policy (`scxx config --explain` describes each, "
                       "--policy-lib adds more)",
               .field = &S::policy,
               .choices = &policy_names});
  t.push_back({.path = "scheduler.kernel_mode",
               .flag = "-k,--kernel-mode",
               .help = "make every decision in BPF with the deadline policy, without the round "
                       "trip to the user-space agent (strategies still apply)",
               .field = &S::kernel_mode});
  t.push_back({.path = "scheduler.slice_us",
               .flag = "-s,--slice-us",
               .help = "the default time slice, in microseconds",
               .field = &S::slice_us,
               .min = 100,
               .max = 1000000});
  t.push_back({.path = "scheduler.slice_min_us",
               .flag = "-S,--slice-min-us",
               .help = "the shortest slice a task gets when many wait, in microseconds; must "
                       "not exceed scheduler.slice_us",
               .field = &S::slice_min_us,
               .min = 50,
               .max = 1000000});
  t.push_back({.path = "scheduler.partial",
               .flag = "--partial",
               .help = "only schedule tasks switched to SCHED_EXT; the others stay with the "
                       "kernel's default scheduler",
               .field = &S::partial});
  t.push_back({.path = "scheduler.fast_path",
               .flag = "--fast-path",
               .help = "a waking task that finds an idle CPU runs there without asking the agent, "
                       "while the agent holds no task and the shared queue is empty: `policy` "
                       "as the policy declares (every built-in one allows it), `on`, or `off` "
                       "(the policy places every task)",
               .field = &S::fast_path,
               .choices = &fast_path_names});
  t.push_back(
      {.path = "scheduler.agent_spin_us",
       .flag = "--agent-spin-us",
       .help =
           "before the agent sleeps waiting for tasks, it polls for this many "
           "microseconds while no decision is pending (0: it sleeps at once); trades "
           "the agent's CPU time for wake-up latency (experimental: it has not paid off yet, see "
           "docs/PERFORMANCE.md)",
       .field = &S::agent_spin_us,
       .min = 0,
       .max = 10000});
  t.push_back({.path = "scheduler.agent_wakeup",
               .flag = "--agent-wakeup",
               .help = "how the agent waits for tasks: `yield` gives its CPU back and BPF runs it "
                       "again when tasks are queued; `ring` sleeps on the ring buffer and BPF "
                       "notifies it (see docs/ARCHITECTURE.md)",
               .field = &S::agent_wakeup,
               .choices = &agent_wakeup_names});
  t.push_back({.path = "scheduler.max_run_ms",
               .flag = "--max-run-ms",
               .help = "tick watchdog: preempt a task that has run longer than this many "
                       "milliseconds without a break while others wait; 0 disables it",
               .field = &S::max_run_ms,
               .min = 0,
               .max = 60000});
  // At most 3 s: detection (plus one 100 ms heartbeat) and the take-back
  // stay well below the kernel's watchdog.
  t.push_back({.path = "scheduler.agent_timeout_ms",
               .flag = "--agent-timeout-ms",
               .help = "an agent that made no progress for this many milliseconds while tasks "
                       "waited for it is stalled (stopped, in a debugger, faulting, a policy "
                       "stuck in a loop): BPF then places every task itself until it moves "
                       "again; 0 never takes over",
               .field = &S::agent_timeout_ms,
               .min = 0,
               .max = 3000});
  t.push_back({.path = "scheduler.max_queued",
               .flag = "--max-queued",
               .help = "tasks the policy can hold at once (its fixed storage, allocated at start); "
                       "a task beyond that is placed by the agent loop on any CPU and counted as "
                       "overflow",
               .field = &S::max_queued,
               .min = 16,
               .max = 1 << 20});
  // At most 4 s: with the 100 ms scan that stays far below the kernel's watchdog.
  t.push_back({.path = "scheduler.starvation_ms",
               .flag = "--starvation-ms",
               .help = "guaranteed bound on waiting: a task that waited longer than this many "
                       "milliseconds in a queue of scxx is moved to a CPU's local queue and runs "
                       "next; 0 disables it; at most 4000",
               .field = &S::starvation_ms,
               .min = 0,
               .max = 4000});
  t.push_back({.path = "scheduler.stall_ms",
               .flag = "--stall-ms",
               .help = "liveness check: a runnable task that waited longer than this many "
                       "milliseconds is counted (long_waits) and recorded with where it waited",
               .field = &S::stall_ms,
               .min = 10,
               .max = 30000});
  t.push_back({.path = "scheduler.stall_abort",
               .flag = "--stall-abort",
               .help = "debugging: stop the scheduler at the first wait longer than stall_ms, "
                       "with a message naming the task and where it waited",
               .field = &S::stall_abort});
  t.push_back({.path = "scheduler.lock_memory",
               .flag = "--no-mlock",
               .help = "lock the agent's memory so page faults cannot stall scheduling",
               .field = &S::lock_memory,
               .negated = true,
               .flag_help = "do not lock the agent's memory (risks page-fault stalls)"});
  t.push_back({.path = "scheduler.forbid_mmap",
               .flag = "--forbid-mmap",
               .help = "seccomp filter: new anonymous mmaps of the agent fail with EPERM once "
                       "attached",
               .field = &S::forbid_mmap});
  t.push_back({.path = "stats.interval_s",
               .flag = "--stats",
               .help = "print live statistics every this many seconds; 0 turns them off",
               .field = &S::stats_interval_s,
               .min = 0,
               .max = 3600});
  t.push_back({.path = "api.socket",
               .flag = "--api-socket",
               .help = "Unix socket of the control API (`scxx ctl`), mode 0600, owned by the user "
                       "scxx runs as; empty turns it off",
               .field = &S::api_socket});
  t.push_back({.path = "api.listen",
               .flag = "--api-listen",
               .help = "also serve the control API over TLS on this host:port; needs "
                       "api.tls_cert, api.tls_key and api.client_ca or api.jwt_public_key "
                       "(never served without authentication); empty: no TCP",
               .field = &S::api_listen});
  t.push_back({.path = "api.tls_cert",
               .flag = "--api-tls-cert",
               .help = "PEM certificate (chain) the TCP listener presents",
               .field = &S::api_tls_cert});
  t.push_back({.path = "api.tls_key",
               .flag = "--api-tls-key",
               .help = "PEM private key of api.tls_cert",
               .field = &S::api_tls_key});
  t.push_back({.path = "api.client_ca",
               .flag = "--api-client-ca",
               .help = "PEM CA certificate(s): TCP clients must present a certificate signed by "
                       "it (mutual TLS)",
               .field = &S::api_client_ca});
  t.push_back({.path = "api.jwt_public_key",
               .flag = "--api-jwt-public-key",
               .help = "PEM public RSA key: TCP requests carry `Authorization: Bearer` RS256 "
                       "tokens signed by its private key, with exp and iss",
               .field = &S::api_jwt_public_key});
  t.push_back({.path = "api.jwt_issuer",
               .flag = "--api-jwt-issuer",
               .help = "the issuer (\"iss\" claim) every bearer token must name; required with "
                       "api.jwt_public_key",
               .field = &S::api_jwt_issuer});
  t.push_back({.path = "api.database",
               .flag = "--api-database",
               .help = "SQLite file keeping the strategies and settings changed through the API "
                       "across restarts; empty keeps them in memory only",
               .field = &S::api_database});
  t.push_back({.path = "api.max_strategies",
               .flag = "--api-max-strategies",
               .help = "most strategies the API holds (a pod intent counts once)",
               .field = &S::api_max_strategies,
               .min = 1,
               .max = 4096});
  t.push_back({.path = "",
               .flag = "--duration",
               .help = "stop after this many seconds; 0 runs until SIGINT or SIGTERM",
               .field = &S::duration_s,
               .min = 0,
               .max = std::numeric_limits<double>::infinity()});
  t.push_back(
      {.path = "", .flag = "-d,--debug", .help = "echo libbpf's debug output", .field = &S::debug});
  return t;
}

std::string text_of(bool v) {
  return v ? "true" : "false";
}
std::string text_of(uint64_t v) {
  return std::to_string(v);
}
std::string text_of(double v) {
  return format_number(v);
}
std::string text_of(const std::string &v) {
  return v;
}

} // namespace

const std::vector<SettingDesc> &settings_table() {
  static const std::vector<SettingDesc> table = build();
  return table;
}

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

std::string setting_text(const SettingDesc &d, const Settings &s) {
  return std::visit([&](auto member) { return text_of(s.*member); }, d.field);
}

void copy_setting(const SettingDesc &d, const Settings &from, Settings &to) {
  std::visit([&](auto member) { to.*member = from.*member; }, d.field);
}

} // namespace scxx
