#include "sim/plot.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ; // NOLINT(readability-redundant-declaration): posix_spawnp needs it

namespace scxx::sim {

namespace {

// At most this many points per CDF curve: enough for a smooth line.
constexpr size_t kCdfPoints = 2000;

// Distinct colours, so that more classes than gnuplot's eight default
// colours stay apart.
constexpr std::array<const char *, 16> kColours = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#000000", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5"};

std::string colour(int index) {
  return std::string(" lc rgb '") + kColours[static_cast<size_t>(index) % kColours.size()] + "'";
}

std::string file_safe(const std::string &name) {
  std::string out = name;
  for (char &c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') {
      c = '_';
    }
  }
  return out;
}

// gnuplot string literal: single quotes, doubled inside.
std::string quoted(const std::string &s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') {
      out += '\'';
    }
  }
  return out + "'";
}

void write_file(const std::filesystem::path &path, const std::string &text) {
  std::ofstream out(path);
  out << text;
  if (!out) {
    throw PlotError("sim: --plot: cannot write " + path.string());
  }
}

void run_gnuplot(const std::filesystem::path &script) {
  const std::string path = script.string();
  char arg0[] = "gnuplot";
  std::vector<char> arg1(path.begin(), path.end());
  arg1.push_back('\0');
  char *argv[] = {arg0, arg1.data(), nullptr};
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv, environ);
  if (err != 0) {
    throw PlotError(std::string("sim: --plot needs gnuplot (Debian's gnuplot-nox): ") +
                    std::strerror(err));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw PlotError("sim: --plot: gnuplot failed on " + path);
  }
}

std::string latency_plot(const std::filesystem::path &dir, const std::string &base,
                         const RunResult &r) {
  std::string data;
  std::string plot;
  int index = 0;
  for (const auto &[cls, samples] : r.wake_samples) {
    if (samples.empty()) {
      continue;
    }
    std::vector<uint64_t> sorted = samples;
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    const size_t step = std::max<size_t>(1, n / kCdfPoints);
    data += "# " + cls + "\n";
    for (size_t i = 0; i < n; i += step) {
      data += std::to_string(static_cast<double>(sorted[i]) / 1e3) + " " +
              std::to_string(static_cast<double>(i + 1) / static_cast<double>(n)) + "\n";
    }
    data += std::to_string(static_cast<double>(sorted.back()) / 1e3) + " 1\n\n\n";
    plot += std::string(plot.empty() ? "plot " : ", ") +
            quoted((dir / (base + "-latency.dat")).string()) + " index " + std::to_string(index) +
            " using 1:2 with steps lw 2" + colour(index) + " title " +
            quoted(cls + " (" + std::to_string(n) + ")");
    ++index;
  }
  if (plot.empty()) {
    plot = "set label 'no wake-ups' at graph 0.4, graph 0.5\nplot [1:10] NaN notitle";
  }
  write_file(dir / (base + "-latency.dat"), data);
  return "reset\nset terminal pngcairo noenhanced size 1200,600\nset output " +
         quoted((dir / (base + "-latency-cdf.png")).string()) + "\nset title " +
         quoted(r.policy + ": wake-up latency CDF per task class") +
         "\nset xlabel 'wake-up latency (us)'\nset ylabel 'fraction of wake-ups at or below'\n"
         "set logscale x\nset key outside right\nset grid\nset yrange [0:1]\n" +
         plot + "\n";
}

std::string timeline_plot(const std::filesystem::path &dir, const std::string &base,
                          const RunResult &r, uint64_t timeline_ns) {
  std::map<std::string, std::vector<const TimelineSlice *>> by_class;
  for (const TimelineSlice &s : r.timeline) {
    by_class[s.cls].push_back(&s);
  }
  std::string data;
  std::string plot;
  int index = 0;
  for (const auto &[cls, slices] : by_class) {
    data += "# " + cls + "\n";
    for (const TimelineSlice *s : slices) {
      const double a = static_cast<double>(s->start_ns) / 1e6;
      const double b = static_cast<double>(s->end_ns) / 1e6;
      data += std::to_string((a + b) / 2) + " " + std::to_string(s->cpu) + " " +
              std::to_string((b - a) / 2) + "\n";
    }
    data += "\n\n";
    plot += std::string(plot.empty() ? "plot " : ", ") +
            quoted((dir / (base + "-timeline.dat")).string()) + " index " + std::to_string(index) +
            " using 1:2:3:(0.4) with boxxyerror fill solid 0.8 noborder" + colour(index) +
            " title " + quoted(cls);
    ++index;
  }
  if (plot.empty()) {
    plot = "plot NaN notitle";
  }
  write_file(dir / (base + "-timeline.dat"), data);
  return "reset\nset terminal pngcairo noenhanced size 1400,600\nset output " +
         quoted((dir / (base + "-timeline.png")).string()) + "\nset title " +
         quoted(r.policy + ": which task class ran on each CPU") +
         "\nset xlabel 'time (ms)'\nset ylabel 'CPU'\nset xrange [0:" +
         std::to_string(static_cast<double>(timeline_ns) / 1e6) +
         "]\nset yrange [-0.6:" + std::to_string(static_cast<double>(r.cpus) - 0.4) +
         "]\nset ytics 1\nset key outside right\n" + plot + "\n";
}

} // namespace

std::vector<std::string> write_plots(const std::string &dir, const std::vector<RunResult> &runs,
                                     uint64_t timeline_ns) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path root = std::filesystem::absolute(dir);
  if (ec) {
    throw PlotError("sim: --plot: cannot create " + dir + ": " + ec.message());
  }
  std::vector<std::string> written;
  for (const RunResult &r : runs) {
    const std::string base = file_safe(r.policy);
    const std::string script =
        latency_plot(root, base, r) + timeline_plot(root, base, r, timeline_ns);
    const std::filesystem::path gp = root / (base + ".gp");
    write_file(gp, script);
    run_gnuplot(gp);
    written.push_back((root / (base + "-latency-cdf.png")).string());
    written.push_back((root / (base + "-timeline.png")).string());
  }
  return written;
}

} // namespace scxx::sim
