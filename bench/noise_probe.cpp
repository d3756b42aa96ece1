// Noise probe (not a test): spins on one CPU reading the monotonic clock
// and counts the gaps between two reads longer than a threshold: the time
// the CPU was taken away (interrupts, the tick, the host under emulation).
// scripts/measure-costs.sh runs it in the VM for the simulator's noise model
// (--noise-interval-us, --noise-us).
//
// Usage: noise_probe [SECONDS] [THRESHOLD_US]   (default 3 s, 20 us)
// Prints: gaps=N mean_gap_us=X interval_us=Y share_pct=Z
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace

int main(int argc, char **argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  const double threshold_us = argc > 2 ? std::atof(argv[2]) : 20.0;
  if (seconds <= 0 || threshold_us <= 0) {
    std::fprintf(stderr, "usage: noise_probe [SECONDS > 0] [THRESHOLD_US > 0]\n");
    return 2;
  }
  const auto threshold = static_cast<uint64_t>(threshold_us * 1000);
  const uint64_t start = now_ns();
  const uint64_t end = start + static_cast<uint64_t>(seconds * 1e9);
  uint64_t prev = start;
  uint64_t gaps = 0;
  uint64_t gap_ns = 0;
  while (prev < end) {
    const uint64_t t = now_ns();
    if (t - prev > threshold) {
      ++gaps;
      gap_ns += t - prev;
    }
    prev = t;
  }
  const double span_us = static_cast<double>(prev - start) / 1000.0;
  const double mean =
      gaps != 0 ? static_cast<double>(gap_ns) / 1000.0 / static_cast<double>(gaps) : 0;
  const double interval = gaps != 0 ? span_us / static_cast<double>(gaps) : 0;
  std::printf("gaps=%llu mean_gap_us=%.1f interval_us=%.0f share_pct=%.2f\n",
              static_cast<unsigned long long>(gaps), mean, interval,
              100.0 * static_cast<double>(gap_ns) / 1000.0 / span_us);
  return 0;
}
