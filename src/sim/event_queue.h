// Simulated time: events ordered by time, then by the order they were
// scheduled, so equal times always resolve the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace scxx::sim {

class EventQueue {
public:
  using Action = std::function<void()>;

  void at(uint64_t time, Action action) { heap_.push(Event{time, next_seq_++, std::move(action)}); }
  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] uint64_t next_time() const { return heap_.top().time; }
  // Removes the earliest event and returns its action; its time is next_time().
  Action pop() {
    // Moved out, not copied (a copy was a tenth of a run's time): the heap
    // orders by time and seq only, which the move leaves alone.
    Action a = std::move(
        const_cast<Event &>(heap_.top()).action); // NOLINT(cppcoreguidelines-pro-type-const-cast)
    heap_.pop();
    return a;
  }

private:
  struct Event {
    uint64_t time;
    uint64_t seq;
    Action action;
  };
  struct Later {
    bool operator()(const Event &a, const Event &b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  uint64_t next_seq_ = 0;
};

} // namespace scxx::sim
