// Trusted checker of the kisystem example task "bounded-queue" (docs/task-authors.md): draws each
// phase's scenario from a seed the candidate never sees, and judges what the candidate program
// (harness.cpp + the solution) observed against the contract in bounded_queue_contract.h. Built
// without the solution; runs outside the candidate's sandbox. Phases: see harness.cpp.
//
// Input frames: u32 phase, then
//   1 single thread:  u64 capacity, vec<i32> operations (0 try_push, 1 push, 2 try_pop, 3 pop), vec<i64> values
//   2 push blocks:    u64 capacity
//   3 pop blocks:     (nothing)
//   4 close:          u64 threads waiting in pop(), u64 threads waiting in push()
//   5 producers/consumers: u32 blocking, u64 producers, u64 consumers, u64 capacity, u32 slow consumers, vec<u32> items per producer
//   6 push inserts under the lock: (nothing)
#include "kisystem_io.h"

#include <climits>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <utility>
#include <vector>

static const std::int64_t kNone = INT64_MIN;

static std::string show(std::int64_t v) { return v == kNone ? "nullopt" : std::to_string(v); }
static std::string str(std::uint64_t v) { return std::to_string(v); }

struct Expected {
  std::vector<std::pair<std::int64_t, std::string>> items;
  void operator()(std::int64_t value, const std::string& what) { items.emplace_back(value, what); }
};

void kio_cases(const std::string&, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  {  // 1. single thread: random operations, resolved against a model so that push()/pop() never block
    kio::Writer w;
    const std::uint64_t cap = 1 + rng() % 8;
    std::vector<std::int32_t> ops;
    std::vector<std::int64_t> values;
    std::deque<std::int64_t> model;
    std::int64_t next = 1000;
    for (int step = 0; step < 5000; ++step) {
      const int op = static_cast<int>(rng() % 4);
      if (op == 0) {
        ops.push_back(0);
        values.push_back(next);
        if (model.size() < cap) model.push_back(next);
        ++next;
      } else if (op == 1 && model.size() < cap) {
        ops.push_back(1);
        values.push_back(next);
        model.push_back(next++);
      } else if (op == 2) {
        ops.push_back(2);
        values.push_back(0);
        if (!model.empty()) model.pop_front();
      } else if (op == 3 && !model.empty()) {
        ops.push_back(3);
        values.push_back(0);
        model.pop_front();
      }
    }
    w.put<std::uint32_t>(1);
    w.put(cap);
    w.put_vec(ops);
    w.put_vec(values);
    cases.push_back(w.bytes);
  }
  {
    kio::Writer w;
    w.put<std::uint32_t>(2);
    w.put<std::uint64_t>(1 + rng() % 4);
    cases.push_back(w.bytes);
  }
  {
    kio::Writer w;
    w.put<std::uint32_t>(3);
    cases.push_back(w.bytes);
  }
  {
    kio::Writer w;
    w.put<std::uint32_t>(4);
    w.put<std::uint64_t>(2 + rng() % 3);
    w.put<std::uint64_t>(2 + rng() % 3);
    cases.push_back(w.bytes);
  }
  {  // before the producers and consumers: this schedule shows an insert outside the lock every time
    kio::Writer w;
    w.put<std::uint32_t>(6);
    cases.push_back(w.bytes);
  }
  for (int round = 0; round < 4; ++round) {
    const bool blocking = round < 3;
    const std::uint32_t max_items = blocking ? 30000 : 10000;
    kio::Writer w;
    w.put<std::uint32_t>(5);
    w.put<std::uint32_t>(blocking ? 1 : 0);
    const std::uint64_t producers = 1 + rng() % 6;
    w.put(producers);
    w.put<std::uint64_t>(1 + rng() % 6);
    w.put<std::uint64_t>(1 + rng() % 64);
    w.put<std::uint32_t>(rng() % 2 == 0 ? 1 : 0);
    std::vector<std::uint32_t> counts(producers);
    for (auto& c : counts) c = static_cast<std::uint32_t>(rng() % (max_items + 1));
    w.put_vec(counts);
    cases.push_back(w.bytes);
  }
}

static Expected expect_single_thread(kio::Reader& in, std::string& where) {
  Expected e;
  const std::uint64_t cap = in.get<std::uint64_t>();
  const std::vector<std::int32_t> ops = in.get_vec<std::int32_t>();
  const std::vector<std::int64_t> values = in.get_vec<std::int64_t>();
  where = "single thread, capacity " + str(cap) + ": ";
  e(static_cast<std::int64_t>(cap), "capacity()");
  e(0, "size() of a new queue");
  e(0, "closed() of a new queue (1 = true)");
  e(0, "try_pop() on an empty queue (1 = returned an item)");
  for (std::uint64_t i = 0; i < cap; ++i) {
    e(1, "try_push #" + str(i) + " below capacity (1 = true)");
    e(static_cast<std::int64_t>(i + 1), "size() after " + str(i + 1) + " pushes");
  }
  e(0, "try_push() on a full queue (1 = true)");
  e(static_cast<std::int64_t>(cap), "size() after try_push on a full queue");
  for (std::uint64_t i = 0; i < cap; ++i) e(static_cast<std::int64_t>(i), "try_pop #" + str(i) + " (FIFO)");
  e(0, "try_pop() after draining (1 = returned an item)");
  std::deque<std::int64_t> model;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const std::string at = "random operation " + str(k) + ": ";
    switch (ops[k]) {
      case 0: {
        const bool room = model.size() < cap;
        e(room ? 1 : 0, at + "try_push with " + str(model.size()) + " items held (1 = true)");
        if (room) model.push_back(values[k]);
        break;
      }
      case 1:
        e(1, at + "push() on an open queue with room (1 = true)");
        model.push_back(values[k]);
        break;
      default:
        e(model.empty() ? kNone : model.front(), at + (ops[k] == 2 ? "try_pop()" : "pop()"));
        if (!model.empty()) model.pop_front();
        break;
    }
    e(static_cast<std::int64_t>(model.size()), at + "size()");
  }
  e(1, "unique_ptr queue: push() (1 = true)");
  e(1, "unique_ptr queue: try_push() (1 = true)");
  e(7, "unique_ptr queue: pop()");
  e(8, "unique_ptr queue: try_pop()");
  return e;
}

static Expected expect_push_blocks(kio::Reader& in, std::string& where) {
  Expected e;
  const std::uint64_t cap = in.get<std::uint64_t>(), total = cap + 3;
  where = "push() blocking, capacity " + str(cap) + ": ";
  e(1, "pushes reached the capacity (no 2 s without one) (0 = push() blocked before the queue was full)");
  e(static_cast<std::int64_t>(cap), "push() calls that returned on a full queue (push() must block)");
  e(static_cast<std::int64_t>(cap), "size() on a full queue");
  for (std::uint64_t i = 0; i < total; ++i) {
    e(static_cast<std::int64_t>(i), "pop #" + str(i));
    if (i == 0) e(1, "a push() waiting on a full queue resumed after pop() made room (1 = yes)");
  }
  e(static_cast<std::int64_t>(total), "items the producer pushed");
  return e;
}

static Expected expect_pop_blocks(std::string& where) {
  Expected e;
  where = "pop() blocking on an empty queue: ";
  e(0, "pop() on an empty open queue returned instead of waiting (1 = returned)");
  e(1, "push() on an empty queue (1 = true)");
  e(1, "a pop() waiting on an empty queue woke up when an item was pushed (1 = yes)");
  e(42, "the item the waiting pop() returned");
  return e;
}

static Expected expect_close(kio::Reader& in, std::string& where) {
  Expected e;
  const std::int64_t pops = static_cast<std::int64_t>(in.get<std::uint64_t>());
  const std::int64_t pushes = static_cast<std::int64_t>(in.get<std::uint64_t>());
  where = "close(): ";
  e(0, "threads waiting in pop() on an empty open queue that returned before close()");
  e(1, "closed() after close() (1 = true)");
  e(pops, "threads waiting in pop() woken by close() (waited until 2 s passed with none waking), of " + std::to_string(pops));
  e(0, "pop() calls that returned an item from a closed empty queue");
  e(1, "push() into a queue with room (1 = true)");
  e(0, "threads waiting in push() on a full open queue that returned before close()");
  e(pushes, "threads waiting in push() woken by close() (waited until 2 s passed with none waking), of " + std::to_string(pushes));
  e(0, "push() calls waiting on a full queue that returned true after close()");
  e(2, "size() after close() (the items held must stay)");
  e(1, "first pop() after close() (the items still held, in order)");
  e(2, "second pop() after close()");
  for (int i = 0; i < 3; ++i) e(1, "push #" + std::to_string(i) + " into a queue with room (1 = true)");
  e(0, "push() after close() (1 = true)");
  e(0, "try_push() after close() (1 = true)");
  e(3, "size() after close() with 3 items held");
  for (int i = 0; i < 3; ++i) e(i, "item " + std::to_string(i) + " drained after close()");
  e(0, "pop() on a closed drained queue (1 = returned an item)");
  e(0, "try_pop() on a closed drained queue (1 = returned an item)");
  e(1, "closed() after close() (1 = true)");
  return e;
}

static std::string check_mpmc(kio::Reader& in, std::size_t index, const std::vector<std::int64_t>& trace,
                              const std::vector<std::vector<std::uint64_t>>& lists, bool late) {
  const bool blocking = in.get<std::uint32_t>() != 0;
  const std::uint64_t producers = in.get<std::uint64_t>(), consumers = in.get<std::uint64_t>(), cap = in.get<std::uint64_t>();
  in.get<std::uint32_t>();
  const std::vector<std::uint32_t> counts = in.get_vec<std::uint32_t>();
  const std::string name = blocking ? "push/pop round " + std::to_string(index - 4) : "try_push/try_pop";
  const std::string where = name + " (" + str(producers) + " producers, " + str(consumers) + " consumers, capacity " + str(cap) + "): ";
  if (late) return where + "did not finish in time (deadlock or lost wake-up?)";
  if (trace.size() != 4 || lists.size() != consumers) return where + "the answer is malformed";
  if (trace[0] > static_cast<std::int64_t>(cap)) return where + "at least " + std::to_string(trace[0]) + " items held at once: the capacity was exceeded";
  if (trace[1] > static_cast<std::int64_t>(cap)) return where + "size() = " + std::to_string(trace[1]) + " exceeds the capacity";
  if (trace[2] != 0) return where + "push() returned false on an open queue";
  std::vector<std::vector<std::uint8_t>> seen(producers);
  for (std::uint64_t p = 0; p < producers; ++p) seen[p].assign(counts[p], 0);
  for (std::size_t c = 0; c < lists.size(); ++c) {
    std::vector<long long> last(producers, -1);
    for (std::uint64_t v : lists[c]) {
      const std::uint64_t p = v >> 32, seq = v & 0xFFFFFFFFu;
      if (p >= producers || seq >= counts[p]) return where + "popped an item that was never pushed (" + std::to_string(v) + ")";
      if (static_cast<long long>(seq) <= last[p]) {
        return where + "consumer " + std::to_string(c) + " got producer " + str(p) + "'s item " + str(seq) + " after its item " +
               std::to_string(last[p]) + " (FIFO order broken)";
      }
      last[p] = static_cast<long long>(seq);
      if (seen[p][seq]++) return where + "producer " + str(p) + "'s item " + str(seq) + " was delivered twice";
    }
  }
  for (std::uint64_t p = 0; p < producers; ++p) {
    for (std::uint32_t s = 0; s < counts[p]; ++s) {
      if (!seen[p][s]) return where + "producer " + str(p) + "'s item " + str(s) + " was never delivered (lost)";
    }
  }
  if (trace[3] != 0) return where + "size() = " + std::to_string(trace[3]) + " after everything was popped";
  return "";
}

// Trace: held (the push was stopped while moving its item), push() and try_push() results, size()
// after close(), the items drained (values), their count.
static std::string check_insert_under_lock(const std::vector<std::int64_t>& trace, bool late) {
  const std::string where = "push() held while moving its item into an empty queue of capacity 1, try_push() from another thread meanwhile: ";
  if (late) return where + "did not finish in time (deadlock or lost wake-up?)";
  if (trace.size() < 5) return where + "the answer is cut short";
  const std::int64_t held = trace[0], pushed = trace[1], tried = trace[2], size = trace[3], drained = trace.back();
  if (held != 1) return where + "push() into an empty open queue returned without moving its item in (it must insert it)";
  if (pushed == 1 && tried == 1) {
    return where + "both returned true with nothing popped: push() checked for room under the lock but inserted its item outside it, "
                   "so try_push() found the room as well (data race; the capacity was exceeded)";
  }
  if (pushed + tried != 1) return where + "push() returned " + show(pushed) + " and try_push() " + show(tried) + ": exactly one of them must insert into a queue of capacity 1";
  if (size != 1) return where + "size() = " + show(size) + " after close(), expected 1 (the item inserted)";
  const std::int64_t expected_item = pushed == 1 ? 1 : 2;
  if (drained != 1 || static_cast<std::int64_t>(trace.size()) != 6 || trace[4] != expected_item) {
    return where + "after close(), try_pop() must hand out exactly the item " + show(expected_item) + " that " + (pushed == 1 ? "push()" : "try_push()") + " inserted";
  }
  return "";
}

std::string kio_check(const std::string&, std::size_t index, const std::vector<char>& input, const std::vector<char>& answer) {
  kio::Reader out(answer);
  const bool late = out.get<std::uint32_t>() != 0;
  const std::vector<char> phase_chars = out.get_vec<char>();
  const std::vector<std::int64_t> trace = out.get_vec<std::int64_t>();
  std::vector<std::vector<std::uint64_t>> lists(static_cast<std::size_t>(std::min<std::uint64_t>(out.get<std::uint64_t>(), 64)));
  for (auto& l : lists) l = out.get_vec<std::uint64_t>();
  if (!out.ok) return "the answer is malformed";
  kio::Reader in(input);
  const std::uint32_t phase = in.get<std::uint32_t>();
  if (phase == 5) return check_mpmc(in, index, trace, lists, late);
  if (phase == 6) return check_insert_under_lock(trace, late);
  std::string where;
  const Expected e = phase == 1 ? expect_single_thread(in, where) : phase == 2 ? expect_push_blocks(in, where)
                   : phase == 3 ? expect_pop_blocks(where) : expect_close(in, where);
  for (std::size_t i = 0; i < e.items.size(); ++i) {
    if (i >= trace.size()) {
      if (late) return where + std::string(phase_chars.begin(), phase_chars.end()) + " did not finish in time (deadlock or lost wake-up?)";
      return where + "the answer is cut short";
    }
    if (trace[i] != e.items[i].first) return where + e.items[i].second + ": got " + show(trace[i]) + ", expected " + show(e.items[i].first);
  }
  if (late) return where + "did not finish in time (deadlock or lost wake-up?)";
  return "";
}

KISYSTEM_CHECKER_MAIN("bounded_queue", 1, 2)
