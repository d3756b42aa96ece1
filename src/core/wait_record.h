// Human-readable form of the liveness record the BPF side keeps when a
// runnable task waited longer than the stall bound (intf.h).
#pragma once

#include "intf.h"

#include <string>

namespace scxx {

// Where the task waited: "shared DSQ", "DSQ of cpu 3", "local DSQ of cpu 1",
// "agent DSQ", "agent (no decision yet)".
std::string wait_place_name(uint64_t dsq);
// One line naming the task, how long it waited, where and on which CPUs;
// "none" when the record is empty.
std::string describe_wait(const scxx_wait_record &record);

} // namespace scxx
