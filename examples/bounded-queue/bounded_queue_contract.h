// bounded_queue_contract.h: what bounded_queue.h must provide (kisystem example task
// "bounded-queue"). This file is part of the test harness: it is not to be changed, and
// bounded_queue.h does not need to include it.
//
// Write bounded_queue.h: a header-only, thread-safe, bounded, blocking FIFO queue, in the global
// namespace, with this public interface:
//
//   #include <cstddef>
//   #include <optional>
//
//   template <typename T>
//   class BoundedQueue {
//    public:
//     explicit BoundedQueue(std::size_t capacity);  // capacity >= 1: the most items held at once
//     BoundedQueue(const BoundedQueue&) = delete;
//     BoundedQueue& operator=(const BoundedQueue&) = delete;
//
//     bool push(T item);            // waits while the queue is full and open; true once inserted,
//                                   // false (item not inserted) if the queue is or becomes closed
//     bool try_push(T item);        // never waits; false (item not inserted) if full or closed
//     std::optional<T> pop();       // waits while the queue is empty and open; returns the oldest
//                                   // item; std::nullopt once the queue is closed AND empty
//     std::optional<T> try_pop();   // never waits; the oldest item, or std::nullopt if empty
//     void close();                 // see below; calling it again does nothing
//     bool closed() const;          // true once close() has been called
//     std::size_t size() const;     // items held now; never more than capacity()
//     std::size_t capacity() const; // the capacity given to the constructor
//   };
//
// Rules:
// - FIFO: items come out in the order in which they went in.
// - Every member function may be called from any number of threads at the same time. Each item
//   pushed successfully is popped exactly once; nothing is lost or duplicated.
// - Waiting must block (std::mutex + std::condition_variable, or equivalent), not spin.
// - close(): wakes EVERY thread waiting in push() or pop(). After close(), push() and try_push()
//   return false and insert nothing; the items still in the queue stay there and are handed out by
//   pop() and try_pop() in order; once the queue is empty, pop() returns std::nullopt at once.
// - T may be a move-only type such as std::unique_ptr<int>: push(std::move(x)) and
//   try_push(std::move(x)) must compile (taking T by value, or const T& + T&& overloads, are both
//   fine). Only the C++17 standard library may be used.
//
// The checks below run at compile time in the harness and name any member that is missing or has
// the wrong type.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

namespace bq_contract {

template <class Q, class T, class = void>
struct push_ok : std::false_type {};
template <class Q, class T>
struct push_ok<Q, T, std::void_t<decltype(std::declval<Q&>().push(std::declval<T&&>()))>>
    : std::is_same<decltype(std::declval<Q&>().push(std::declval<T&&>())), bool> {};

template <class Q, class T, class = void>
struct try_push_ok : std::false_type {};
template <class Q, class T>
struct try_push_ok<Q, T, std::void_t<decltype(std::declval<Q&>().try_push(std::declval<T&&>()))>>
    : std::is_same<decltype(std::declval<Q&>().try_push(std::declval<T&&>())), bool> {};

template <class Q, class T, class = void>
struct pop_ok : std::false_type {};
template <class Q, class T>
struct pop_ok<Q, T, std::void_t<decltype(std::declval<Q&>().pop())>>
    : std::is_same<decltype(std::declval<Q&>().pop()), std::optional<T>> {};

template <class Q, class T, class = void>
struct try_pop_ok : std::false_type {};
template <class Q, class T>
struct try_pop_ok<Q, T, std::void_t<decltype(std::declval<Q&>().try_pop())>>
    : std::is_same<decltype(std::declval<Q&>().try_pop()), std::optional<T>> {};

template <class Q, class = void>
struct close_ok : std::false_type {};
template <class Q>
struct close_ok<Q, std::void_t<decltype(std::declval<Q&>().close())>> : std::true_type {};

template <class Q, class = void>
struct closed_ok : std::false_type {};
template <class Q>
struct closed_ok<Q, std::void_t<decltype(std::declval<const Q&>().closed())>>
    : std::is_convertible<decltype(std::declval<const Q&>().closed()), bool> {};

template <class Q, class = void>
struct size_ok : std::false_type {};
template <class Q>
struct size_ok<Q, std::void_t<decltype(std::declval<const Q&>().size())>>
    : std::is_convertible<decltype(std::declval<const Q&>().size()), std::size_t> {};

template <class Q, class = void>
struct capacity_ok : std::false_type {};
template <class Q>
struct capacity_ok<Q, std::void_t<decltype(std::declval<const Q&>().capacity())>>
    : std::is_convertible<decltype(std::declval<const Q&>().capacity()), std::size_t> {};

// Usage: static_assert(bq_contract::check<BoundedQueue<int>, int>());
template <class Q, class T>
constexpr bool check() {
  static_assert(std::is_constructible<Q, std::size_t>::value,
                "BoundedQueue<T> needs a constructor BoundedQueue(std::size_t capacity)");
  static_assert(!std::is_copy_constructible<Q>::value,
                "BoundedQueue<T> must not be copyable (delete the copy constructor)");
  static_assert(push_ok<Q, T>::value,
                "BoundedQueue<T> needs bool push(T item), callable as push(std::move(x))");
  static_assert(try_push_ok<Q, T>::value,
                "BoundedQueue<T> needs bool try_push(T item), callable as try_push(std::move(x))");
  static_assert(pop_ok<Q, T>::value, "BoundedQueue<T> needs std::optional<T> pop()");
  static_assert(try_pop_ok<Q, T>::value, "BoundedQueue<T> needs std::optional<T> try_pop()");
  static_assert(close_ok<Q>::value, "BoundedQueue<T> needs void close()");
  static_assert(closed_ok<Q>::value, "BoundedQueue<T> needs bool closed() const");
  static_assert(size_ok<Q>::value, "BoundedQueue<T> needs std::size_t size() const");
  static_assert(capacity_ok<Q>::value, "BoundedQueue<T> needs std::size_t capacity() const");
  return true;
}

}  // namespace bq_contract
