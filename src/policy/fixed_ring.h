// A FIFO of fixed capacity: all memory is allocated and touched in the
// constructor so that pushes and pops never allocate or page-fault.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace scxx {

template <typename T> class FixedRing {
public:
  explicit FixedRing(size_t capacity) : buf_(capacity == 0 ? 1 : capacity) {}

  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t capacity() const { return buf_.size(); }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool full() const { return size_ == buf_.size(); }

  // False (and nothing stored) when full.
  bool push_back(const T &value) {
    if (full()) {
      return false;
    }
    buf_[wrap(head_ + size_)] = value;
    ++size_;
    return true;
  }

  // Puts a value back in front of the others, e.g. one taken out too early.
  bool push_front(const T &value) {
    if (full()) {
      return false;
    }
    head_ = head_ == 0 ? buf_.size() - 1 : head_ - 1;
    buf_[head_] = value;
    ++size_;
    return true;
  }

  std::optional<T> pop_front() {
    if (empty()) {
      return std::nullopt;
    }
    T value = buf_[head_];
    head_ = wrap(head_ + 1);
    --size_;
    return value;
  }

private:
  [[nodiscard]] size_t wrap(size_t i) const { return i >= buf_.size() ? i - buf_.size() : i; }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

} // namespace scxx
