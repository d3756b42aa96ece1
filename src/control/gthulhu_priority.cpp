#include "control/gthulhu_priority.h"

#include "strategy/strategy.h"

namespace scxx {
namespace {

constexpr int64_t kGthulhuPreemptMax = 9; // 0..9 preempt
constexpr int64_t kGthulhuVtimeMin = 10;  // 10..20 reduce virtual time

} // namespace

std::optional<uint32_t> scxx_priority_from_gthulhu(int64_t gthulhu) {
  if (gthulhu < kGthulhuPriorityMin || gthulhu > kGthulhuPriorityMax) {
    return std::nullopt;
  }
  if (gthulhu <= kGthulhuPreemptMax) {
    return static_cast<uint32_t>(SCXX_PRIO_MAX - gthulhu / 2);
  }
  // 20 -> 0 would mean "no boost", which Gthulhu's band does not say.
  const int64_t p = kGthulhuPriorityMax - gthulhu;
  return static_cast<uint32_t>(p < 1 ? 1 : p);
}

std::optional<int64_t> gthulhu_priority_from_scxx(uint32_t scxx) {
  if (scxx >= SCXX_PRIO_PREEMPT_MIN && scxx <= SCXX_PRIO_MAX) {
    return static_cast<int64_t>(SCXX_PRIO_MAX - scxx) * 2;
  }
  if (scxx >= 1 && scxx <= SCXX_PRIO_CUT_MAX) {
    return kGthulhuPriorityMax - static_cast<int64_t>(scxx);
  }
  return std::nullopt;
}

static_assert(kGthulhuVtimeMin == kGthulhuPriorityMax - SCXX_PRIO_CUT_MAX,
              "Gthulhu's vtime band starts where scxx's strongest fairness boost maps");

} // namespace scxx
