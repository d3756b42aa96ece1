#include "daemon/sim_command.h"

#include "config/config.h"
#include "daemon/policy_library.h"
#include "policy/policy_factory.h"
#include "policy/policy_registry.h"
#include "sim/plot.h"
#include "sim/recorded_side.h"
#include "sim/report.h"
#include "sim/sim_topology.h"
#include "sim/simulator.h"
#include "sim/workload_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace scxx {

namespace {

uint64_t ns_of_us(double us) {
  return static_cast<uint64_t>(std::llround(us * 1e3));
}
double us_of_ns(uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}

std::vector<std::string> split_names(const std::string &list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (!name.empty()) {
      out.push_back(name);
    }
  }
  return out;
}

} // namespace

SimCommand::SimCommand(CLI::App &app)
    : cmd_(app.add_subcommand(
          "sim",
          "run a workload on a simulated machine under one or more policies and compare "
          "them: every registered policy runs unmodified through the real agent loop; "
          "`eevdf-model` is a model of the kernel's default scheduler (docs/SIMULATOR.md)")) {
  const sim::SimSettings d;
  const sim::CostModel &c = d.costs;
  settings_ = d;
  slice_us_ = us_of_ns(d.policy_config.slice_ns);
  slice_min_us_ = us_of_ns(d.policy_config.slice_min_ns);
  agent_wakeup_us_ = us_of_ns(c.agent_wakeup_ns);
  agent_step_us_ = us_of_ns(c.agent_step_ns);
  agent_per_task_us_ = us_of_ns(c.agent_per_task_ns);
  context_switch_us_ = us_of_ns(c.context_switch_ns);
  tick_us_ = us_of_ns(c.tick_ns);
  noise_interval_us_ = us_of_ns(c.noise_interval_ns);
  noise_us_ = us_of_ns(c.noise_ns);
  timer_wakeup_us_ = us_of_ns(c.timer_wakeup_ns);
  idle_wakeup_us_ = us_of_ns(c.idle_wakeup_ns);
  block_cpu_us_ = us_of_ns(c.block_cpu_ns);
  scxx_switch_us_ = us_of_ns(c.scxx_switch_ns);
  idle_bound_ms_ = static_cast<double>(d.bounds.idle_while_waiting_ns) / 1e6;
  starvation_bound_ms_ = static_cast<double>(d.bounds.starvation_ns) / 1e6;

  CLI::Option *workload =
      cmd_->add_option("-w,--workload", workload_,
                       "workload file: rt-app JSON (*.json) or scxx YAML (*.yaml, *.yml)")
          ->check(CLI::ExistingFile);
  CLI::Option *trace =
      cmd_->add_option("--trace", trace_,
                       "replay a recorded trace: `perf script` text of `perf sched record` "
                       "(sched_switch, sched_waking/wakeup(_new), sched_process_fork/exit); "
                       "recorded waits are dropped, wake-ups chained to their waker; "
                       "--cpus defaults to the trace's CPUs")
          ->check(CLI::ExistingFile)
          ->excludes(workload);
  workload->excludes(trace);
  cmd_->add_option("-p,--policy", policies_,
                   "policies to compare, comma separated: registered ones (" + policy_names_text() +
                       ", and those of --policy-lib), eevdf-model and, for a --trace, "
                       "recorded (the trace's own decisions: same CPU, same order); "
                       "default: all of them");
  cmd_->add_option("--policy-lib", policy_libs_,
                   "load policies from a shared library (as `scxx run --policy-lib`); may be "
                   "repeated")
      ->check(CLI::ExistingFile);
  cmd_->add_option("--cpus", settings_.shape.cpus, "simulated CPUs")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd_->add_option("--smt", settings_.shape.smt, "hardware threads per core")
      ->capture_default_str()
      ->check(CLI::Range(1, 8));
  cmd_->add_option("--cpus-per-llc", settings_.shape.cpus_per_llc,
                   "CPUs sharing a last-level cache (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  cmd_->add_option("-s,--seconds", seconds_,
                   "simulated seconds (default: the workload's duration, else " +
                       std::to_string(d.duration_ns / 1000000000) + ")")
      ->check(CLI::Range(0.001, 3600.0));
  cmd_->add_option("--seed", settings_.seed, "seed of the random numbers (sleep jitter, noise)")
      ->capture_default_str();
  cmd_->add_option("--json", json_, "also write every number as JSON to FILE (- for stdout)");
  cmd_->add_option("--plot", plot_dir_,
                   "also draw PNGs into DIR with gnuplot: per policy, the wake-up latency CDF "
                   "of each task class and a per-CPU timeline of which class ran when");
  cmd_->add_option("--plot-seconds", plot_seconds_,
                   "how many simulated seconds the timeline plot shows")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  cmd_->add_option("--warmup-ms", warmup_ms_,
                   "count wake-up latencies and run-queue delays only from this time on (leaves "
                   "a start-up transient out; CPU time, switches and invariants cover the run)")
      ->capture_default_str();
  cmd_->add_flag("--fail-on-violation", fail_on_violation_,
                 "exit with status 3 when a run broke an invariant");

  const std::string costs = "Cost model (defaults measured in the VM; docs/SIMULATOR.md)";
  cmd_->add_option("--slice-us", slice_us_, "policies' default slice")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--slice-min-us", slice_min_us_, "policies' minimum slice")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--agent-wakeup", settings_.kernel.agent_wakeup,
                   "how the agent waits (as `scxx run --agent-wakeup`): yield (parked in BPF, "
                   "run by the next dispatch on any CPU; a sync wake-up kicks no CPU) or ring "
                   "(sleeps on the ring, woken after --agent-wakeup-us)")
      ->check(CLI::IsMember(agent_wakeup_names()))
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--agent-wakeup-us", agent_wakeup_us_,
                   "ring wake-up: from the first queued task to the sleeping agent running")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--agent-step-us", agent_step_us_, "fixed cost of one agent loop iteration")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--agent-per-task-us", agent_per_task_us_,
                   "agent cost per queued task received and per decision sent")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_flag("--agent-off-cpu", agent_off_cpu_,
                 "the agent runs on a CPU of its own outside the model (default: on a "
                 "simulated CPU, preempting a task when none is idle)")
      ->group(costs);
  cmd_->add_option("--context-switch-us", context_switch_us_, "cost of switching tasks")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--scxx-switch-us", scxx_switch_us_,
                   "what sched_ext's callbacks add to each switch under scxx's policies (not "
                   "under eevdf-model)")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--tick-us", tick_us_, "scheduler tick period (HZ=250)")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--noise-interval-us", noise_interval_us_,
                   "mean gap between background interruptions per CPU (0: none)")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--noise-us", noise_us_, "length of one background interruption")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--timer-wakeup-us", timer_wakeup_us_,
                   "median delay of a timer's wake-up on its idle CPU until the task runs "
                   "(the idle exit; each draws a spread around it)")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--idle-wakeup-us", idle_wakeup_us_,
                   "median delay of a wake-up that sends a task to another, idle CPU until it "
                   "runs there (the IPI and the idle exit)")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--block-cpu-us", block_cpu_us_,
                   "CPU time a task spends each time it reaches a sleep, timer, suspend or "
                   "barrier (the system call, the program's own work); not for --trace")
      ->capture_default_str()
      ->group(costs);
  cmd_->add_option("--fast-path", fast_path_,
                   "waking tasks that find an idle CPU skip the agent while it holds nothing "
                   "(as `scxx run --fast-path`): policy (as the policy declares), on, off")
      ->check(CLI::IsMember(fast_path_names()))
      ->capture_default_str()
      ->group(costs);
  const std::string bounds = "Invariant bounds";
  cmd_->add_option("--idle-bound-ms", idle_bound_ms_,
                   "longest a CPU may idle while a task that may use it waits")
      ->capture_default_str()
      ->group(bounds);
  cmd_->add_option("--starvation-bound-ms", starvation_bound_ms_,
                   "longest a runnable task may wait")
      ->capture_default_str()
      ->group(bounds);
}

int SimCommand::run() {
  for (const std::string &lib : policy_libs_) {
    load_policy_library(lib);
  }
  for (const auto &[flag, value] : std::initializer_list<std::pair<const char *, double>>{
           {"--slice-us", slice_us_},
           {"--slice-min-us", slice_min_us_},
           {"--agent-wakeup-us", agent_wakeup_us_},
           {"--agent-step-us", agent_step_us_},
           {"--agent-per-task-us", agent_per_task_us_},
           {"--context-switch-us", context_switch_us_},
           {"--tick-us", tick_us_},
           {"--noise-interval-us", noise_interval_us_},
           {"--noise-us", noise_us_},
           {"--timer-wakeup-us", timer_wakeup_us_},
           {"--idle-wakeup-us", idle_wakeup_us_},
           {"--block-cpu-us", block_cpu_us_},
           {"--scxx-switch-us", scxx_switch_us_},
           {"--idle-bound-ms", idle_bound_ms_},
           {"--warmup-ms", warmup_ms_},
           {"--starvation-bound-ms", starvation_bound_ms_}}) {
    if (!(value >= 0 && value < 1e12)) { // also refuses NaN
      std::ostringstream msg;
      msg << "sim: " << flag << " must be a time of 0 or more (below 1e12), not " << value;
      throw ConfigError(msg.str());
    }
  }
  sim::SimSettings s = settings_;
  s.policy_config.slice_ns = ns_of_us(slice_us_);
  s.policy_config.slice_min_ns = ns_of_us(slice_min_us_);
  if (const auto problem = policy_config_problem(s.policy_config)) {
    throw ConfigError("sim: --slice-us/--slice-min-us: " + *problem);
  }
  s.kernel.slice_ns = s.policy_config.slice_ns;
  s.kernel.slice_min_ns = s.policy_config.slice_min_ns;
  s.kernel.fast_path = fast_path_;
  s.costs.agent_wakeup_ns = ns_of_us(agent_wakeup_us_);
  s.costs.agent_step_ns = ns_of_us(agent_step_us_);
  s.costs.agent_per_task_ns = ns_of_us(agent_per_task_us_);
  s.costs.agent_on_cpu = !agent_off_cpu_;
  s.costs.context_switch_ns = ns_of_us(context_switch_us_);
  s.costs.tick_ns = ns_of_us(tick_us_);
  s.costs.noise_interval_ns = ns_of_us(noise_interval_us_);
  s.costs.noise_ns = ns_of_us(noise_us_);
  s.costs.timer_wakeup_ns = ns_of_us(timer_wakeup_us_);
  s.costs.idle_wakeup_ns = ns_of_us(idle_wakeup_us_);
  s.costs.block_cpu_ns = ns_of_us(block_cpu_us_);
  s.costs.scxx_switch_ns = ns_of_us(scxx_switch_us_);
  s.bounds.idle_while_waiting_ns = ns_of_us(idle_bound_ms_ * 1e3);
  s.bounds.starvation_ns = ns_of_us(starvation_bound_ms_ * 1e3);
  if (s.costs.tick_ns == 0) {
    throw ConfigError("sim: --tick-us must be above 0");
  }
  try {
    sim::make_topology(s.shape);
  } catch (const std::invalid_argument &e) {
    throw ConfigError(std::string("sim: ") + e.what());
  }

  if (workload_.empty() == trace_.empty()) {
    throw ConfigError("sim: give a workload (--workload FILE) or a trace (--trace FILE)");
  }
  sim::Workload workload;
  try {
    if (!trace_.empty()) {
      workload = sim::load_trace_file(trace_);
      if (cmd_->get_option("--cpus")->count() == 0) {
        s.shape.cpus = workload.recorded_cpus;
      }
    } else {
      workload = sim::load_workload_file(workload_);
    }
    sim::validate(workload, s.shape.cpus);
  } catch (const sim::WorkloadError &e) {
    throw ConfigError(e.what());
  }
  if (seconds_ > 0) {
    s.duration_ns = static_cast<uint64_t>(std::llround(seconds_ * 1e9));
  } else if (workload.duration_ns) {
    s.duration_ns = *workload.duration_ns;
  }
  s.warmup_ns = ns_of_us(warmup_ms_ * 1e3);
  if (s.warmup_ns >= s.duration_ns) {
    throw ConfigError("sim: --warmup-ms must be shorter than the run (" +
                      std::to_string(s.duration_ns / 1000000) + " ms)");
  }

  std::vector<std::string> names = split_names(policies_);
  if (names.empty()) {
    names = policy_names();
    names.emplace_back(sim::kEevdfModel);
    if (!trace_.empty()) {
      names.emplace_back(sim::kRecordedPolicy);
    }
  }
  for (const std::string &name : names) {
    if (name == sim::kRecordedPolicy && trace_.empty()) {
      throw ConfigError("sim: --policy: '" + name +
                        "' replays a trace's own schedule: give "
                        "--trace");
    }
    if (name != sim::kEevdfModel && name != sim::kRecordedPolicy && find_policy(name) == nullptr) {
      throw ConfigError("sim: --policy: unknown policy '" + name + "' (known: " +
                        policy_names_text() + ", " + std::string(sim::kEevdfModel) + ")");
    }
  }
  if (!plot_dir_.empty()) {
    s.keep_samples = true;
    s.timeline_ns = std::min(s.duration_ns, ns_of_us(plot_seconds_ * 1e6));
  }
  std::vector<sim::RunResult> runs;
  for (const std::string &name : names) {
    try {
      runs.push_back(sim::simulate(workload, name, s));
    } catch (const sim::WorkloadError &e) {
      throw ConfigError(e.what());
    }
  }
  const sim::ReportHeader header{.workload = trace_.empty() ? workload_ : trace_,
                                 .machine = sim::describe(s.shape),
                                 .seed = s.seed,
                                 .duration_ns = s.duration_ns,
                                 .warmup_ns = s.warmup_ns};
  std::fputs(sim::format_table(header, runs).c_str(), stdout);
  if (!json_.empty()) {
    const std::string json = sim::format_json(header, runs);
    if (json_ == "-") {
      std::fputs(json.c_str(), stdout);
    } else {
      std::ofstream out(json_);
      out << json;
      if (!out) {
        throw std::runtime_error("sim: cannot write " + json_);
      }
    }
  }
  if (!plot_dir_.empty()) {
    try {
      for (const std::string &png : sim::write_plots(plot_dir_, runs, s.timeline_ns)) {
        std::printf("plot: %s\n", png.c_str());
      }
    } catch (const sim::PlotError &e) {
      throw std::runtime_error(e.what());
    }
  }
  bool violated = false;
  for (const sim::RunResult &r : runs) {
    violated = violated || r.violation_count != 0;
  }
  return fail_on_violation_ && violated ? 3 : 0;
}

} // namespace scxx
