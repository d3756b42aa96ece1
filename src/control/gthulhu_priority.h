// Gthulhu's priority numbers on scxx's one scale (bpf/intf.h, "Priority
// strategies").
//
// Gthulhu gives "priority" two meanings: in one of its modes a higher number
// is more, in the other a lower number is more, with 0..9 preempting the
// running task and 10..20 reducing the task's virtual time. The API follows
// the second, the only one whose numbers have a stated meaning per band:
//
//   Gthulhu  meaning                       scxx
//   0, 1     preempt (strongest)           20
//   2, 3     preempt                       19
//   4, 5     preempt                       18
//   6, 7     preempt                       17
//   8, 9     preempt (weakest)             16   (scxx = 20 - g / 2)
//   10       vtime reduction (strongest)   10
//   11..19   vtime reduction               9..1 (scxx = 20 - g)
//   20       vtime reduction (weakest)     1
//
// Anything else (negative, above 20) is refused, never clamped. scxx's
// 11..15 (queued first without preempting) and 0 (no boost) have no
// Gthulhu number: a strategy with one of them is left out of Gthulhu's
// listing (and said so), never shown under a different priority.
#pragma once

#include <cstdint>
#include <optional>

namespace scxx {

inline constexpr int64_t kGthulhuPriorityMin = 0;
inline constexpr int64_t kGthulhuPriorityMax = 20;

// scxx's priority for a Gthulhu priority, nullopt outside 0..20.
std::optional<uint32_t> scxx_priority_from_gthulhu(int64_t gthulhu);

// The Gthulhu priority shown for an scxx priority, nullopt when Gthulhu has
// none for it (0 and 11..15). For every scxx priority p it returns a value,
// scxx_priority_from_gthulhu of that value gives p back.
std::optional<int64_t> gthulhu_priority_from_scxx(uint32_t scxx);

} // namespace scxx
