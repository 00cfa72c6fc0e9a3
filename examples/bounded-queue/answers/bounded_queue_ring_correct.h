#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

// Bounded blocking FIFO queue on a fixed ring buffer of std::optional<T> slots.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  bool push(T item) {
    std::unique_lock<std::mutex> lock(m_);
    can_push_.wait(lock, [&] { return closed_ || count_ < slots_.size(); });
    if (closed_) return false;
    put(std::move(item));
    can_pop_.notify_one();
    return true;
  }

  bool try_push(T item) {
    std::lock_guard<std::mutex> lock(m_);
    if (closed_ || count_ == slots_.size()) return false;
    put(std::move(item));
    can_pop_.notify_one();
    return true;
  }

  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(m_);
    can_pop_.wait(lock, [&] { return closed_ || count_ > 0; });
    if (count_ == 0) return std::nullopt;
    std::optional<T> item = take();
    can_push_.notify_one();
    return item;
  }

  std::optional<T> try_pop() {
    std::lock_guard<std::mutex> lock(m_);
    if (count_ == 0) return std::nullopt;
    std::optional<T> item = take();
    can_push_.notify_one();
    return item;
  }

  void close() {
    std::lock_guard<std::mutex> lock(m_);
    closed_ = true;
    can_push_.notify_all();
    can_pop_.notify_all();
  }

  bool closed() const {
    std::lock_guard<std::mutex> lock(m_);
    return closed_;
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(m_);
    return count_;
  }

  std::size_t capacity() const { return slots_.size(); }

 private:
  void put(T&& item) {
    slots_[(head_ + count_) % slots_.size()].emplace(std::move(item));
    ++count_;
  }

  std::optional<T> take() {
    std::optional<T> item(std::move(slots_[head_]));
    slots_[head_].reset();
    head_ = (head_ + 1) % slots_.size();
    --count_;
    return item;
  }

  mutable std::mutex m_;
  std::condition_variable can_push_;
  std::condition_variable can_pop_;
  std::vector<std::optional<T>> slots_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool closed_ = false;
};
