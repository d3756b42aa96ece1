// A min-heap of fixed capacity (smallest by Less on top). The storage is
// allocated and touched in the constructor; push and pop only move values
// inside it, so they never allocate.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

namespace scxx {

template <typename T, typename Less> class FixedMinHeap {
public:
  explicit FixedMinHeap(size_t capacity) : buf_(capacity == 0 ? 1 : capacity) {}

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t capacity() const { return buf_.size(); }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool full() const { return size_ == buf_.size(); }

  // False (and nothing stored) when full.
  bool push(const T &value) {
    if (full()) {
      return false;
    }
    buf_[size_++] = value;
    std::push_heap(buf_.begin(), end(), greater);
    return true;
  }

  // The smallest element without removing it; nullptr when empty (valid
  // until the next push or pop).
  [[nodiscard]] const T *peek() const { return empty() ? nullptr : &buf_.front(); }

  std::optional<T> pop() {
    if (empty()) {
      return std::nullopt;
    }
    std::pop_heap(buf_.begin(), end(), greater);
    --size_;
    return buf_[size_];
  }

private:
  // The std heap algorithms build a max-heap; inverting the order gives a
  // min-heap.
  static bool greater(const T &a, const T &b) { return Less{}(b, a); }
  auto end() { return buf_.begin() + static_cast<std::ptrdiff_t>(size_); }

  std::vector<T> buf_;
  size_t size_ = 0;
};

} // namespace scxx
