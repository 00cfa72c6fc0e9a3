/**
 * A simulated world for start decisions, pure and fast, no Temporal, no database:
 * tasks arrive over simulated days; each policy starts each task (the SAME decideTaskStart the
 * workflow calls, or the fixed chain, or an oracle), then runs the unchanged stop-loss against
 * hidden per-run success chances; every run feeds that policy's own history (aged aggregates,
 * learned run times, failure state of resubmissions), which feeds its next start.
 *
 * Common random numbers: whether run a of model m on task t succeeds is decided by one uniform
 * number per (task, model, attempt), the same for every policy; so is each run's time and the
 * exploration draws. Policies differ only by their decisions.
 */
import type { KisystemConfig } from '../schemas/config-schema';
import { expectedCostsByStart } from '../rules/expected-cost';
import { failureStateScore } from '../rules/failure-state';
import type { ModelAggregate } from '../rules/meta-supervisor';
import { recommendModelBias } from '../rules/meta-supervisor';
import type { ErrorType } from '../run-types';
import { decideTaskStart, runSecondsOf, type LearnedRunTime } from '../rules/start-rule';
import { seededRandom } from './seeded-random';


export type Difficulty = 'easy' | 'medium' | 'hard';
/** Per-run chance on a task of a difficulty: q^exponent (easy tasks raise every model's chance, hard ones lower it). */
export const DIFFICULTY_EXPONENT: Record<Difficulty, number> = { easy: 0.5, medium: 1, hard: 2 };
/** Complexity the guide's rules would see for a CUDA or C++ task of that difficulty (other domains: 0.5). */
const COMPLEXITY: Record<Difficulty, number> = { easy: 0.6, medium: 0.8, hard: 1.0 };

export interface SimTask {
  id: string;
  domain: string;
  /** arrival, in simulated days from the start */
  day: number;
  difficulty: Difficulty;
  /** uniforms: success[m][a] for chain model m, attempt a; time jitter likewise; exploration draws per model */
  success: number[][];
  jitter: number[][];
  draws: number[];
  /** uniforms for a noisy complexity signal: whether this task's complexity is misread, and as which level */
  misread: [number, number];
}

/** The hidden world: per-run success chance q of each (domain, model) on a medium task, as a function of the day. */
export interface World {
  name: string;
  /** whether the routing table's order suits this world (target 1.10x the oracle, else 1.25x) */
  chainRight: boolean;
  chance(domain: string, model: string, day: number): number;
  /** the day the best start changes, when it does */
  driftDay?: number;
  /** the domain that drifts */
  driftDomain?: string;
  /** mean per-run seconds (a world fitted from a history); absent: the guide's table */
  runSeconds?(domain: string, model: string): number;
  /** exponent of a task's difficulty per model (hardness that hurts some models more); absent: DIFFICULTY_EXPONENT */
  exponent?(domain: string, model: string, difficulty: Difficulty): number;
  /** share of tasks whose complexity signal is misread as a level drawn at random (0: the signal follows the difficulty) */
  complexityNoise?: number;
}

/**
 * 'oracle' knows each task's hidden chances; 'domain-oracle' knows each (domain, model) chance of a
 * medium task on that day but not the task's difficulty: what a per-(domain, model) learner can reach.
 */
export type PolicyName = 'fixed-chain' | 'guide' | 'expected-cost' | 'domain-oracle' | 'oracle';

export interface TaskOutcome {
  task: SimTask;
  startIndex: number;
  oracleIndex: number;
  recovered: boolean;
  /** machine seconds of all runs, plus fallback_cost_seconds when the chain was exhausted */
  costSeconds: number;
  /** machine seconds until the successful run (recovered tasks) */
  secondsToSuccess: number | null;
}

const MAX_ATTEMPTS = 5;

/** Tasks over `days` days; `resubmitShare` of them are resubmissions (same id, same difficulty) of earlier hard tasks. */
export function makeTasks(seed: number, opts: { days: number; perDay: Record<string, number>; chains: Record<string, readonly string[]>; resubmitShare?: number; allMedium?: boolean }): SimTask[] {
  const r = seededRandom(seed);
  // A second stream for what later worlds added, so the tasks and luck of the first worlds stay as they were.
  const r2 = seededRandom(seed ^ 0x5bd1e995);
  const tasks: SimTask[] = [];
  const hard: SimTask[] = [];
  for (let day = 0; day < opts.days; day++) {
    for (const [domain, count] of Object.entries(opts.perDay)) {
      const chain = opts.chains[domain] ?? opts.chains[''] ?? [];
      // A fractional rate (a fitted world) adds one more task on that share of days.
      const whole = Math.floor(count);
      const today = whole + (count > whole && r() < count - whole ? 1 : 0);
      for (let i = 0; i < today; i++) {
        const x = r();
        let difficulty: Difficulty = opts.allMedium ? 'medium' : x < 0.3 ? 'easy' : x < 0.8 ? 'medium' : 'hard';
        let id = `${domain}-${day}-${i}`;
        const resubmit = opts.resubmitShare && r() < opts.resubmitShare ? hard.filter((h) => h.domain === domain).pop() : undefined;
        if (resubmit) {
          id = resubmit.id;
          difficulty = resubmit.difficulty;
        }
        const grid = () => chain.map(() => Array.from({ length: MAX_ATTEMPTS }, () => r()));
        const task: SimTask = { id, domain, day: day + r(), difficulty, success: grid(), jitter: grid(), draws: chain.map(() => r()), misread: [r2(), r2()] };
        if (difficulty === 'hard' && !resubmit) hard.push(task);
        tasks.push(task);
      }
    }
  }
  return tasks.sort((a, b) => a.day - b.day);
}

/** One policy's learning history, kept as aged sums referenced to day 0 (w = exp((t - now)/tau)). */
class History {
  private sums = new Map<string, { runs: number; successes: number; ws: number; w: number }>();
  private times = new Map<string, number[]>();
  private lastSubmission = new Map<string, { failures: number; lastError: ErrorType | null }>();
  constructor(private readonly tau: number) {}
  record(domain: string, model: string, day: number, success: boolean, seconds: number): void {
    const key = `${domain}\u0000${model}`;
    const s = this.sums.get(key) ?? { runs: 0, successes: 0, ws: 0, w: 0 };
    const w = Math.exp(day / this.tau);
    s.runs += 1;
    s.successes += success ? 1 : 0;
    s.w += w;
    s.ws += success ? w : 0;
    this.sums.set(key, s);
    const t = this.times.get(key) ?? [];
    t.push(seconds);
    if (t.length > 100) t.shift();
    this.times.set(key, t);
  }
  submission(taskId: string, failures: number): void {
    this.lastSubmission.set(taskId, { failures, lastError: failures > 0 ? 'LOGIC' : null });
  }
  failureState(taskId: string): number {
    const s = this.lastSubmission.get(taskId);
    return s ? failureStateScore(s.failures, s.lastError) : failureStateScore(0, null);
  }
  aggregates(domain: string, day: number): ModelAggregate[] {
    const scale = Math.exp(-day / this.tau);
    const out: ModelAggregate[] = [];
    for (const [key, s] of this.sums) {
      const [d, model] = key.split('\u0000') as [string, string];
      if (d === domain) out.push({ domain, model, runs: s.runs, successes: s.successes, weightedSuccesses: s.ws * scale, weightSum: s.w * scale });
    }
    return out;
  }
  runTimes(domain: string): Record<string, LearnedRunTime> {
    const out: Record<string, LearnedRunTime> = {};
    for (const [key, t] of this.times) {
      const [d, model] = key.split('\u0000') as [string, string];
      if (d !== domain || t.length === 0) continue;
      const sorted = [...t].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      out[model] = { medianSeconds: sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, samples: sorted.length };
    }
    return out;
  }
}

const LEVELS: Difficulty[] = ['easy', 'medium', 'hard'];

/** The complexity the guide's rules would see for the task: its difficulty's, or, for a misread task of a noisy world, a level at random. */
export function seenComplexity(world: World, task: SimTask): number {
  if (task.domain !== 'CUDA/Kernel' && task.domain !== 'C++/System') return 0.5;
  const level = task.misread[0] < (world.complexityNoise ?? 0) ? LEVELS[Math.min(2, Math.floor(task.misread[1] * 3))]! : task.difficulty;
  return COMPLEXITY[level];
}

/** Per-run chance of a chain model on this task: q^exponent(difficulty). */
export function taskChance(world: World, task: SimTask, model: string): number {
  const exponent = world.exponent?.(task.domain, model, task.difficulty) ?? DIFFICULTY_EXPONENT[task.difficulty];
  return Math.min(1, Math.max(0, world.chance(task.domain, model, task.day))) ** exponent;
}

/** Mean per-run seconds of a model in a domain in this world: fitted, else the guide's table (jitter averages to 1). */
function meanRunSeconds(world: World, config: KisystemConfig, domain: string, model: string): number {
  return world.runSeconds?.(domain, model) ?? runSecondsOf(model, domain, config.eta, undefined).seconds;
}

/** The oracle: knows this task's hidden chances (or, `perTask` false, a medium task's of its domain and day); lowest expected cost over all positions. */
export function oracleStart(world: World, config: KisystemConfig, task: SimTask, chain: readonly string[], perTask = true): number {
  const chance = (m: string) => (perTask ? taskChance(world, task, m) : taskChance(world, { ...task, difficulty: 'medium' }, m));
  const steps = chain.map((m) => ({ chance: chance(m), runSeconds: meanRunSeconds(world, config, task.domain, m) }));
  const costs = expectedCostsByStart(steps, config.stoploss_per_model, config.fallback_cost_seconds);
  let best = 0;
  for (let i = 1; i < chain.length; i++) if (costs[i]! < costs[best]! - 1e-9) best = i;
  return best;
}

/** A run the simulated history starts with (a fitted world: the team's real runs, `day` < 0 before the simulation). */
export interface SeedRun {
  domain: string;
  model: string;
  day: number;
  success: boolean;
  seconds: number;
}

/** Runs every task under one policy; the history starts empty, or with `seedRuns`. */
export function simulate(world: World, config: KisystemConfig, tasks: readonly SimTask[], policy: PolicyName, seedRuns: readonly SeedRun[] = []): TaskOutcome[] {
  const history = new History(config.meta_supervisor.aging_days);
  for (const r of seedRuns) history.record(r.domain, r.model, r.day, r.success, r.seconds);
  const k = Math.min(config.stoploss_per_model, MAX_ATTEMPTS);
  const outcomes: TaskOutcome[] = [];
  for (const task of tasks) {
    const chain = config.routing[task.domain as keyof KisystemConfig['routing']] ?? config.default_route;
    const oracleIndex = oracleStart(world, config, task, chain);
    let startIndex = 0;
    const complexity = seenComplexity(world, task);
    if (policy === 'oracle') startIndex = oracleIndex;
    else if (policy === 'domain-oracle') startIndex = oracleStart(world, config, task, chain, false);
    else if (policy === 'guide' || policy === 'expected-cost') {
      const models = history.aggregates(task.domain, task.day);
      const bias = recommendModelBias(models, { [task.domain]: chain }, config.meta_supervisor)[task.domain] ?? null;
      const decision = decideTaskStart(
        {
          domain: task.domain, domainChain: chain, models, runTimes: history.runTimes(task.domain), bias,
          complexity: { score: complexity, matched: [] }, failureState: history.failureState(task.id),
        },
        { ...config, start_rule: policy },
        task.draws,
      );
      // The guide may put its bias model in front of the chain; in this world every bias model is in the chain.
      startIndex = Math.max(0, chain.indexOf(decision.model));
    }
    let cost = 0;
    let toSuccess: number | null = null;
    let failures = 0;
    let clock = task.day;
    for (let m = startIndex; m < chain.length && toSuccess === null; m++) {
      const model = chain[m]!;
      const p = taskChance(world, task, model);
      for (let a = 0; a < k; a++) {
        const seconds = meanRunSeconds(world, config, task.domain, model) * (0.7 + 0.6 * task.jitter[m]![a]!);
        cost += seconds;
        clock += seconds / 86400;
        const ok = task.success[m]![a]! < p;
        history.record(task.domain, model, clock, ok, seconds);
        if (ok) {
          toSuccess = cost;
          break;
        }
        failures += 1;
      }
    }
    history.submission(task.id, failures);
    const recovered = toSuccess !== null;
    if (!recovered) cost += config.fallback_cost_seconds;
    outcomes.push({ task, startIndex, oracleIndex, recovered, costSeconds: cost, secondsToSuccess: toSuccess });
  }
  return outcomes;
}
