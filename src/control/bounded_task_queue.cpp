#include "control/bounded_task_queue.h"

namespace scxx {

BoundedTaskQueue::BoundedTaskQueue(size_t threads, size_t max_pending) : max_pending_(max_pending) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

BoundedTaskQueue::~BoundedTaskQueue() {
  shutdown();
}

void BoundedTaskQueue::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mutex_);
  has_room_.wait(lock, [&] { return stopping_ || jobs_.size() < max_pending_; });
  if (stopping_) {
    lock.unlock();
    fn(); // the job closes its connection; run it rather than leak the socket
    return;
  }
  jobs_.push_back(std::move(fn));
  has_work_.notify_one();
}

void BoundedTaskQueue::shutdown() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  has_room_.notify_all();
  for (std::thread &t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void BoundedTaskQueue::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        return; // stopping, and every queued connection served
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    has_room_.notify_one();
    job();
  }
}

} // namespace scxx
