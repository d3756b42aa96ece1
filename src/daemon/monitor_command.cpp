#include "daemon/monitor_command.h"

#include "core/error.h"
#include "core/sched_ext_sysfs.h"
#include "core/scheduler_stats.h"
#include "core/unique_fd.h"
#include "daemon/stats_line.h"
#include "intf.h" // the u64/s32 types the skeleton uses
#include "scxx_sched.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace scxx {
namespace {

using Bss = scxx_sched::scxx_sched__bss;
using Rodata = scxx_sched::scxx_sched__rodata;

// libbpf names the global-data maps of object "scxx_sched" like this.
constexpr const char *kGlobalMapPrefix = "scxx_sch.";
// The per-CPU statistics map of bpf/scxx.bpf.c.
constexpr const char *kCpuStatsMap = "cpu_stats";

// A map of the running scxx: its fd and value size. A global-data map's
// value can differ in size from the skeleton's struct (static variables
// are in the map but not in the skeleton; padding), so reads go through a
// buffer of the map's own size.
struct FoundMap {
  UniqueFd fd;
  size_t value_size = 0;
};

// The newest map called `name` whose value holds at least `min_size`
// bytes (ids grow: the last match is the newest).
std::optional<FoundMap> find_map(const std::string &name, size_t min_size) {
  std::optional<FoundMap> found;
  __u32 id = 0;
  while (bpf_map_get_next_id(id, &id) == 0) {
    UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd.valid()) {
      continue;
    }
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_map_get_info_by_fd(fd.get(), &info, &len) == 0 && name == info.name &&
        info.value_size >= min_size) {
      found = FoundMap{std::move(fd), info.value_size};
    }
  }
  return found;
}

template <typename T> bool read_global(const FoundMap &map, T &out) {
  std::vector<unsigned char> buf(map.value_size);
  const __u32 key = 0;
  if (bpf_map_lookup_elem(map.fd.get(), &key, buf.data()) != 0) {
    return false;
  }
  std::memcpy(&out, buf.data(), std::min(sizeof(T), buf.size()));
  return true;
}

// One value per possible CPU, each rounded up to 8 bytes (the kernel's
// layout for per-CPU maps).
bool read_cpu_stats(const FoundMap &map, std::vector<scxx_cpu_stats> &out) {
  const int nr_cpus = libbpf_num_possible_cpus();
  if (nr_cpus <= 0) {
    return false;
  }
  const size_t stride = (map.value_size + 7) / 8 * 8;
  std::vector<unsigned char> buf(stride * static_cast<size_t>(nr_cpus));
  const __u32 key = 0;
  if (bpf_map_lookup_elem(map.fd.get(), &key, buf.data()) != 0) {
    return false;
  }
  out.assign(static_cast<size_t>(nr_cpus), scxx_cpu_stats{});
  for (size_t cpu = 0; cpu < out.size(); ++cpu) {
    std::memcpy(&out[cpu], buf.data() + cpu * stride, std::min(sizeof(scxx_cpu_stats), stride));
  }
  return true;
}

// The agent's CPU time and page faults from /proc/<pid>/stat.
std::optional<ProcessUsage> read_process_usage(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return std::nullopt;
  }
  const auto close_paren = line.rfind(')'); // comm may contain spaces
  std::istringstream rest(line.substr(close_paren + 2));
  std::string field;
  ProcessUsage u;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 10) {
      u.minor_faults = std::stol(field);
    } else if (i == 12) {
      u.major_faults = std::stol(field);
    } else if (i == 14) {
      utime = std::stoul(field);
    } else if (i == 15) {
      stime = std::stoul(field);
      break;
    }
  }
  u.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return u;
}

struct Maps {
  FoundMap bss;
  FoundMap cpu_stats;
  int agent_pid = 0;
  bool kernel_mode = false;
};

Maps find_running_scxx() {
  // Every field the monitor reads lies before these offsets.
  auto bss = find_map(std::string(kGlobalMapPrefix) + "bss",
                      offsetof(Bss, exit_info) + sizeof(Bss::exit_info));
  auto ro = find_map(std::string(kGlobalMapPrefix) + "rodata",
                     offsetof(Rodata, kernel_mode) + sizeof(Rodata::kernel_mode));
  auto cpu = find_map(kCpuStatsMap, sizeof(scxx_cpu_stats));
  if (!bss || !ro || !cpu) {
    throw Error("monitor: no running scxx found (no scxx BPF maps loaded; start one with "
                "`scxx run`)");
  }
  Rodata rodata{};
  if (!read_global(*ro, rodata)) {
    throw Error("monitor: cannot read the scxx maps");
  }
  return {std::move(*bss), std::move(*cpu), rodata.usersched_tgid, rodata.kernel_mode};
}

// One reading of the maps and of the agent's /proc entry; nullopt when the
// scheduler went away.
std::optional<StatsSample> sample(const Maps &maps, Bss &bss) {
  std::vector<scxx_cpu_stats> cpus;
  if (!read_global(maps.bss, bss) || !read_cpu_stats(maps.cpu_stats, cpus)) {
    return std::nullopt;
  }
  StatsSample s;
  s.t_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  s.sched = combine_stats(cpus, bss.shared_stats);
  s.agent = read_process_usage(maps.agent_pid).value_or(ProcessUsage{});
  return s;
}

} // namespace

int run_monitor(const MonitorOptions &options) {
  if (geteuid() != 0) {
    throw Error("monitor: reading BPF maps needs root");
  }
  const Maps maps = find_running_scxx();
  Bss bss{};
  auto before = sample(maps, bss);
  if (!before) {
    throw Error("monitor: cannot read the scxx maps");
  }
  std::printf("scxx monitor: agent pid %d, ops %s, mode %s, one line every %.1fs "
              "(counts are per interval)\n",
              maps.agent_pid, sched_ext_ops_name().c_str(), maps.kernel_mode ? "kernel" : "user",
              options.interval_s);
  for (long n = 0; options.count == 0 || n < options.count; ++n) {
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_s));
    const auto now = sample(maps, bss);
    if (!now) {
      throw Error("monitor: the scheduler went away");
    }
    const bool exited = bss.exit_info.valid != 0;
    std::printf("%s%s\n", format_stats_fields(*now, *before, *before).c_str(),
                exited ? " (scheduler exited)" : "");
    std::fflush(stdout);
    if (exited) {
      return 0;
    }
    before = now;
  }
  return 0;
}

} // namespace scxx
