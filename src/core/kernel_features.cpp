#include "core/kernel_features.h"

#include "core/error.h"
#include "core/kernel_abi.h"

#include <bpf/btf.h>

#include <cerrno>
#include <memory>

namespace scxx {
namespace {

// Versions from the kernels' own BTF (scripts/kernels.sh prints the kfuncs
// each one has). The names scxx uses were given in 6.13 (dispatch and
// consume became dsq_insert and dsq_move_to_local).
constexpr KernelFeature kFeatures[] = {
    {"scx_bpf_dsq_insert", "6.13", ""},
    {"scx_bpf_dsq_insert_vtime", "6.13", ""},
    {"scx_bpf_dsq_move_to_local", "6.13", ""},
    {"scx_bpf_dsq_move", "6.13", ""},
    {"scx_bpf_dsq_move_vtime", "6.13", ""},
    {"scx_bpf_dsq_move_set_vtime", "6.13", ""},
    {"scx_bpf_dispatch_nr_slots", "6.12",
     "ops.dispatch counts its inserts against the configured batch"},
    {"scx_bpf_dsq_peek", "6.19",
     "a CPU serves its own DSQ before the shared one; the starvation guard bounds the shared "
     "DSQ's waits"},
    {"scx_bpf_task_set_slice", "6.19", "writes p->scx.slice directly"},
    {"scx_bpf_task_set_dsq_vtime", "6.19", "writes p->scx.dsq_vtime directly"},
};

} // namespace

std::span<const KernelFeature> kernel_features() {
  return kFeatures;
}

KernelFeatureReport check_kernel_features(const struct btf *btf) {
  KernelFeatureReport report;
  for (const KernelFeature &f : kFeatures) {
    const std::string name(f.kfunc);
    if (btf__find_by_name_kind(btf, name.c_str(), BTF_KIND_FUNC) >= 0) {
      report.found.push_back(&f);
    } else if (f.fallback.empty()) {
      throw Error("this kernel's sched_ext lacks the kfunc " + name + ", which scxx needs (Linux " +
                      std::string(f.since) + " and later have it)",
                  kExitNoSchedExt);
    } else {
      report.missing.push_back(&f);
    }
  }
  return report;
}

KernelFeatureReport check_running_kernel() {
  return check_kernel_features(load_running_kernel_btf().get());
}

std::string describe(const KernelFeatureReport &report) {
  std::string out = "kernel features:";
  for (const KernelFeature *f : report.found) {
    if (!f->fallback.empty()) {
      out += ' ';
      out += f->kfunc;
    }
  }
  if (report.missing.empty()) {
    return out + " (all optional ones found)";
  }
  for (const KernelFeature *f : report.missing) {
    out += "\n  missing " + std::string(f->kfunc) + " (Linux " + std::string(f->since) +
           "+): " + std::string(f->fallback);
  }
  return out;
}

} // namespace scxx
