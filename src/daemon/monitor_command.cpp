#include "daemon/monitor_command.h"

#include "core/error.h"
#include "core/sched_ext_sysfs.h"
#include "intf.h" // the u64/s32 types the skeleton uses
#include "scxx_sched.skel.h"

#include <bpf/bpf.h>
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
constexpr const char *kMapPrefix = "scxx_sch.";

class Fd {
public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd &operator=(Fd &&o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }

private:
  int fd_;
};

// A global-data map of the running scxx: its fd and value size. The map's
// value can differ in size from the skeleton's struct (static variables
// are in the map but not in the skeleton; padding), so reads go through a
// buffer of the map's own size.
struct GlobalMap {
  Fd fd;
  size_t value_size = 0;
};

// The newest map named scxx_sch.<section> whose value holds at least
// `min_size` bytes (ids grow: the last match is the newest).
std::optional<GlobalMap> find_map(const char *section, size_t min_size) {
  const std::string want = std::string(kMapPrefix) + section;
  std::optional<GlobalMap> found;
  __u32 id = 0;
  while (bpf_map_get_next_id(id, &id) == 0) {
    Fd fd(bpf_map_get_fd_by_id(id));
    if (fd.get() < 0) {
      continue;
    }
    bpf_map_info info{};
    __u32 len = sizeof(info);
    if (bpf_map_get_info_by_fd(fd.get(), &info, &len) == 0 && want == info.name &&
        info.value_size >= min_size) {
      found = GlobalMap{std::move(fd), info.value_size};
    }
  }
  return found;
}

template <typename T> bool read_map(const GlobalMap &map, T &out) {
  std::vector<unsigned char> buf(map.value_size);
  const __u32 key = 0;
  if (bpf_map_lookup_elem(map.fd.get(), &key, buf.data()) != 0) {
    return false;
  }
  std::memcpy(&out, buf.data(), std::min(sizeof(T), buf.size()));
  return true;
}

struct ProcStat {
  double cpu_s = 0;
  long minflt = 0;
  long majflt = 0;
};

// utime, stime, minflt, majflt of a process from /proc/<pid>/stat.
std::optional<ProcStat> read_proc_stat(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return std::nullopt;
  }
  const auto close_paren = line.rfind(')'); // comm may contain spaces
  std::istringstream rest(line.substr(close_paren + 2));
  std::string field;
  ProcStat s;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 10) {
      s.minflt = std::stol(field);
    } else if (i == 12) {
      s.majflt = std::stol(field);
    } else if (i == 14) {
      utime = std::stoul(field);
    } else if (i == 15) {
      stime = std::stoul(field);
      break;
    }
  }
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return s;
}

unsigned long long delta(uint64_t now, uint64_t before) {
  return static_cast<unsigned long long>(now - before);
}

} // namespace

int run_monitor(const MonitorOptions &options) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "scxx monitor: reading BPF maps needs root\n");
    return 1;
  }
  // Every field the monitor reads lies before these offsets.
  auto bss_fd = find_map("bss", offsetof(Bss, exit_info) + sizeof(Bss::exit_info));
  auto ro_fd = find_map("rodata", offsetof(Rodata, kernel_mode) + sizeof(Rodata::kernel_mode));
  if (!bss_fd || !ro_fd) {
    std::fprintf(stderr, "scxx monitor: no running scxx found (no scxx BPF maps loaded; "
                         "start one with `scxx run`)\n");
    return 1;
  }
  Rodata ro{};
  Bss before{};
  if (!read_map(*ro_fd, ro) || !read_map(*bss_fd, before)) {
    std::fprintf(stderr, "scxx monitor: cannot read the scxx maps\n");
    return 1;
  }
  const int agent = ro.usersched_tgid;
  std::printf("scxx monitor: agent pid %d, ops %s, mode %s, one line every %.1fs "
              "(counts are per interval)\n",
              agent, sched_ext_ops_name().c_str(), ro.kernel_mode ? "kernel" : "user",
              options.interval_s);
  auto stat_before = read_proc_stat(agent);
  auto t_before = std::chrono::steady_clock::now();
  for (long n = 0; options.count == 0 || n < options.count; ++n) {
    std::this_thread::sleep_for(std::chrono::duration<double>(options.interval_s));
    Bss now{};
    if (!read_map(*bss_fd, now)) {
      std::fprintf(stderr, "scxx monitor: the scheduler went away\n");
      return 1;
    }
    const auto stat_now = read_proc_stat(agent);
    const auto t_now = std::chrono::steady_clock::now();
    const double wall = std::chrono::duration<double>(t_now - t_before).count();
    double cpu_pct = 0;
    long faults = -1;
    if (stat_now && stat_before) {
      cpu_pct = 100.0 * (stat_now->cpu_s - stat_before->cpu_s) / wall;
      faults = (stat_now->minflt + stat_now->majflt) - (stat_before->minflt + stat_before->majflt);
    }
    std::printf("queued=%llu user=%llu kernel=%llu congested=%llu bounced=%llu cancelled=%llu "
                "failed=%llu held=%llu pagefaults=%ld agent_cpu=%.1f%% long_waits=%llu "
                "max_wait=%llums starved=%llu%s\n",
                delta(now.nr_queued, before.nr_queued),
                delta(now.nr_user_dispatches, before.nr_user_dispatches),
                delta(now.nr_kernel_dispatches + now.nr_priority_dispatches,
                      before.nr_kernel_dispatches + before.nr_priority_dispatches),
                delta(now.nr_sched_congested, before.nr_sched_congested),
                delta(now.nr_bounce_dispatches, before.nr_bounce_dispatches),
                delta(now.nr_cancel_dispatches, before.nr_cancel_dispatches),
                delta(now.nr_failed_dispatches, before.nr_failed_dispatches),
                static_cast<unsigned long long>(now.nr_scheduled), faults, cpu_pct,
                delta(now.nr_long_waits, before.nr_long_waits),
                static_cast<unsigned long long>(now.max_wait_ns / 1000000),
                delta(now.nr_starvation_moves, before.nr_starvation_moves),
                now.exit_info.valid != 0 ? " (scheduler exited)" : "");
    std::fflush(stdout);
    if (now.exit_info.valid != 0) {
      return 0;
    }
    before = now;
    stat_before = stat_now;
    t_before = t_now;
  }
  return 0;
}

} // namespace scxx
