// What scxx needs from a kernel's sched_ext and what it can do without: the
// one list of the kfuncs that differ between the kernels scxx supports
// (docs/KERNELS.md), checked against the running kernel's BTF before load.
// The BPF side probes the optional ones itself (bpf_ksym_exists); this list
// says so to the user and refuses a kernel that lacks a required one.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

struct btf;

namespace scxx {

struct KernelFeature {
  std::string_view kfunc;
  std::string_view since;    // the first Linux version that has it
  std::string_view fallback; // empty: required
};

// Every kfunc scxx's BPF program calls that not every sched_ext kernel has.
std::span<const KernelFeature> kernel_features();

struct KernelFeatureReport {
  std::vector<const KernelFeature *> found;
  std::vector<const KernelFeature *> missing; // optional ones only
};

// Which features `btf` has; throws Error (exit 78) naming the first required
// kfunc it lacks and the oldest Linux version that has it.
KernelFeatureReport check_kernel_features(const struct btf *btf);

// The same for the running kernel (/sys/kernel/btf/vmlinux).
KernelFeatureReport check_running_kernel();

// One line per missing feature with its fallback, and the found ones.
std::string describe(const KernelFeatureReport &report);

} // namespace scxx
