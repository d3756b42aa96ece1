// The kernel feature check on BTF built here: every optional kfunc found or
// reported with its fallback, a missing required one refused with exit 78,
// its name and the first Linux version that has it; and on the BTF of the
// kernel the build comes from, every feature found.
#include "core/error.h"
#include "core/kernel_features.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace scxx {
namespace {

using BtfPtr = std::unique_ptr<struct btf, decltype(&btf__free)>;

// A BTF with one FUNC per name given, as a kernel's lists its kfuncs.
BtfPtr btf_with(const std::vector<std::string_view> &kfuncs) {
  BtfPtr btf(btf__new_empty(), &btf__free);
  const int proto = btf__add_func_proto(btf.get(), 0);
  for (std::string_view name : kfuncs) {
    EXPECT_GT(btf__add_func(btf.get(), std::string(name).c_str(), BTF_FUNC_GLOBAL, proto), 0);
  }
  return btf;
}

std::vector<std::string_view> all_kfuncs_but(std::string_view left_out) {
  std::vector<std::string_view> out;
  for (const KernelFeature &f : kernel_features()) {
    if (f.kfunc != left_out) {
      out.push_back(f.kfunc);
    }
  }
  return out;
}

TEST(KernelFeatures, AKernelWithEverythingNeedsNoFallback) {
  const BtfPtr btf = btf_with(all_kfuncs_but(""));
  const KernelFeatureReport r = check_kernel_features(btf.get());
  EXPECT_EQ(r.found.size(), kernel_features().size());
  EXPECT_TRUE(r.missing.empty());
  EXPECT_NE(describe(r).find("all optional ones found"), std::string::npos);
}

// Each optional kfunc missing on its own: reported with its fallback.
TEST(KernelFeatures, EachOptionalOneMissingIsReportedWithItsFallback) {
  for (const KernelFeature &f : kernel_features()) {
    if (f.fallback.empty()) {
      continue;
    }
    const BtfPtr btf = btf_with(all_kfuncs_but(f.kfunc));
    const KernelFeatureReport r = check_kernel_features(btf.get());
    ASSERT_EQ(r.missing.size(), 1U) << f.kfunc;
    EXPECT_EQ(r.missing[0]->kfunc, f.kfunc);
    const std::string text = describe(r);
    EXPECT_NE(text.find("missing " + std::string(f.kfunc)), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(f.fallback)), std::string::npos) << text;
  }
}

// Each required kfunc missing on its own: refused with exit 78, by name.
TEST(KernelFeatures, EachRequiredOneMissingRefusesTheKernel) {
  int required = 0;
  for (const KernelFeature &f : kernel_features()) {
    if (!f.fallback.empty()) {
      continue;
    }
    ++required;
    const BtfPtr btf = btf_with(all_kfuncs_but(f.kfunc));
    try {
      (void)check_kernel_features(btf.get());
      ADD_FAILURE() << "a kernel without " << f.kfunc << " was accepted";
    } catch (const Error &e) {
      EXPECT_EQ(e.exit_code(), kExitNoSchedExt);
      const std::string what = e.what();
      EXPECT_NE(what.find(std::string(f.kfunc)), std::string::npos) << what;
      EXPECT_NE(what.find("Linux " + std::string(f.since)), std::string::npos) << what;
    }
  }
  EXPECT_GT(required, 0);
}

// The kernel the BPF object is built against has every feature.
TEST(KernelFeatures, TheBuildKernelHasThemAll) {
  const BtfPtr btf(btf__parse(SCXX_VMLINUX_BTF, nullptr), &btf__free);
  ASSERT_NE(btf, nullptr) << SCXX_VMLINUX_BTF;
  EXPECT_TRUE(check_kernel_features(btf.get()).missing.empty());
}

} // namespace
} // namespace scxx
