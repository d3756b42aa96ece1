#include "core/error.h"
#include "core/exit_info.h"
#include "core/kernel_abi.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <memory>

namespace scxx {
namespace {

// The values Linux has used since sched_ext was merged (6.12); the tests
// pass them explicitly so they do not depend on the host kernel.
constexpr KernelAbi kDocumentedAbi{
    .exit_none = 0,
    .exit_done = 1,
    .exit_unreg = 64,
    .exit_unreg_bpf = 65,
    .exit_unreg_kern = 66,
    .exit_sysrq = 67,
    .exit_error = 1024,
    .exit_error_bpf = 1025,
    .exit_error_stall = 1026,
    .ecode_act_restart = 1ULL << 48,
    .ops_switch_partial = 8,
};

scxx_exit_info make_exit(int kind, int64_t code, const char *reason) {
  scxx_exit_info info{};
  info.valid = 1;
  info.kind = kind;
  info.exit_code = code;
  std::strncpy(info.reason, reason, sizeof(info.reason) - 1);
  return info;
}

TEST(ExitInfo, DescribesAnUnregistration) {
  const auto info = make_exit(64, 0, "unregistered from user space");
  EXPECT_EQ(describe_exit(info, kDocumentedAbi),
            "kind=unregistered(64) code=0 reason=\"unregistered from user space\" msg=\"\"");
  EXPECT_FALSE(exit_is_error(info, kDocumentedAbi));
  EXPECT_FALSE(exit_requests_restart(info, kDocumentedAbi));
}

TEST(ExitInfo, StallIsAnError) {
  const auto info = make_exit(1026, 0, "runnable task stall");
  EXPECT_TRUE(exit_is_error(info, kDocumentedAbi));
  EXPECT_EQ(exit_kind_name(info.kind, kDocumentedAbi), "runnable-task-stall");
}

TEST(ExitInfo, HotplugRestartIsRecognised) {
  // SCX_ECODE_ACT_RESTART | SCX_ECODE_RSN_HOTPLUG
  const auto info = make_exit(66, static_cast<int64_t>((1ULL << 48) | (1ULL << 32)), "hotplug");
  EXPECT_TRUE(exit_requests_restart(info, kDocumentedAbi));
}

TEST(ExitInfo, NothingRecordedYet) {
  const scxx_exit_info info{};
  EXPECT_EQ(describe_exit(info, kDocumentedAbi), "no exit recorded");
  EXPECT_FALSE(exit_is_error(info, kDocumentedAbi));
}

TEST(ExitInfo, NamesEveryDocumentedKind) {
  EXPECT_EQ(exit_kind_name(0, kDocumentedAbi), "none");
  EXPECT_EQ(exit_kind_name(1, kDocumentedAbi), "done");
  EXPECT_EQ(exit_kind_name(64, kDocumentedAbi), "unregistered");
  EXPECT_EQ(exit_kind_name(65, kDocumentedAbi), "unregistered-by-bpf");
  EXPECT_EQ(exit_kind_name(66, kDocumentedAbi), "unregistered-by-kernel");
  EXPECT_EQ(exit_kind_name(67, kDocumentedAbi), "sysrq");
  EXPECT_EQ(exit_kind_name(1024, kDocumentedAbi), "error");
  EXPECT_EQ(exit_kind_name(1025, kDocumentedAbi), "bpf-error");
  EXPECT_EQ(exit_kind_name(1026, kDocumentedAbi), "runnable-task-stall");
  EXPECT_EQ(exit_kind_name(68, kDocumentedAbi), "unknown");
}

// What reading the values from the kernel buys: a renumbered kernel is read right.
TEST(ExitInfo, FollowsTheKernelsValues) {
  KernelAbi abi = kDocumentedAbi;
  abi.exit_unreg = 80;
  abi.exit_error = 2048;
  abi.ecode_act_restart = 1ULL << 50;
  const auto unreg = make_exit(80, static_cast<int64_t>(1ULL << 48), "");
  EXPECT_EQ(exit_kind_name(unreg.kind, abi), "unregistered");
  EXPECT_FALSE(exit_is_error(unreg, abi));
  EXPECT_FALSE(exit_requests_restart(unreg, abi));
  EXPECT_EQ(exit_kind_name(64, abi), "unknown");
  const auto error = make_exit(2048, static_cast<int64_t>(1ULL << 50), "");
  EXPECT_TRUE(exit_is_error(error, abi));
  EXPECT_TRUE(exit_requests_restart(error, abi));
  EXPECT_FALSE(exit_is_error(make_exit(1024, 0, ""), abi));
}

using BtfPtr = std::unique_ptr<struct btf, decltype(&btf__free)>;

// A BTF with the three sched_ext enums shaped as the kernel's: scx_exit_kind
// a 32-bit ENUM, scx_exit_code and scx_ops_flags 64-bit ENUM64.
struct FakeBtf {
  bool exit_code_enum = true;
  bool sysrq_value = true;
  int unreg = 64;
};

BtfPtr make_btf(const FakeBtf &fake) {
  BtfPtr btf(btf__new_empty(), &btf__free);
  struct btf *b = btf.get();
  btf__add_enum(b, "scx_exit_kind", 4);
  btf__add_enum_value(b, "SCX_EXIT_NONE", 0);
  btf__add_enum_value(b, "SCX_EXIT_DONE", 1);
  btf__add_enum_value(b, "SCX_EXIT_UNREG", fake.unreg);
  btf__add_enum_value(b, "SCX_EXIT_UNREG_BPF", 65);
  btf__add_enum_value(b, "SCX_EXIT_UNREG_KERN", 66);
  if (fake.sysrq_value) {
    btf__add_enum_value(b, "SCX_EXIT_SYSRQ", 67);
  }
  btf__add_enum_value(b, "SCX_EXIT_PARENT", 68);
  btf__add_enum_value(b, "SCX_EXIT_ERROR", 1024);
  btf__add_enum_value(b, "SCX_EXIT_ERROR_BPF", 1025);
  btf__add_enum_value(b, "SCX_EXIT_ERROR_STALL", 1026);
  if (fake.exit_code_enum) {
    btf__add_enum64(b, "scx_exit_code", 8, false);
    btf__add_enum64_value(b, "SCX_ECODE_RSN_HOTPLUG", 1ULL << 32);
    btf__add_enum64_value(b, "SCX_ECODE_ACT_RESTART", 1ULL << 48);
  }
  btf__add_enum64(b, "scx_ops_flags", 8, false);
  btf__add_enum64_value(b, "SCX_OPS_ENQ_EXITING", 4);
  btf__add_enum64_value(b, "SCX_OPS_SWITCH_PARTIAL", 8);
  btf__add_enum64_value(b, "SCX_OPS_HAS_CPU_PREEMPT", 1ULL << 56);
  return btf;
}

// The message of the Error read_kernel_abi() throws, or "" if it does not.
std::string read_error(const struct btf *btf) {
  try {
    (void)read_kernel_abi(btf);
  } catch (const Error &e) {
    EXPECT_EQ(e.exit_code(), kExitNoSchedExt);
    return e.what();
  }
  return "";
}

TEST(KernelAbi, ReadsEnumAndEnum64Values) {
  const BtfPtr btf = make_btf({});
  EXPECT_EQ(read_kernel_abi(btf.get()), kDocumentedAbi);
  const BtfPtr renumbered = make_btf({.unreg = 80});
  EXPECT_EQ(read_kernel_abi(renumbered.get()).exit_unreg, 80);
}

TEST(KernelAbi, NamesAMissingEnum) {
  const BtfPtr btf = make_btf({.exit_code_enum = false});
  EXPECT_NE(read_error(btf.get()).find("no enum scx_exit_code"), std::string::npos)
      << read_error(btf.get());
}

TEST(KernelAbi, NamesAMissingValue) {
  const BtfPtr btf = make_btf({.sysrq_value = false});
  EXPECT_NE(read_error(btf.get()).find("no SCX_EXIT_SYSRQ in enum scx_exit_kind"),
            std::string::npos)
      << read_error(btf.get());
}

// The sched_ext kernel the BPF program is built against (CMake's SCXX_VMLINUX_BTF).
TEST(KernelAbi, ReadsTheBuildKernelsBtf) {
  if (!std::filesystem::exists(SCXX_VMLINUX_BTF)) {
    GTEST_SKIP() << SCXX_VMLINUX_BTF << " is gone since configuring: run scripts/setup.sh";
  }
  const BtfPtr btf(btf__parse(SCXX_VMLINUX_BTF, nullptr), &btf__free);
  ASSERT_NE(btf, nullptr) << "parsing " << SCXX_VMLINUX_BTF;
  EXPECT_EQ(read_kernel_abi(btf.get()), kDocumentedAbi);
}

TEST(KernelAbi, RunningKernelHasTheDocumentedValues) {
  constexpr const char *kVmlinux = "/sys/kernel/btf/vmlinux";
  if (!std::filesystem::exists(kVmlinux)) {
    GTEST_SKIP() << "no " << kVmlinux << ": this kernel was built without BTF";
  }
  const BtfPtr btf(btf__parse(kVmlinux, nullptr), &btf__free);
  ASSERT_NE(btf, nullptr) << "parsing " << kVmlinux;
  if (btf__find_by_name_kind(btf.get(), "scx_exit_kind", BTF_KIND_ENUM) < 0) {
    GTEST_SKIP() << kVmlinux << " has no enum scx_exit_kind: this kernel has no sched_ext";
  }
  EXPECT_EQ(kernel_abi(), kDocumentedAbi);
}

} // namespace
} // namespace scxx
