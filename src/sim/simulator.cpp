#include "sim/simulator.h"

#include "policy/policy_factory.h"
#include "policy/policy_registry.h"
#include "sim/eevdf_model.h"
#include "sim/machine.h"
#include "sim/recorded_side.h"
#include "sim/scxx_kernel.h"
#include "sim/sim_topology.h"

#include <stdexcept>

namespace scxx::sim {

namespace {

RunResult collect(Machine &m, const KernelSide &side, std::string_view policy,
                  const SimSettings &s) {
  RunResult r;
  r.policy = std::string(policy);
  r.duration_ns = s.duration_ns;
  r.cpus = m.nr_cpus();
  r.classes = m.metrics().summarize(m.task_totals());
  r.busy_ns = m.busy_ns();
  r.overhead_ns = m.overhead_ns();
  r.agent_ns = m.agent_ns();
  r.counters = side.counters();
  r.violation_count = m.invariants().total();
  for (const auto &[rule, n] : m.invariants().counts()) {
    r.violations_by_rule[rule_name(rule)] = n;
  }
  r.violations = m.invariants().described();
  for (const SimTask &t : m.tasks()) {
    r.tasks.push_back(TaskCpu{.name = t.name,
                              .cls = t.cls(),
                              .cpu_ns = t.cpu_ns,
                              .recorded_cpu_ns = t.tmpl->recorded_cpu_ns,
                              .finished = t.state == TaskState::kDead});
  }
  if (s.keep_samples) {
    r.wake_samples = m.metrics().wake_samples();
  }
  r.timeline = m.timeline();
  return r;
}

} // namespace

PolicyContext sim_policy_context(std::string_view policy, const SimSettings &settings) {
  const PolicyInfo *info = find_policy(policy);
  if (info == nullptr) {
    throw std::invalid_argument("unknown policy '" + std::string(policy) + "' (known: " +
                                policy_names_text() + ", " + std::string(kEevdfModel) + ")");
  }
  PolicyContext ctx;
  ctx.config = settings.policy_config;
  ctx.topology = make_topology(settings.shape);
  for (const PolicyOptionSpec &o : info->options) {
    ctx.options[o.key] = o.default_value;
  }
  return ctx;
}

RunResult simulate_policy(const Workload &workload, Policy &policy, PolicyContext &context,
                          const SimSettings &settings) {
  validate(workload, settings.shape.cpus);
  Machine m(workload, make_topology(settings.shape), settings);
  ScxxKernel side(m, policy, context);
  m.set_side(side);
  m.run(settings.duration_ns);
  return collect(m, side, policy.name(), settings);
}

RunResult simulate(const Workload &workload, std::string_view policy, const SimSettings &settings) {
  if (policy == kEevdfModel) {
    validate(workload, settings.shape.cpus);
    Machine m(workload, make_topology(settings.shape), settings);
    EevdfModel side(m);
    m.set_side(side);
    m.run(settings.duration_ns);
    return collect(m, side, policy, settings);
  }
  if (policy == kRecordedPolicy) {
    if (workload.recorded_cpus == 0) {
      throw WorkloadError(workload.source + ": the '" + std::string(kRecordedPolicy) +
                          "' policy replays a trace's own schedule: give a trace (--trace)");
    }
    if (workload.recorded_cpus > settings.shape.cpus) {
      throw WorkloadError(workload.source + ": the trace ran on " +
                          std::to_string(workload.recorded_cpus) + " CPUs; the '" +
                          std::string(kRecordedPolicy) + "' policy needs --cpus " +
                          std::to_string(workload.recorded_cpus) + " or more");
    }
    validate(workload, settings.shape.cpus);
    Machine m(workload, make_topology(settings.shape), settings);
    RecordedSide side(m);
    m.set_side(side);
    m.run(settings.duration_ns);
    return collect(m, side, policy, settings);
  }
  PolicyContext ctx = sim_policy_context(policy, settings);
  const std::unique_ptr<Policy> p = make_policy(policy, ctx);
  RunResult r = simulate_policy(workload, *p, ctx, settings);
  r.policy = std::string(policy);
  return r;
}

} // namespace scxx::sim
