// The simulator's one source of randomness: splitmix64, so a seed gives the
// same run on every platform and library version (std distributions do not
// promise that).
#pragma once

#include <cmath>
#include <cstdint>

namespace scxx::sim {

class Rng {
public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Exponentially distributed with this mean.
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }

private:
  uint64_t state_;
};

} // namespace scxx::sim
