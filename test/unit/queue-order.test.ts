/**
 * Cost-aware queue order (guide section 5): the guide's example
 * (with its ETAs given directly, not from the table), ties and stability, the empty queue, bad
 * ETAs, and Smith's rule as a property: on one slot, orderQueue minimises the sum of priority x
 * completion time (brute force over every permutation for n <= 7, random permutations beyond).
 *
 * Integer priorities and ETAs keep every sum exact, so optimality is checked with `toBe`.
 */
import fc from 'fast-check';
import {
  DEFAULT_PRIORITY_SCORE,
  fifoOrder,
  orderQueue,
  priorityEff,
  priorityScoreFor,
  tasksDoneBy,
  weightedCompletionTime,
  type QueuedTask,
} from '../../policy/rules/queue-order';

const task = (key: string, priorityScore: number, etaSeconds: number, seq: number): QueuedTask => ({ key, priorityScore, etaSeconds, seq });
const keys = (tasks: readonly QueuedTask[]): string => tasks.map((t) => t.key).join(',');

/** The guide's example: A (90, qwen2.5-coder:32b, 300 s), B (80, deepseek-coder-v2:16b, 180 s), C (95, deepseek-r1:32b, 900 s), arriving A, B, C. */
const A = task('A', 90, 300, 0);
const B = task('B', 80, 180, 1);
const C = task('C', 95, 900, 2);
const GUIDE = [A, B, C];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  const out: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([item, ...rest]);
  });
  return out;
}

/** Random queues with integer priorities 0..100, integer ETAs 1..3600 s and arrival numbers (repeats allowed). */
const queueArb = (minLength: number, maxLength: number) =>
  fc
    .array(fc.record({ priorityScore: fc.integer({ min: 0, max: 100 }), etaSeconds: fc.integer({ min: 1, max: 3600 }), seq: fc.integer({ min: 0, max: 20 }) }), {
      minLength,
      maxLength,
    })
    .map((rows) => rows.map((r, i) => ({ key: `t${i}`, ...r })));

describe("the guide's example", () => {
  it.each<[QueuedTask, number]>([
    [A, 0.3],
    [B, 0.44],
    [C, 0.11],
  ])('priority_eff of %o is %d', (t, expected) => {
    expect(priorityEff(t)).toBeCloseTo(expected, 2);
  });

  it('orders B, A, C (cost-aware) against A, B, C (FIFO)', () => {
    expect(keys(orderQueue(GUIDE))).toBe('B,A,C');
    expect(keys(orderQueue([C, B, A]))).toBe('B,A,C');
    expect(keys(fifoOrder([C, A, B]))).toBe('A,B,C');
  });

  it('after 8 min (480 s) on one slot, the cost-aware order has finished B and A', () => {
    expect(tasksDoneBy(orderQueue(GUIDE), 480)).toBe(2);
    expect(tasksDoneBy(orderQueue(GUIDE), 479)).toBe(1);
  });

  /*
   * The guide says "Traditional FIFO: After 8 min: Only 1 task done (A) -> 2x throughput". With the
   * guide's own arrival order A, B, C that is not so: A ends at 300 s and B at 300 + 180 = 480 s,
   * so FIFO has also finished 2 tasks at 8 min. The guide's count holds only if C had arrived
   * before B (A, C, B). The gain that is real is earlier completions: between 180 s and 300 s the
   * cost-aware order has 1 task done and FIFO none, and the priority-weighted and the mean
   * completion times are lower. These rows pin the real numbers.
   */
  it.each<[number, number, number]>([
    // [seconds, done cost-aware (B, A, C), done FIFO (A, B, C)]
    [0, 0, 0],
    [179, 0, 0],
    [180, 1, 0],
    [299, 1, 0],
    [300, 1, 1],
    [479, 1, 1],
    [480, 2, 2],
    [1379, 2, 2],
    [1380, 3, 3],
  ])('at %d s: %d done cost-aware, %d done FIFO', (seconds, costAware, fifo) => {
    expect(tasksDoneBy(orderQueue(GUIDE), seconds)).toBe(costAware);
    expect(tasksDoneBy(fifoOrder(GUIDE), seconds)).toBe(fifo);
  });

  it('the guide\'s "only 1 task done (A) after 8 min" is FIFO with C before B', () => {
    expect(tasksDoneBy([A, C, B], 480)).toBe(1);
    expect(tasksDoneBy(orderQueue(GUIDE), 480) / tasksDoneBy([A, C, B], 480)).toBe(2);
  });

  it('lowers the priority-weighted completion time: 188700 vs 196500 (FIFO), the optimum of all 6 orders', () => {
    // B,A,C: 80*180 + 90*480 + 95*1380; A,B,C: 90*300 + 80*480 + 95*1380
    expect(weightedCompletionTime(orderQueue(GUIDE))).toBe(188700);
    expect(weightedCompletionTime(fifoOrder(GUIDE))).toBe(196500);
    expect(Math.min(...permutations(GUIDE).map((p) => weightedCompletionTime(p)))).toBe(188700);
  });

  it.each<[number, number, number]>([
    // [slots, weighted completion time of B, A, C, tasks done at 480 s]
    [1, 188700, 2],
    [2, 80 * 180 + 90 * 300 + 95 * (180 + 900), 2], // B and A start at 0, C follows B on slot 1 at 180 s
    [3, 80 * 180 + 90 * 300 + 95 * 900, 2],
    [10, 80 * 180 + 90 * 300 + 95 * 900, 2],
  ])('on %d slot(s): weighted completion time %d, %d done at 480 s', (slots, weighted, doneAt480) => {
    expect(weightedCompletionTime(orderQueue(GUIDE), slots)).toBe(weighted);
    expect(tasksDoneBy(orderQueue(GUIDE), 480, slots)).toBe(doneAt480);
  });
});

describe('ties, stability, empty queue, bad input', () => {
  it('equal priority_eff keeps arrival order (90/300 = 30/100 = 0.3)', () => {
    const x = task('x', 90, 300, 5);
    const y = task('y', 30, 100, 2);
    const z = task('z', 60, 200, 9);
    expect(priorityEff(x)).toBe(priorityEff(y));
    expect(keys(orderQueue([x, y, z]))).toBe('y,x,z');
    expect(keys(orderQueue([z, x, y]))).toBe('y,x,z');
  });

  it.each<[string, QueuedTask[], string]>([
    ['same eff and seq: input order', [task('p', 10, 10, 1), task('q', 10, 10, 1), task('r', 10, 10, 1)], 'p,q,r'],
    ['same eff, seq decides', [task('p', 10, 10, 3), task('q', 20, 20, 1), task('r', 5, 5, 2)], 'q,r,p'],
    ['higher eff beats earlier arrival', [task('p', 10, 100, 0), task('q', 10, 50, 1)], 'q,p'],
    ['priority 0 goes last', [task('p', 0, 1, 0), task('q', 1, 3600, 1)], 'q,p'],
    ['one task', [task('p', 50, 60, 0)], 'p'],
  ])('%s', (_name, tasks, expected) => {
    expect(keys(orderQueue(tasks))).toBe(expected);
  });

  it('returns a new array and leaves the input alone', () => {
    const input = [A, B, C];
    const ordered = orderQueue(input);
    expect(ordered).not.toBe(input);
    expect(keys(input)).toBe('A,B,C');
    const fifo = fifoOrder(input);
    expect(fifo).not.toBe(input);
    expect(fifo).toEqual(input);
  });

  it('keeps extra fields of the caller type', () => {
    const rich = [{ ...A, model: 'qwen2.5-coder:32b' }, { ...B, model: 'deepseek-coder-v2:16b' }];
    const ordered: Array<QueuedTask & { model: string }> = orderQueue(rich);
    expect(ordered.map((t) => t.model)).toEqual(['deepseek-coder-v2:16b', 'qwen2.5-coder:32b']);
  });

  it('handles the empty queue', () => {
    expect(orderQueue([])).toEqual([]);
    expect(fifoOrder([])).toEqual([]);
    expect(weightedCompletionTime([])).toBe(0);
    expect(weightedCompletionTime([], 4)).toBe(0);
    expect(tasksDoneBy([], 1000)).toBe(0);
  });

  it.each([0, -1, -300, Number.NaN, Number.POSITIVE_INFINITY])('rejects an ETA of %p with "ETA must be > 0"', (eta) => {
    const bad = task('bad', 50, eta, 0);
    expect(() => priorityEff(bad)).toThrow(/ETA must be > 0/);
    expect(() => orderQueue([A, bad, B])).toThrow(/ETA must be > 0/);
    expect(() => weightedCompletionTime([A, bad])).toThrow(/ETA must be > 0/);
    expect(() => tasksDoneBy([A, bad], 100)).toThrow(/ETA must be > 0/);
  });

  it.each([-1, Number.NaN, Number.NEGATIVE_INFINITY])('rejects a priority score of %p', (score) => {
    expect(() => priorityEff(task('bad', score, 100, 0))).toThrow(/priority score/);
    expect(() => orderQueue([task('bad', score, 100, 0)])).toThrow(/priority score/);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects %p slots', (slots) => {
    expect(() => weightedCompletionTime(GUIDE, slots)).toThrow(/slots/);
    expect(() => tasksDoneBy(GUIDE, 100, slots)).toThrow(/slots/);
  });
});

describe("Smith's rule (one slot)", () => {
  it('property: orderQueue is optimal among all permutations (brute force, n <= 7)', () => {
    fc.assert(
      fc.property(queueArb(0, 7), (tasks) => {
        const best = Math.min(...permutations(tasks).map((p) => weightedCompletionTime(p)));
        expect(weightedCompletionTime(orderQueue(tasks))).toBe(best);
      }),
      { numRuns: 150 },
    );
  });

  it('property: orderQueue is no worse than random permutations (n 8..60)', () => {
    fc.assert(
      fc.property(queueArb(8, 60), fc.array(fc.array(fc.double({ noNaN: true }), { minLength: 60, maxLength: 60 }), { minLength: 1, maxLength: 10 }), (tasks, shuffles) => {
        const ours = weightedCompletionTime(orderQueue(tasks));
        for (const randomKeys of shuffles) {
          const shuffled = tasks.map((t, i) => ({ t, k: randomKeys[i]! })).sort((a, b) => a.k - b.k).map(({ t }) => t);
          expect(ours).toBeLessThanOrEqual(weightedCompletionTime(shuffled));
        }
      }),
    );
  });

  it('property: cost-aware is never worse than FIFO', () => {
    fc.assert(
      fc.property(queueArb(0, 40), (tasks) => {
        expect(weightedCompletionTime(orderQueue(tasks))).toBeLessThanOrEqual(weightedCompletionTime(fifoOrder(tasks)));
      }),
    );
  });

  it('property: no adjacent swap helps (p_i * eta_j >= p_j * eta_i), ties in seq order', () => {
    fc.assert(
      fc.property(queueArb(0, 40), (tasks) => {
        const ordered = orderQueue(tasks);
        for (let i = 0; i + 1 < ordered.length; i++) {
          const [u, v] = [ordered[i]!, ordered[i + 1]!];
          expect(u.priorityScore * v.etaSeconds).toBeGreaterThanOrEqual(v.priorityScore * u.etaSeconds);
          if (u.priorityScore * v.etaSeconds === v.priorityScore * u.etaSeconds) expect(u.seq).toBeLessThanOrEqual(v.seq);
        }
      }),
    );
  });
});

describe('orderQueue and fifoOrder properties', () => {
  it('property: a permutation of the input, idempotent, independent of input order up to exact ties', () => {
    fc.assert(
      fc.property(queueArb(0, 40), (tasks) => {
        const ordered = orderQueue(tasks);
        expect([...ordered].sort((a, b) => a.key.localeCompare(b.key))).toEqual([...tasks].sort((a, b) => a.key.localeCompare(b.key)));
        expect(orderQueue(ordered)).toEqual(ordered);
        // reversing the input changes only the order of tasks equal in priority_eff and seq
        const fromReversed = orderQueue([...tasks].reverse());
        expect(fromReversed.map((t) => [priorityEff(t), t.seq])).toEqual(ordered.map((t) => [priorityEff(t), t.seq]));
      }),
    );
  });

  it('property: fifoOrder sorts by seq, stable', () => {
    fc.assert(
      fc.property(queueArb(0, 40), (tasks) => {
        const fifo = fifoOrder(tasks);
        for (let i = 0; i + 1 < fifo.length; i++) {
          const [u, v] = [fifo[i]!, fifo[i + 1]!];
          expect(u.seq).toBeLessThanOrEqual(v.seq);
          if (u.seq === v.seq) expect(tasks.indexOf(u)).toBeLessThan(tasks.indexOf(v));
        }
      }),
    );
  });
});

describe('weightedCompletionTime and tasksDoneBy', () => {
  it('property: one slot is the sum of priority x prefix sum of ETAs', () => {
    fc.assert(
      fc.property(queueArb(0, 30), (tasks) => {
        let clock = 0;
        let expected = 0;
        for (const t of tasks) {
          clock += t.etaSeconds;
          expected += t.priorityScore * clock;
        }
        expect(weightedCompletionTime(tasks)).toBe(expected);
        expect(weightedCompletionTime(tasks, 1)).toBe(expected);
      }),
    );
  });

  it('property: with a slot per task every task ends at its own ETA, whatever the order', () => {
    fc.assert(
      fc.property(queueArb(0, 20), fc.integer({ min: 0, max: 5 }), (tasks, extra) => {
        const alone = tasks.reduce((sum, t) => sum + t.priorityScore * t.etaSeconds, 0);
        expect(weightedCompletionTime(tasks, tasks.length + 1 + extra)).toBe(alone);
        expect(weightedCompletionTime(orderQueue(tasks), tasks.length + 1 + extra)).toBe(alone);
      }),
    );
  });

  it('list scheduling: each task goes to the slot that frees first', () => {
    // slots: [100 | 10, 10, 10 ...]: the short tasks all follow one another on slot 2
    const order = [task('long', 1, 100, 0), task('s1', 1, 10, 1), task('s2', 1, 10, 2), task('s3', 1, 10, 3), task('s4', 1, 95, 4)];
    // ends: long 100 (slot 1), s1 10, s2 20, s3 30 (slot 2), s4 30 + 95 = 125 (slot 2 frees at 30 < 100)
    expect(weightedCompletionTime(order, 2)).toBe(100 + 10 + 20 + 30 + 125);
    expect(tasksDoneBy(order, 30, 2)).toBe(3);
    expect(tasksDoneBy(order, 100, 2)).toBe(4);
    expect(tasksDoneBy(order, 124, 2)).toBe(4);
    expect(tasksDoneBy(order, 125, 2)).toBe(5);
  });

  it('property: tasksDoneBy grows with time from 0 to all', () => {
    fc.assert(
      fc.property(queueArb(0, 30), fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 200000 }), { minLength: 2, maxLength: 6 }), (tasks, slots, times) => {
        const sorted = [...times].sort((a, b) => a - b);
        const done = sorted.map((t) => tasksDoneBy(tasks, t, slots));
        for (let i = 0; i + 1 < done.length; i++) expect(done[i]!).toBeLessThanOrEqual(done[i + 1]!);
        expect(tasksDoneBy(tasks, -1, slots)).toBe(0);
        const total = tasks.reduce((sum, t) => sum + t.etaSeconds, 0);
        expect(tasksDoneBy(tasks, total, slots)).toBe(tasks.length);
      }),
    );
  });
});

describe('priorityScoreFor', () => {
  it.each<[string, { priority?: number }, number | null, number, 'task' | 'meta-supervisor' | 'default']>([
    ['task priority wins over P(domain)', { priority: 70 }, 0.2, 70, 'task'],
    ['task priority 0 is a given priority', { priority: 0 }, 0.9, 0, 'task'],
    ['task priority 100 without P(domain)', { priority: 100 }, null, 100, 'task'],
    ['else 100 x P(domain)', {}, 0.35, 35, 'meta-supervisor'],
    ['P(domain) 0', {}, 0, 0, 'meta-supervisor'],
    ['P(domain) 1', { priority: undefined }, 1, 100, 'meta-supervisor'],
    ['else the default', {}, null, DEFAULT_PRIORITY_SCORE, 'default'],
  ])('%s', (_name, t, domainPriority, score, source) => {
    const result = priorityScoreFor(t, domainPriority);
    expect(result.score).toBeCloseTo(score, 9);
    expect(result.source).toBe(source);
  });

  it('documents the default as 50', () => {
    expect(DEFAULT_PRIORITY_SCORE).toBe(50);
  });

  it.each<[{ priority?: number }, number | null, RegExp]>([
    [{ priority: 101 }, null, /task priority/],
    [{ priority: -1 }, 0.5, /task priority/],
    [{ priority: Number.NaN }, 0.5, /task priority/],
    [{}, 1.5, /P\(domain\)/],
    [{}, -0.1, /P\(domain\)/],
    [{}, Number.NaN, /P\(domain\)/],
  ])('rejects %p with P(domain) %p', (t, domainPriority, message) => {
    expect(() => priorityScoreFor(t, domainPriority)).toThrow(message);
  });

  it('property: the score is in 0..100 and feeds priorityEff', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
        fc.integer({ min: 1, max: 3600 }),
        (priority, p, eta) => {
          const { score } = priorityScoreFor(priority === undefined ? {} : { priority }, p);
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
          expect(priorityEff({ priorityScore: score, etaSeconds: eta })).toBe(score / eta);
        },
      ),
    );
  });
});
