// httplib's worker pool with a bound on waiting connections: its own
// ThreadPool queues without limit, so a flood of connections would grow the
// queue (and the agent's heap) without end. Here enqueue() blocks the
// accepting thread while `max_pending` connections wait; the kernel's listen
// backlog then holds (and finally refuses) the rest. The threads start in
// the constructor, so a pool made before the scheduler attaches is all the
// threads the API ever has.
#pragma once

#include "control/httplib_config.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace scxx {

class BoundedTaskQueue : public httplib::TaskQueue {
public:
  BoundedTaskQueue(size_t threads, size_t max_pending);
  BoundedTaskQueue(const BoundedTaskQueue &) = delete;
  BoundedTaskQueue &operator=(const BoundedTaskQueue &) = delete;
  ~BoundedTaskQueue() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

private:
  void work();

  size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace scxx
