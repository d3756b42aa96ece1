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
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scxx {

namespace {

uint64_t ns_of_us(double us) {
  return static_cast<uint64_t>(std::llround(us * 1e3));
}
double us_of_ns(uint64_t ns) {
  return static_cast<double>(ns) / 1e3;
}

// The cost model's times: each an option in microseconds over one
// CostModel field.
struct CostOption {
  const char *flag;
  const char *help;
  uint64_t sim::CostModel::*ns;
};

const std::array kCostOptions{
    CostOption{"--agent-wakeup-us",
               "ring wake-up: from the first queued task to the sleeping agent running",
               &sim::CostModel::agent_wakeup_ns},
    CostOption{"--agent-step-us", "fixed cost of one agent loop iteration",
               &sim::CostModel::agent_step_ns},
    CostOption{"--agent-per-task-us", "agent cost per queued task received and per decision sent",
               &sim::CostModel::agent_per_task_ns},
    CostOption{"--context-switch-us", "cost of switching tasks",
               &sim::CostModel::context_switch_ns},
    CostOption{"--scxx-switch-us",
               "what sched_ext's callbacks add to each switch under scxx's policies (not under "
               "eevdf-model)",
               &sim::CostModel::scxx_switch_ns},
    CostOption{"--tick-us", "scheduler tick period (HZ=250)", &sim::CostModel::tick_ns},
    CostOption{"--noise-interval-us", "mean gap between background interruptions per CPU (0: none)",
               &sim::CostModel::noise_interval_ns},
    CostOption{"--noise-us", "length of one background interruption", &sim::CostModel::noise_ns},
    CostOption{"--timer-wakeup-us",
               "median delay of a timer's wake-up on its idle CPU until the task runs (the idle "
               "exit; each draws a spread around it)",
               &sim::CostModel::timer_wakeup_ns},
    CostOption{"--idle-wakeup-us",
               "median delay of a wake-up that sends a task to another, idle CPU until it runs "
               "there (the IPI and the idle exit)",
               &sim::CostModel::idle_wakeup_ns},
    CostOption{"--agent-kick-us",
               "median delay from a wake-up that needs the parked agent, every CPU busy, until "
               "the agent runs on the CPU it preempts (yield mode)",
               &sim::CostModel::agent_kick_ns},
    CostOption{"--agent-park-us",
               "how long the agent still holds its CPU after a step before it parks (yield "
               "mode: the yield and the kernel's dispatch on that CPU)",
               &sim::CostModel::agent_park_ns},
    CostOption{"--block-cpu-us",
               "CPU time a task spends each time it reaches a sleep, timer, suspend, barrier, "
               "wait or sync "
               "(the system call, the program's own work); not for --trace",
               &sim::CostModel::block_cpu_ns},
    CostOption{"--mem-us-per-mib", "CPU time of an rt-app mem or iorun event per MiB it writes",
               &sim::CostModel::mem_ns_per_mib},
};

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
  for (const CostOption &o : kCostOptions) {
    cost_us_.push_back(us_of_ns(c.*o.ns));
  }
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
  cmd_->add_flag("--agent-off-cpu", agent_off_cpu_,
                 "the agent runs on a CPU of its own outside the model (default: on a "
                 "simulated CPU, preempting a task when none is idle)")
      ->group(costs);
  for (size_t i = 0; i < kCostOptions.size(); ++i) {
    cmd_->add_option(kCostOptions[i].flag, cost_us_[i], kCostOptions[i].help)
        ->capture_default_str()
        ->group(costs);
  }
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
  auto check_time = [](const char *flag, double value) {
    if (!(value >= 0 && value < 1e12)) { // also refuses NaN
      std::ostringstream msg;
      msg << "sim: " << flag << " must be a time of 0 or more (below 1e12), not " << value;
      throw ConfigError(msg.str());
    }
  };
  for (size_t i = 0; i < kCostOptions.size(); ++i) {
    check_time(kCostOptions[i].flag, cost_us_[i]);
  }
  check_time("--slice-us", slice_us_);
  check_time("--slice-min-us", slice_min_us_);
  check_time("--idle-bound-ms", idle_bound_ms_);
  check_time("--warmup-ms", warmup_ms_);
  check_time("--starvation-bound-ms", starvation_bound_ms_);
  sim::SimSettings s = settings_;
  s.policy_config.slice_ns = ns_of_us(slice_us_);
  s.policy_config.slice_min_ns = ns_of_us(slice_min_us_);
  if (const auto problem = policy_config_problem(s.policy_config)) {
    throw ConfigError("sim: --slice-us/--slice-min-us: " + *problem);
  }
  s.kernel.slice_ns = s.policy_config.slice_ns;
  s.kernel.slice_min_ns = s.policy_config.slice_min_ns;
  s.kernel.fast_path = fast_path_;
  for (size_t i = 0; i < kCostOptions.size(); ++i) {
    s.costs.*kCostOptions[i].ns = ns_of_us(cost_us_[i]);
  }
  s.costs.agent_on_cpu = !agent_off_cpu_;
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
