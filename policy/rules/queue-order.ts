/**
 * Cost-aware queue order (guide section 5):
 * priority_eff = priority_score / ETA, highest first; equal priority_eff keeps arrival order (FIFO).
 *
 * On one slot this is Smith's rule (weighted shortest processing time), which minimises the sum of
 * priority x completion time over all orders; the unit tests check that against brute force.
 * `weightedCompletionTime` and `tasksDoneBy` measure an order (for tests, `queue explain` and
 * benchmarks). Pure: no I/O, no clock.
 */

export interface QueuedTask {
  key: string;
  priorityScore: number;
  etaSeconds: number;
  /** arrival order, for ties (FIFO among equals) */
  seq: number;
}

/** Priority score of a task with neither its own priority nor a Meta-Supervisor P(domain). */
export const DEFAULT_PRIORITY_SCORE = 50;

function checkEta(etaSeconds: number): void {
  if (typeof etaSeconds !== 'number' || !Number.isFinite(etaSeconds) || etaSeconds <= 0) {
    throw new RangeError(`ETA must be > 0 (got ${String(etaSeconds)} s)`);
  }
}

function checkScore(priorityScore: number): void {
  if (typeof priorityScore !== 'number' || !Number.isFinite(priorityScore) || priorityScore < 0) {
    throw new RangeError(`priority score must be a finite number >= 0 (got ${String(priorityScore)})`);
  }
}

function checkSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be an integer >= 1 (got ${String(slots)})`);
}

/** priority_score / ETA. Throws a RangeError when the ETA is not > 0 or the score is negative. */
export function priorityEff(t: Pick<QueuedTask, 'priorityScore' | 'etaSeconds'>): number {
  checkEta(t.etaSeconds);
  checkScore(t.priorityScore);
  return t.priorityScore / t.etaSeconds;
}

/**
 * The queue in cost-aware order: priority_eff descending, equal priority_eff by `seq` ascending,
 * equal `seq` in input order (stable). Returns a new array; validates every task first.
 *
 * Division is correctly rounded, so ratios that are equal in exact arithmetic (90/300 and 30/100)
 * give the same number and fall back to arrival order.
 */
export function orderQueue<T extends QueuedTask>(tasks: readonly T[]): T[] {
  return tasks
    .map((task, index) => ({ task, index, eff: priorityEff(task) }))
    .sort((a, b) => {
      if (a.eff !== b.eff) return a.eff > b.eff ? -1 : 1;
      if (a.task.seq !== b.task.seq) return a.task.seq < b.task.seq ? -1 : 1;
      return a.index - b.index;
    })
    .map(({ task }) => task);
}

/** Arrival order (the "traditional FIFO" of the guide): `seq` ascending, stable. Returns a new array. */
export function fifoOrder<T extends QueuedTask>(tasks: readonly T[]): T[] {
  return tasks
    .map((task, index) => ({ task, index }))
    .sort((a, b) => (a.task.seq !== b.task.seq ? (a.task.seq < b.task.seq ? -1 : 1) : a.index - b.index))
    .map(({ task }) => task);
}

/**
 * Completion time of each task when `order` runs on `slots` parallel slots, all free at time 0
 * (list scheduling: each task in turn goes to the slot that frees first, the lowest slot on a tie).
 */
function completionTimes(order: readonly Pick<QueuedTask, 'etaSeconds'>[], slots: number): number[] {
  checkSlots(slots);
  const freeAt = new Array<number>(slots).fill(0);
  return order.map((t) => {
    checkEta(t.etaSeconds);
    let slot = 0;
    for (let i = 1; i < slots; i++) if (freeAt[i]! < freeAt[slot]!) slot = i;
    freeAt[slot] = freeAt[slot]! + t.etaSeconds;
    return freeAt[slot]!;
  });
}

/** Sum of priority_score x completion time of `order` on `slots` slots (default 1); lower is better. */
export function weightedCompletionTime(order: readonly Pick<QueuedTask, 'priorityScore' | 'etaSeconds'>[], slots = 1): number {
  for (const t of order) checkScore(t.priorityScore);
  const done = completionTimes(order, slots);
  return order.reduce((sum, t, i) => sum + t.priorityScore * done[i]!, 0);
}

/** How many tasks of `order` on `slots` slots (default 1) have finished at `timeSeconds` (a task ending exactly then counts). */
export function tasksDoneBy(order: readonly Pick<QueuedTask, 'etaSeconds'>[], timeSeconds: number, slots = 1): number {
  if (Number.isNaN(timeSeconds)) throw new RangeError('timeSeconds must be a number');
  return completionTimes(order, slots).filter((end) => end <= timeSeconds).length;
}

/**
 * The priority score a task enters the queue with: its own `priority` (0..100) when given, else
 * 100 x P(domain) from the Meta-Supervisor (P in 0..1), else {@link DEFAULT_PRIORITY_SCORE} (50,
 * the middle of the scale: a task nobody rated is neither urgent nor unimportant).
 */
export function priorityScoreFor(
  task: { priority?: number },
  domainPriority: number | null,
): { score: number; source: 'task' | 'meta-supervisor' | 'default' } {
  if (task.priority !== undefined && task.priority !== null) {
    const p = task.priority;
    if (!Number.isFinite(p) || p < 0 || p > 100) throw new RangeError(`task priority must be between 0 and 100 (got ${String(p)})`);
    return { score: p, source: 'task' };
  }
  if (domainPriority !== null && domainPriority !== undefined) {
    const p = domainPriority;
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`domain priority P(domain) must be between 0 and 1 (got ${String(p)})`);
    return { score: 100 * p, source: 'meta-supervisor' };
  }
  return { score: DEFAULT_PRIORITY_SCORE, source: 'default' };
}
