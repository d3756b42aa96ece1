// Per-pid state of fixed capacity: an open-addressing hash table with linear
// probing, allocated once. Erasing shifts later entries back instead of
// leaving tombstones, so lookups stay short however many tasks come and go.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace scxx {

template <typename V> class PidTable {
public:
  // Holds up to `capacity` pids; the table has at least twice as many slots
  // so that probe sequences stay short even when it is full.
  explicit PidTable(size_t capacity)
      : capacity_(capacity), slots_(std::bit_ceil(capacity < 1 ? size_t{2} : capacity * 2)),
        mask_(slots_.size() - 1), shift_(64 - std::countr_zero(slots_.size())) {}

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t capacity() const { return capacity_; }

  // The state kept for pid, or nullptr.
  [[nodiscard]] V *find(int32_t pid) {
    for (size_t i = home(pid);; i = (i + 1) & mask_) {
      if (slots_[i].pid == pid) {
        return &slots_[i].value;
      }
      if (slots_[i].pid == kEmpty) {
        return nullptr;
      }
    }
  }

  // The state kept for pid; a new pid gets V{} and sets `inserted`. nullptr
  // when pid is new and the table already holds `capacity` pids.
  V *find_or_insert(int32_t pid, bool &inserted) {
    inserted = false;
    size_t i = home(pid);
    for (; slots_[i].pid != kEmpty; i = (i + 1) & mask_) {
      if (slots_[i].pid == pid) {
        return &slots_[i].value;
      }
    }
    if (size_ >= capacity_) {
      return nullptr;
    }
    slots_[i].pid = pid;
    slots_[i].value = V{};
    ++size_;
    inserted = true;
    return &slots_[i].value;
  }

  // Forgets pid; false if it was not there.
  bool erase(int32_t pid) {
    size_t hole = home(pid);
    for (; slots_[hole].pid != pid; hole = (hole + 1) & mask_) {
      if (slots_[hole].pid == kEmpty) {
        return false;
      }
    }
    // Move back every later entry of the cluster that may live in the hole:
    // one whose home is not cyclically between the hole and its own slot.
    for (size_t j = (hole + 1) & mask_; slots_[j].pid != kEmpty; j = (j + 1) & mask_) {
      const size_t h = home(slots_[j].pid);
      if (((j - h) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
    return true;
  }

private:
  static constexpr int32_t kEmpty = std::numeric_limits<int32_t>::min();

  struct Slot {
    int32_t pid = kEmpty;
    V value{};
  };

  // Fibonacci hashing: pids are mostly consecutive, the multiply spreads them.
  [[nodiscard]] size_t home(int32_t pid) const {
    return static_cast<size_t>(
        (static_cast<uint64_t>(static_cast<uint32_t>(pid)) * 0x9E3779B97F4A7C15ULL) >> shift_);
  }

  size_t capacity_;
  std::vector<Slot> slots_;
  size_t mask_;
  int shift_;
  size_t size_ = 0;
};

} // namespace scxx
