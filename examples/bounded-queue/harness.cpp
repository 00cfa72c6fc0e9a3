// Test harness of the kisystem example task "bounded-queue".
//
// Checks the candidate's BoundedQueue<T> (bounded_queue.h) against the contract in
// bounded_queue_contract.h:
//   1. single-thread behaviour against a std::deque model (random operations, FIFO, capacity)
//   2. push() blocks while the queue is full and resumes when room is made
//   3. pop() blocks while the queue is empty and resumes when an item arrives
//   4. close(): wakes every waiting pop() and push(), keeps the remaining items, later pushes fail
//   5. several producers and consumers with push()/pop(): every item exactly once, FIFO order per
//      producer, size never above capacity
//   6. the same with try_push()/try_pop() only
// Every phase has a deadline; a phase that does not finish in time (deadlock, lost wake-up) fails.
// A failure seen by any thread ends the run at once with its verdict line.
//
// Output: the seed, then exactly one line "KISYSTEM_VERDICT: PASS" (exit 0) or
// "KISYSTEM_VERDICT: FAIL <reason>" (exit 1).
#include "bounded_queue.h"
#include "bounded_queue_contract.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

static_assert(bq_contract::check<BoundedQueue<int>, int>(), "BoundedQueue<int> breaks the contract");
static_assert(bq_contract::check<BoundedQueue<std::unique_ptr<int>>, std::unique_ptr<int>>(),
              "BoundedQueue<std::unique_ptr<int>> breaks the contract");

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- verdict and deadlines -----------------------------------------------------------------

static std::mutex g_verdict_mutex;
static bool g_verdict_printed = false;

[[noreturn]] static void fail_now(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(g_verdict_mutex);
    if (!g_verdict_printed) {
      g_verdict_printed = true;
      std::printf("KISYSTEM_VERDICT: FAIL %s\n", reason.c_str());
      std::fflush(stdout);
    }
  }
  std::_Exit(1);  // threads may still be blocked inside the queue: do not join them
}

// The current phase and its deadline, watched by a background thread.
static std::mutex g_phase_mutex;
static std::string g_phase = "start";
static Clock::time_point g_deadline = Clock::now() + std::chrono::seconds(30);

static void begin_phase(const std::string& name, int seconds) {
  std::lock_guard<std::mutex> lock(g_phase_mutex);
  g_phase = name;
  g_deadline = Clock::now() + std::chrono::seconds(seconds);
}

static void watchdog() {
  for (;;) {
    std::this_thread::sleep_for(milliseconds(20));
    std::string phase;
    bool late = false;
    {
      std::lock_guard<std::mutex> lock(g_phase_mutex);
      late = Clock::now() > g_deadline;
      phase = g_phase;
    }
    if (late) fail_now(phase + ": did not finish in time (deadlock or lost wake-up?)");
  }
}

static void check(bool ok, const std::string& what) {
  if (!ok) fail_now(what);
}

// Waits until pred() holds or timeout passes; returns whether it held.
template <class Pred>
static bool wait_until(Pred pred, int timeout_ms) {
  const auto end = Clock::now() + milliseconds(timeout_ms);
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

static unsigned long long choose_seed() {
  const char* env = std::getenv("KISYSTEM_SEED");
  if (env != nullptr && *env != '\0') {
    char* end = nullptr;
    unsigned long long value = std::strtoull(env, &end, 0);
    if (end != nullptr && *end == '\0') return value;
    std::fprintf(stderr, "ignoring KISYSTEM_SEED=%s: not a number\n", env);
  }
  return static_cast<unsigned long long>(Clock::now().time_since_epoch().count());
}

static std::string str(std::size_t v) { return std::to_string(v); }

// ---- 1. single thread against a model ------------------------------------------------------

static void phase_single_thread(std::mt19937_64& rng) {
  begin_phase("single thread", 5);
  const std::size_t cap = 1 + rng() % 8;
  BoundedQueue<int> q(cap);
  const std::string where = "single thread, capacity " + str(cap) + ": ";
  check(q.capacity() == cap, where + "capacity() = " + str(q.capacity()));
  check(q.size() == 0, where + "new queue has size() = " + str(q.size()));
  check(!q.closed(), where + "new queue says closed() = true");
  check(!q.try_pop().has_value(), where + "try_pop() on an empty queue returned an item");

  for (std::size_t i = 0; i < cap; ++i) {
    check(q.try_push(static_cast<int>(i)), where + "try_push #" + str(i) + " failed below capacity");
    check(q.size() == i + 1, where + "size() = " + str(q.size()) + " after " + str(i + 1) + " pushes");
  }
  check(!q.try_push(-1), where + "try_push() on a full queue returned true");
  check(q.size() == cap, where + "size() = " + str(q.size()) + " after try_push on a full queue");
  for (std::size_t i = 0; i < cap; ++i) {
    std::optional<int> v = q.try_pop();
    check(v.has_value() && *v == static_cast<int>(i),
          where + "try_pop #" + str(i) + " returned " + (v ? std::to_string(*v) : "nullopt") +
              ", expected " + str(i) + " (FIFO)");
  }
  check(!q.try_pop().has_value(), where + "try_pop() after draining returned an item");

  // Random operations against a std::deque model. push()/pop() are used only where they cannot block.
  std::deque<int> model;
  int next = 1000;
  for (int step = 0; step < 5000; ++step) {
    const int op = static_cast<int>(rng() % 4);
    const std::string at = where + "random step " + std::to_string(step) + ": ";
    if (op == 0) {
      const bool expect = model.size() < cap;
      const bool got = q.try_push(next);
      check(got == expect, at + "try_push returned " + (got ? "true" : "false") + " with " +
                               str(model.size()) + " items held");
      if (expect) model.push_back(next);
      ++next;
    } else if (op == 1 && model.size() < cap) {
      check(q.push(next), at + "push() on an open queue with room returned false");
      model.push_back(next++);
    } else if (op == 2) {
      std::optional<int> v = q.try_pop();
      if (model.empty()) {
        check(!v.has_value(), at + "try_pop() on an empty queue returned an item");
      } else {
        check(v.has_value() && *v == model.front(),
              at + "try_pop() returned " + (v ? std::to_string(*v) : "nullopt") + ", expected " +
                  std::to_string(model.front()));
        model.pop_front();
      }
    } else if (op == 3 && !model.empty()) {
      std::optional<int> v = q.pop();
      check(v.has_value() && *v == model.front(),
            at + "pop() returned " + (v ? std::to_string(*v) : "nullopt") + ", expected " +
                std::to_string(model.front()));
      model.pop_front();
    }
    check(q.size() == model.size(),
          at + "size() = " + str(q.size()) + ", expected " + str(model.size()));
  }

  // A move-only element type.
  BoundedQueue<std::unique_ptr<int>> uq(2);
  check(uq.push(std::make_unique<int>(7)), "unique_ptr queue: push() returned false");
  std::unique_ptr<int> p = std::make_unique<int>(8);
  check(uq.try_push(std::move(p)), "unique_ptr queue: try_push() returned false");
  std::optional<std::unique_ptr<int>> a = uq.pop();
  std::optional<std::unique_ptr<int>> b = uq.try_pop();
  check(a && *a && **a == 7 && b && *b && **b == 8, "unique_ptr queue: items came out wrong");
}

// ---- 2. push blocks while full ---------------------------------------------------------------

static void phase_push_blocks(std::mt19937_64& rng) {
  begin_phase("push() blocking on a full queue", 5);
  const std::size_t cap = 1 + rng() % 4;
  const std::size_t total = cap + 3;
  BoundedQueue<int> q(cap);
  std::atomic<std::size_t> pushed{0};
  std::thread producer([&] {
    for (std::size_t i = 0; i < total; ++i) {
      if (!q.push(static_cast<int>(i))) break;
      pushed.fetch_add(1);
    }
  });
  const std::string where = "capacity " + str(cap) + ": ";
  check(wait_until([&] { return pushed.load() >= cap; }, 2000),
        where + "push() blocked before the queue was full (" + str(pushed.load()) + " pushed)");
  std::this_thread::sleep_for(milliseconds(100));
  check(pushed.load() == cap, where + "push() did not block on a full queue (" +
                                  str(pushed.load()) + " pushes returned)");
  check(q.size() == cap, where + "size() = " + str(q.size()) + " on a full queue");
  for (std::size_t i = 0; i < total; ++i) {
    std::optional<int> v = q.pop();
    check(v.has_value() && *v == static_cast<int>(i),
          where + "pop #" + str(i) + " returned " + (v ? std::to_string(*v) : "nullopt") +
              ", expected " + str(i));
    if (i == 0) {
      check(wait_until([&] { return pushed.load() >= cap + 1; }, 2000),
            where + "a push() waiting on a full queue did not resume after pop() made room");
    }
  }
  producer.join();
  check(pushed.load() == total, where + "producer pushed " + str(pushed.load()) + " of " + str(total));
}

// ---- 3. pop blocks while empty ---------------------------------------------------------------

static void phase_pop_blocks() {
  begin_phase("pop() blocking on an empty queue", 5);
  BoundedQueue<int> q(4);
  std::atomic<bool> returned{false};
  std::optional<int> got;
  std::thread consumer([&] {
    got = q.pop();
    returned.store(true);
  });
  std::this_thread::sleep_for(milliseconds(100));
  check(!returned.load(), "pop() on an empty open queue returned instead of waiting");
  check(q.push(42), "push() on an empty queue returned false");
  check(wait_until([&] { return returned.load(); }, 2000),
        "a pop() waiting on an empty queue did not wake up when an item was pushed");
  consumer.join();
  check(got.has_value() && *got == 42, "the waiting pop() did not return the pushed item 42");
}

// ---- 4. close --------------------------------------------------------------------------------

static void phase_close(std::mt19937_64& rng) {
  begin_phase("close()", 10);
  {  // a. close wakes every waiting pop
    BoundedQueue<int> q(3);
    const int waiters = 2 + static_cast<int>(rng() % 3);
    std::atomic<int> woke{0}, got_item{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
      threads.emplace_back([&] {
        if (q.pop().has_value()) got_item.fetch_add(1);
        woke.fetch_add(1);
      });
    }
    std::this_thread::sleep_for(milliseconds(50));
    check(woke.load() == 0, "pop() on an empty open queue returned instead of waiting");
    q.close();
    check(q.closed(), "closed() is false after close()");
    check(wait_until([&] { return woke.load() == waiters; }, 2000),
          "close(): " + std::to_string(waiters - woke.load()) + " of " + std::to_string(waiters) +
              " threads waiting in pop() did not wake up within 2 s");
    for (std::thread& t : threads) t.join();
    check(got_item.load() == 0, "pop() returned an item from a closed empty queue");
  }
  {  // b. close wakes every waiting push; the items already in stay
    BoundedQueue<int> q(2);
    check(q.push(1) && q.push(2), "push() into a queue with room returned false");
    const int waiters = 2 + static_cast<int>(rng() % 3);
    std::atomic<int> woke{0}, succeeded{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
      threads.emplace_back([&, i] {
        if (q.push(100 + i)) succeeded.fetch_add(1);
        woke.fetch_add(1);
      });
    }
    std::this_thread::sleep_for(milliseconds(50));
    check(woke.load() == 0, "push() on a full open queue returned instead of waiting");
    q.close();
    check(wait_until([&] { return woke.load() == waiters; }, 2000),
          "close(): " + std::to_string(waiters - woke.load()) + " of " + std::to_string(waiters) +
              " threads waiting in push() did not wake up within 2 s");
    for (std::thread& t : threads) t.join();
    check(succeeded.load() == 0, "a push() waiting on a full queue returned true after close()");
    check(q.size() == 2, "close() changed the items held: size() = " + str(q.size()) + ", expected 2");
    std::optional<int> a = q.pop(), b = q.pop();
    check(a && *a == 1 && b && *b == 2,
          "after close(), pop() did not hand out the 2 items still held, in order");
  }
  {  // c. after close: pushes fail, remaining items drain in order, then nullopt at once
    BoundedQueue<int> q(5);
    for (int i = 0; i < 3; ++i) check(q.push(i), "push() into a queue with room returned false");
    q.close();
    q.close();  // a second close does nothing
    check(!q.push(9), "push() after close() returned true");
    check(!q.try_push(9), "try_push() after close() returned true");
    check(q.size() == 3, "after close(): size() = " + str(q.size()) + ", expected the 3 items held");
    for (int i = 0; i < 3; ++i) {
      std::optional<int> v = (i == 1) ? q.try_pop() : q.pop();
      check(v.has_value() && *v == i, "after close(): item " + std::to_string(i) +
                                          " came out as " + (v ? std::to_string(*v) : "nullopt"));
    }
    check(!q.pop().has_value(), "pop() on a closed drained queue returned an item");
    check(!q.try_pop().has_value(), "try_pop() on a closed drained queue returned an item");
    check(q.closed(), "closed() is false after close()");
  }
}

// ---- 5. and 6. producers and consumers -------------------------------------------------------

static std::uint64_t make_item(std::uint64_t producer, std::uint64_t seq) { return (producer << 32) | seq; }

// Runs producers and consumers; blocking == true uses push/pop, else try_push/try_pop.
static void phase_mpmc(std::mt19937_64& rng, bool blocking, const std::string& name, int max_items) {
  begin_phase(name, 15);
  const int producers = 1 + static_cast<int>(rng() % 6);
  const int consumers = 1 + static_cast<int>(rng() % 6);
  const std::size_t cap = 1 + rng() % 64;
  const bool slow_consumers = (rng() % 2) == 0;
  std::vector<std::uint32_t> counts(producers);
  for (auto& c : counts) c = static_cast<std::uint32_t>(rng() % (max_items + 1));
  const std::string where = name + " (" + std::to_string(producers) + " producers, " +
                            std::to_string(consumers) + " consumers, capacity " + str(cap) + "): ";

  BoundedQueue<std::uint64_t> q(cap);
  std::atomic<long long> pushes_done{0}, pops_started{0};
  std::atomic<bool> producers_done{false};

  std::vector<std::vector<std::uint64_t>> received(consumers);
  std::vector<std::thread> threads;
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<long long> last_seq(producers, -1);
      std::size_t n = 0;
      for (;;) {
        std::optional<std::uint64_t> v;
        if (blocking) {
          pops_started.fetch_add(1);
          v = q.pop();
          if (!v) break;
        } else {
          const bool done = producers_done.load();
          pops_started.fetch_add(1);
          v = q.try_pop();
          if (!v) {
            if (done) break;
            std::this_thread::yield();
            continue;
          }
        }
        const std::uint64_t p = *v >> 32, seq = *v & 0xFFFFFFFFu;
        if (p >= static_cast<std::uint64_t>(producers) || seq >= counts[p]) {
          fail_now(where + "popped an item that was never pushed (" + std::to_string(*v) + ")");
        }
        if (static_cast<long long>(seq) <= last_seq[p]) {
          fail_now(where + "consumer " + std::to_string(c) + " got producer " + std::to_string(p) +
                   "'s item " + std::to_string(seq) + " after its item " +
                   std::to_string(last_seq[p]) + " (FIFO order broken)");
        }
        last_seq[p] = static_cast<long long>(seq);
        received[c].push_back(*v);
        const std::size_t size = q.size();
        if (size > cap) fail_now(where + "size() = " + str(size) + " exceeds the capacity");
        if (slow_consumers && (++n % 256) == 0) std::this_thread::sleep_for(milliseconds(1));
      }
    });
  }
  std::vector<std::thread> producer_threads;
  for (int p = 0; p < producers; ++p) {
    producer_threads.emplace_back([&, p] {
      for (std::uint32_t s = 0; s < counts[p]; ++s) {
        const std::uint64_t item = make_item(static_cast<std::uint64_t>(p), s);
        if (blocking) {
          if (!q.push(item)) fail_now(where + "push() returned false on an open queue");
        } else {
          while (!q.try_push(item)) std::this_thread::yield();
        }
        // Lower bound of the items held right now: pushes finished minus pops started.
        const long long held = pushes_done.fetch_add(1) + 1 - pops_started.load();
        if (held > static_cast<long long>(cap)) {
          fail_now(where + "at least " + std::to_string(held) +
                   " items held at once: the capacity was exceeded");
        }
      }
    });
  }
  for (std::thread& t : producer_threads) t.join();
  producers_done.store(true);
  if (blocking) q.close();
  for (std::thread& t : threads) t.join();

  // Every item exactly once.
  std::vector<std::vector<std::uint8_t>> seen(producers);
  for (int p = 0; p < producers; ++p) seen[p].assign(counts[p], 0);
  for (const auto& items : received) {
    for (std::uint64_t v : items) {
      const std::uint64_t p = v >> 32, seq = v & 0xFFFFFFFFu;
      if (seen[p][seq]++) {
        fail_now(where + "producer " + std::to_string(p) + "'s item " + std::to_string(seq) +
                 " was delivered twice");
      }
    }
  }
  for (int p = 0; p < producers; ++p) {
    for (std::uint32_t s = 0; s < counts[p]; ++s) {
      if (!seen[p][s]) {
        fail_now(where + "producer " + std::to_string(p) + "'s item " + std::to_string(s) +
                 " was never delivered (lost)");
      }
    }
  }
  check(q.size() == 0, where + "size() = " + str(q.size()) + " after everything was popped");
}

int main() {
  const unsigned long long seed = choose_seed();
  std::printf("seed: %llu (set KISYSTEM_SEED=%llu to repeat this run)\n", seed, seed);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  std::thread(watchdog).detach();

  phase_single_thread(rng);
  phase_push_blocks(rng);
  phase_pop_blocks();
  phase_close(rng);
  for (int round = 0; round < 3; ++round) {
    phase_mpmc(rng, true, "push/pop round " + std::to_string(round + 1), 30000);
  }
  phase_mpmc(rng, false, "try_push/try_pop", 10000);

  begin_phase("done", 3600);  // the watchdog must not fire while PASS is printed
  {
    std::lock_guard<std::mutex> lock(g_verdict_mutex);
    g_verdict_printed = true;
    std::printf("KISYSTEM_VERDICT: PASS\n");
    std::fflush(stdout);
  }
  std::_Exit(0);  // the watchdog thread is detached and still sleeping
}
