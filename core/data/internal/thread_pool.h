#pragma once
// Internal: a fixed pool of worker threads for the input pipeline (parallel map). Tasks run in
// submission order; destroying the pool drops the tasks that have not started and joins the
// workers after their current task, so an iterator destroyed mid-epoch stops promptly.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace dl::data::detail {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Queues `f`; its result or exception arrives through the future.
  template <class F>
  auto submit(F f) -> std::future<decltype(f())> {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::move(f));
    std::future<R> result = task->get_future();
    enqueue([task] { (*task)(); });
    return result;
  }

  int size() const { return static_cast<int>(workers_.size()); }

 private:
  void enqueue(std::function<void()> job);
  void work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dl::data::detail
