// Candidate side of the kisystem example task "bounded-queue" (docs/task-authors.md).
//
// Runs the candidate's BoundedQueue<T> (bounded_queue.h) through the scenarios the trusted checker
// (checker.cpp: built without the solution, run outside this program's sandbox) sends, one input
// frame per phase, and answers with what it observed: return values, sizes, items popped, whether a
// waiting thread woke up in time. It never judges; the checker compares with the contract in
// bounded_queue_contract.h:
//   1. single-thread behaviour against a std::deque model (random operations, FIFO, capacity)
//   2. push() blocks while the queue is full and resumes when room is made
//   3. pop() blocks while the queue is empty and resumes when an item arrives
//   4. close(): wakes every waiting pop() and push(), keeps the remaining items, later pushes fail
//   5. several producers and consumers with push()/pop() (or only try_push()/try_pop()): every item
//      exactly once, FIFO order per producer, size never above capacity
//   6. push() inserts under the lock: a push() held in the middle of moving its item into the queue
//      (a schedule, not a race left to chance) while another thread calls try_push()
// Every phase has a deadline, a time without progress; a phase that stops making progress (deadlock,
// lost wake-up) answers with what it saw so far and a "late" status, and the program ends.
//
// Answer frame: u32 status (0 done, 1 late), vec<char> phase, vec<i64> trace, u64 lists, lists x vec<u64>.
#include "bounded_queue.h"
#include "bounded_queue_contract.h"
#include "kisystem_io.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <fstream>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

static_assert(bq_contract::check<BoundedQueue<int>, int>(), "BoundedQueue<int> breaks the contract");
static_assert(bq_contract::check<BoundedQueue<std::unique_ptr<int>>, std::unique_ptr<int>>(),
              "BoundedQueue<std::unique_ptr<int>> breaks the contract");

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

static const std::int64_t kNone = INT64_MIN;  // "no item" in a trace

// ---- the answer of the current phase -----------------------------------------------------------

static kio::Candidate* g_io = nullptr;
static std::mutex g_answer_mutex;
static std::vector<std::int64_t> g_trace;  // written by the main thread only
static std::vector<std::vector<std::uint64_t>> g_lists;

static void obs(std::int64_t v) { g_trace.push_back(v); }
static std::int64_t item(const std::optional<int>& v) { return v ? *v : kNone; }

static void answer(std::uint32_t status, const std::string& phase) {
  std::lock_guard<std::mutex> lock(g_answer_mutex);
  kio::Writer w;
  w.put(status);
  w.put_vec(std::vector<char>(phase.begin(), phase.end()));
  w.put_vec(g_trace);
  w.put<std::uint64_t>(g_lists.size());
  for (const auto& l : g_lists) w.put_vec(l);
  g_io->reply(w);
}

// The current phase and its deadline, watched by a background thread. A deadline is a time without
// progress (an item moved, a thread woke), not a time for the whole phase: a deadlock or a lost
// wake-up makes no progress at all, while a correct queue on a loaded machine keeps making some.
static std::mutex g_phase_mutex;
static std::string g_phase = "start";
static Clock::time_point g_deadline = Clock::now() + std::chrono::hours(24);
static std::chrono::seconds g_patience{24 * 3600};
static std::atomic<std::uint64_t> g_progress{0};

static void progress() { g_progress.fetch_add(1, std::memory_order_relaxed); }

static void begin_phase(const std::string& name, int seconds) {
  std::lock_guard<std::mutex> lock(g_phase_mutex);
  g_phase = name;
  g_patience = std::chrono::seconds(seconds);
  g_deadline = Clock::now() + g_patience;
}

static void watchdog() {
  std::uint64_t seen = g_progress.load();
  for (;;) {
    std::this_thread::sleep_for(milliseconds(20));
    std::string phase;
    bool late = false;
    const std::uint64_t now_progress = g_progress.load();
    {
      std::lock_guard<std::mutex> lock(g_phase_mutex);
      if (now_progress != seen) g_deadline = Clock::now() + g_patience;
      late = Clock::now() > g_deadline;
      phase = g_phase;
    }
    seen = now_progress;
    if (late) {
      answer(1, phase);
      std::_Exit(0);  // threads may still be blocked inside the queue: do not join them
    }
  }
}

// Waits until pred() holds; returns false once timeout_ms pass without progress (see above).
template <class Pred>
static bool wait_until(Pred pred, int timeout_ms) {
  auto end = Clock::now() + milliseconds(timeout_ms);
  std::uint64_t seen = g_progress.load();
  while (!pred()) {
    const std::uint64_t now_progress = g_progress.load();
    if (now_progress != seen) {
      seen = now_progress;
      end = Clock::now() + milliseconds(timeout_ms);
    }
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Whether thread `tid` of this process sleeps in the kernel (state S: waiting on a lock, a futex);
// false when /proc cannot tell (then only the answer's return tells).
static bool thread_sleeps(long tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'S';
}

// The ids of a phase's waiting threads, each recorded before its call into the queue.
struct Waiters {
  explicit Waiters(int n) : tids(static_cast<std::size_t>(n)) {}
  std::vector<std::atomic<long>> tids;
  void enter(int i) { tids[static_cast<std::size_t>(i)].store(static_cast<long>(syscall(SYS_gettid))); }
  // Every waiter has entered and sleeps in the kernel (blocked in the queue). close() runs only
  // then: a close() that wakes too few of them is seen every time, not only when the machine was
  // quick enough to start the threads before a fixed sleep ran out. Where /proc cannot show the
  // sleep, this gives up after a while and the phase goes on (the result stays right).
  void wait_blocked() {
    const auto end = Clock::now() + milliseconds(2000);
    auto blocked = [&] {
      for (const std::atomic<long>& tid : tids)
        if (tid.load() == 0 || !thread_sleeps(tid.load())) return false;
      return true;
    };
    while (!blocked() && Clock::now() < end) std::this_thread::sleep_for(milliseconds(1));
    std::this_thread::sleep_for(milliseconds(5));  // a waiter seen asleep on the mutex reaches its wait
  }
};

// ---- 1. single thread ------------------------------------------------------------------------

static void phase_single_thread(kio::Reader& in) {
  begin_phase("single thread", 5);
  const std::size_t cap = static_cast<std::size_t>(in.get<std::uint64_t>());
  const std::vector<std::int32_t> ops = in.get_vec<std::int32_t>();
  const std::vector<std::int64_t> values = in.get_vec<std::int64_t>();
  BoundedQueue<int> q(cap);
  obs(static_cast<std::int64_t>(q.capacity()));
  obs(static_cast<std::int64_t>(q.size()));
  obs(q.closed());
  obs(q.try_pop().has_value());
  for (std::size_t i = 0; i < cap; ++i) {
    obs(q.try_push(static_cast<int>(i)));
    obs(static_cast<std::int64_t>(q.size()));
  }
  obs(q.try_push(-1));
  obs(static_cast<std::int64_t>(q.size()));
  for (std::size_t i = 0; i < cap; ++i) obs(item(q.try_pop()));
  obs(q.try_pop().has_value());
  for (std::size_t k = 0; k < ops.size() && k < values.size(); ++k) {
    const int v = static_cast<int>(values[k]);
    switch (ops[k]) {
      case 0: obs(q.try_push(v)); break;
      case 1: obs(q.push(v)); break;
      case 2: obs(item(q.try_pop())); break;
      default: obs(item(q.pop())); break;
    }
    obs(static_cast<std::int64_t>(q.size()));
  }
  // A move-only element type.
  BoundedQueue<std::unique_ptr<int>> uq(2);
  obs(uq.push(std::make_unique<int>(7)));
  std::unique_ptr<int> p = std::make_unique<int>(8);
  obs(uq.try_push(std::move(p)));
  std::optional<std::unique_ptr<int>> a = uq.pop();
  std::optional<std::unique_ptr<int>> b = uq.try_pop();
  obs(a && *a ? **a : kNone);
  obs(b && *b ? **b : kNone);
}

// ---- 2. push blocks while full ---------------------------------------------------------------

static void phase_push_blocks(kio::Reader& in) {
  begin_phase("push() blocking on a full queue", 5);
  const std::size_t cap = static_cast<std::size_t>(in.get<std::uint64_t>());
  const std::size_t total = cap + 3;
  BoundedQueue<int> q(cap);
  std::atomic<std::size_t> pushed{0};
  std::thread producer([&] {
    for (std::size_t i = 0; i < total; ++i) {
      if (!q.push(static_cast<int>(i))) break;
      pushed.fetch_add(1);
      progress();
    }
  });
  obs(wait_until([&] { return pushed.load() >= cap; }, 2000));
  std::this_thread::sleep_for(milliseconds(100));
  obs(static_cast<std::int64_t>(pushed.load()));
  obs(static_cast<std::int64_t>(q.size()));
  for (std::size_t i = 0; i < total; ++i) {
    obs(item(q.pop()));
    if (i == 0) obs(wait_until([&] { return pushed.load() >= cap + 1; }, 2000));
  }
  producer.join();
  obs(static_cast<std::int64_t>(pushed.load()));
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
    progress();
  });
  std::this_thread::sleep_for(milliseconds(100));
  obs(returned.load());
  obs(q.push(42));
  obs(wait_until([&] { return returned.load(); }, 2000));
  consumer.join();
  obs(item(got));
}

// ---- 4. close --------------------------------------------------------------------------------

static void phase_close(kio::Reader& in) {
  begin_phase("close()", 10);
  const int pop_waiters = static_cast<int>(in.get<std::uint64_t>());
  const int push_waiters = static_cast<int>(in.get<std::uint64_t>());
  {  // a. close wakes every waiting pop
    BoundedQueue<int> q(3);
    std::atomic<int> woke{0}, got_item{0};
    std::vector<std::thread> threads;
    Waiters waiters(pop_waiters);
    for (int i = 0; i < pop_waiters; ++i) {
      threads.emplace_back([&, i] {
        waiters.enter(i);
        if (q.pop().has_value()) got_item.fetch_add(1);
        woke.fetch_add(1);
        progress();
      });
    }
    waiters.wait_blocked();
    obs(woke.load());
    q.close();
    obs(q.closed());
    obs(wait_until([&] { return woke.load() == pop_waiters; }, 2000) ? pop_waiters : woke.load());
    for (std::thread& t : threads) t.join();
    obs(got_item.load());
  }
  {  // b. close wakes every waiting push; the items already in stay
    BoundedQueue<int> q(2);
    obs(q.push(1) && q.push(2));
    std::atomic<int> woke{0}, succeeded{0};
    std::vector<std::thread> threads;
    Waiters waiters(push_waiters);
    for (int i = 0; i < push_waiters; ++i) {
      threads.emplace_back([&, i] {
        waiters.enter(i);
        if (q.push(100 + i)) succeeded.fetch_add(1);
        woke.fetch_add(1);
        progress();
      });
    }
    waiters.wait_blocked();
    obs(woke.load());
    q.close();
    obs(wait_until([&] { return woke.load() == push_waiters; }, 2000) ? push_waiters : woke.load());
    for (std::thread& t : threads) t.join();
    obs(succeeded.load());
    obs(static_cast<std::int64_t>(q.size()));
    obs(item(q.pop()));
    obs(item(q.pop()));
  }
  {  // c. after close: pushes fail, remaining items drain in order, then nullopt at once
    BoundedQueue<int> q(5);
    for (int i = 0; i < 3; ++i) obs(q.push(i));
    q.close();
    q.close();  // a second close does nothing
    obs(q.push(9));
    obs(q.try_push(9));
    obs(static_cast<std::int64_t>(q.size()));
    for (int i = 0; i < 3; ++i) obs(item(i == 1 ? q.try_pop() : q.pop()));
    obs(q.pop().has_value());
    obs(q.try_pop().has_value());
    obs(q.closed());
  }
}

// ---- 5. producers and consumers -----------------------------------------------------------

static std::uint64_t make_item(std::uint64_t producer, std::uint64_t seq) { return (producer << 32) | seq; }

// Trace: lower bound of the most items held at once, largest size() seen, failed push() calls,
// size() at the end; lists: the items each consumer got, in order.
static void phase_mpmc(kio::Reader& in) {
  const bool blocking = in.get<std::uint32_t>() != 0;
  const int producers = static_cast<int>(in.get<std::uint64_t>());
  const int consumers = static_cast<int>(in.get<std::uint64_t>());
  const std::size_t cap = static_cast<std::size_t>(in.get<std::uint64_t>());
  const bool slow_consumers = in.get<std::uint32_t>() != 0;
  const std::vector<std::uint32_t> counts = in.get_vec<std::uint32_t>();
  begin_phase(blocking ? "push/pop" : "try_push/try_pop", 15);
  if (!in.ok || static_cast<int>(counts.size()) != producers) std::_Exit(4);

  BoundedQueue<std::uint64_t> q(cap);
  std::atomic<long long> pushes_done{0}, pops_started{0}, max_held{0}, max_size{0}, push_failures{0};
  std::atomic<bool> producers_done{false};
  auto raise = [](std::atomic<long long>& m, long long v) {
    long long cur = m.load();
    while (v > cur && !m.compare_exchange_weak(cur, v)) {
    }
  };
  g_lists.assign(consumers, {});
  std::vector<std::thread> threads;
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<std::uint64_t>& got = g_lists[c];
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
        got.push_back(*v);
        progress();
        raise(max_size, static_cast<long long>(q.size()));
        if (slow_consumers && (++n % 256) == 0) std::this_thread::sleep_for(milliseconds(1));
      }
    });
  }
  std::vector<std::thread> producer_threads;
  for (int p = 0; p < producers; ++p) {
    producer_threads.emplace_back([&, p] {
      for (std::uint32_t s = 0; s < counts[p]; ++s) {
        const std::uint64_t it = make_item(static_cast<std::uint64_t>(p), s);
        if (blocking) {
          if (!q.push(it)) push_failures.fetch_add(1);
        } else {
          while (!q.try_push(it)) std::this_thread::yield();
        }
        // Lower bound of the items held right now: pushes finished minus pops started.
        raise(max_held, pushes_done.fetch_add(1) + 1 - pops_started.load());
        progress();
      }
    });
  }
  for (std::thread& t : producer_threads) t.join();
  producers_done.store(true);
  if (blocking) q.close();
  for (std::thread& t : threads) t.join();
  obs(max_held.load());
  obs(max_size.load());
  obs(push_failures.load());
  obs(static_cast<std::int64_t>(q.size()));
}

// ---- 6. push inserts under the lock ---------------------------------------------------------

// Holds the first move of an item after arm() until release(): the push() that moves it stops in the
// middle of inserting, wherever in push() the move happens.
class MoveGate {
 public:
  void arm() { armed_.store(true); }
  void on_move() {
    if (!armed_.exchange(false)) return;
    std::unique_lock<std::mutex> lock(m_);
    moving_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
  }
  // Waits until an armed move is held, or `done` (the push returned without moving the item).
  bool wait_moving(const std::atomic<bool>& done) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return moving_ || done.load(); });
    return moving_;
  }
  void notify() { std::lock_guard<std::mutex> lock(m_); cv_.notify_all(); }
  void release() {
    std::lock_guard<std::mutex> lock(m_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::atomic<bool> armed_{false};
  std::mutex m_;
  std::condition_variable cv_;
  bool moving_ = false, released_ = false;
};

static MoveGate* g_gate = nullptr;

// A move-only item whose moves pass the gate (trivially destructible: a queue that tears its
// storage apart cannot crash the program on it).
struct Gated {
  std::int64_t v;
  explicit Gated(std::int64_t x) : v(x) {}
  Gated(Gated&& o) noexcept : v(o.v) { if (g_gate) g_gate->on_move(); }
  Gated& operator=(Gated&& o) noexcept {
    v = o.v;
    if (g_gate) g_gate->on_move();
    return *this;
  }
  Gated(const Gated&) = delete;
  Gated& operator=(const Gated&) = delete;
};

// Thread A pushes into an empty queue of capacity 1 and is held in the middle of moving its item;
// meanwhile thread B calls try_push(). Inserting under the lock, B waits for the lock (it sleeps)
// and finds the queue full; moving the item into a local before taking the lock, B finds the
// queue empty and A then waits for room until close(). Only a push() that checks for room under
// the lock but inserts outside it lets both succeed. B's sleep or return is the event waited for;
// where /proc cannot show B's sleep, the gate opens after a while (the result stays right, only the
// schedule is no longer certain).
static void phase_insert_under_lock() {
  begin_phase("push() inserting under the lock", 10);
  MoveGate gate;
  g_gate = &gate;
  BoundedQueue<Gated> q(1);
  std::atomic<int> a_result{-1}, b_result{-1};
  std::atomic<long> b_tid{0};
  std::atomic<bool> a_done{false};
  gate.arm();
  std::thread a([&] {
    a_result.store(q.push(Gated(1)) ? 1 : 0);
    a_done.store(true);
    gate.notify();
  });
  const bool held = gate.wait_moving(a_done);
  std::thread b([&] {
    b_tid.store(static_cast<long>(syscall(SYS_gettid)));
    b_result.store(q.try_push(Gated(2)) ? 1 : 0);
  });
  const bool proc_readable = std::ifstream("/proc/self/stat").good();
  const auto fallback = Clock::now() + milliseconds(500);
  while (held && b_result.load() == -1) {
    const long tid = b_tid.load();
    if (tid != 0 && proc_readable && thread_sleeps(tid)) break;
    if (!proc_readable && Clock::now() > fallback) break;
    std::this_thread::sleep_for(milliseconds(1));
  }
  gate.release();
  b.join();
  q.close();  // wakes a push() still waiting for room
  a.join();
  g_gate = nullptr;
  obs(held);
  obs(a_result.load());
  obs(b_result.load());
  obs(static_cast<std::int64_t>(q.size()));
  std::int64_t drained = 0;
  for (std::optional<Gated> v = q.try_pop(); v && drained < 8; v = q.try_pop()) {
    ++drained;
    obs(v->v);
  }
  obs(drained);
}

int main() {
  kio::Candidate io;
  g_io = &io;
  std::thread(watchdog).detach();
  std::vector<char> frame;
  while (io.next(frame)) {
    kio::Reader in(frame);
    g_trace.clear();
    g_lists.clear();
    switch (in.get<std::uint32_t>()) {
      case 1: phase_single_thread(in); break;
      case 2: phase_push_blocks(in); break;
      case 3: phase_pop_blocks(); break;
      case 4: phase_close(in); break;
      case 6: phase_insert_under_lock(); break;
      default: phase_mpmc(in); break;
    }
    std::string phase;
    {
      std::lock_guard<std::mutex> lock(g_phase_mutex);
      phase = g_phase;
    }
    begin_phase("waiting for the next phase", 24 * 3600);
    answer(0, phase);
  }
  std::_Exit(0);  // the watchdog thread is detached and still sleeping
}
