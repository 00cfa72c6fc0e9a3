/**
 * Benchmark of the cost-aware queue: simulated workloads run through the REAL queue workflow
 * (workflows/queue-workflow.ts) and the REAL task workflows it starts, on a private Temporal dev server,
 * with every activity replaced by a timed stand-in (bench/queue-stand-ins.ts, no database).
 * A task's answer takes its ETA from the guide's table (policy/rules/eta.ts, model seconds x domain
 * multiplier + overhead) scaled down: --scale milliseconds per ETA second (generate = the model part,
 * build and test = half the overhead each).
 *
 *   npm run build && node dist/scripts/bench-queue.js [--scale 10] [--guide-scale 10] [--tasks 200] [--seed 5] [--slots 1,3] [--eta learnt|table]
 *
 * Workloads: the guide's example (A: priority 90, ETA 300 s; B: 80, 180 s; C: 95, 900 s) and a mix
 * of --tasks tasks over the five domains with random priorities and start models (seeded RNG). Each
 * runs on 1 and 3 slots (max_running), once in cost-aware order and once in arrival order (FIFO).
 *
 * FIFO: the same queue workflow with `ordering: 'fifo'` (arrival order), the tasks' true priorities.
 *
 * ETAs of the cost-aware run (--eta): `learnt` (default) gives the queue, as its history, the real
 * durations of the FIFO run that went before it (per start model and domain, in scaled seconds:
 * Temporal's own cost per task included), as `update_from_history` does after real runs; a model and
 * domain with fewer than 5 of them keeps the table ETA. `table` gives it no history (guide table only).
 *
 * Figures per run, in scaled seconds (measured ms / scale), t = 0 at the first child's start:
 * weighted completion time sum(priority x completion) from the child workflows' real start and close
 * times (server clock); the same for the order the queue actually took, computed with the ETAs
 * (`weightedCompletionTime`, no Temporal overhead); tasks done when FIFO has finished half; the gap to
 * Smith's rule (orderQueue + weightedCompletionTime on one slot: the optimum; on 3 slots the Smith
 * list schedule, a reference, not a proven optimum).
 */
import { parseArgs } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { MetaSnapshot } from '../contracts/meta-types';
import { parseConfig, type KisystemConfig } from '../policy/schemas/config-schema';
import { DOMAINS, type Domain } from '../policy/rules/domains';
import { estimateEta, tableEta as tableEtaOf } from '../policy/rules/eta';
import { fifoOrder, orderQueue, weightedCompletionTime, type QueuedTask } from '../policy/rules/queue-order';
import { addTasksUpdate, MAX_ADD_BATCH, pauseUpdate, queueStateQuery, resumeUpdate, type QueueItemInput, type QueueStateView, type QueueWorkflowInput } from '../contracts/queue-messages';
import type { queueWorkflow } from '../workflows/queue-workflow';
import { seededRandom, sleep, standInTask, startBenchServer, type BenchServer } from '../bench/queue-bench-env';
import { complexityText, createStandInActivities, startModelFor, type PhaseMs } from '../bench/queue-stand-ins';

interface BenchTask {
  id: string;
  domain: Domain;
  priority: number;
  model: string;
  etaSeconds: number;
  snapshot: Partial<MetaSnapshot>;
  /** Real durations handed to the queue's ETA (the guide example fixes its ETAs so). */
  history: number[];
  seq: number;
}

interface Workload {
  name: string;
  tasks: BenchTask[];
  /** ms per ETA second */
  scale: number;
}

interface RunResult {
  mode: 'fifo' | 'cost';
  slots: number;
  /** task id -> completion (scaled s from the first start) */
  completion: Map<string, number>;
  /** task id -> the child's own duration (scaled s) plus the mean gap the queue left between tasks on a slot */
  effective: Map<string, number>;
  /** task id -> the child task workflow's duration, start to close (scaled s): what the history would record */
  durations: Map<string, number>;
  startOrder: string[];
  weighted: number;
  weightedOfOrder: number;
  makespan: number;
  idealMakespan: number;
  wallMs: number;
  orderAsExpected: boolean;
  succeeded: number;
}

const MODELS_FOR_BIAS = [null, 'mistral:7b', 'deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'] as const;

function benchConfig(): KisystemConfig {
  return parseConfig('(bench)', { timeouts: { heartbeat: 10 } });
}

function guideWorkload(config: KisystemConfig, scale: number): Workload {
  const spec: [string, Domain, number, number][] = [
    ['a', 'Audio/DSP', 90, 300],
    ['b', 'C++/System', 80, 180],
    ['c', 'CUDA/Kernel', 95, 900],
  ];
  const tasks = spec.map(([id, domain, priority, eta], seq) => ({
    id,
    domain,
    priority,
    model: startModelFor(config, domain, complexityText(standInTask(id, domain)), {}),
    etaSeconds: eta,
    snapshot: {},
    // Five real durations of `eta` make the queue's ETA exactly `eta` (history median).
    history: new Array<number>(config.eta.history_min_samples).fill(eta),
    seq,
  }));
  return { name: "guide's example (3 tasks)", tasks, scale };
}

function mixWorkload(config: KisystemConfig, n: number, seed: number, scale: number): Workload {
  const random = seededRandom(seed);
  const tasks: BenchTask[] = [];
  for (let i = 0; i < n; i++) {
    const id = `mix-${String(i).padStart(4, '0')}`;
    const domain = DOMAINS[Math.floor(random() * DOMAINS.length)]!;
    const priority = 1 + Math.floor(random() * 100);
    const biasModel = MODELS_FOR_BIAS[Math.floor(random() * MODELS_FOR_BIAS.length)]!;
    // A Meta-Supervisor bias spreads the start models (and so the ETAs) over the table, as a learnt history would.
    const snapshot: Partial<MetaSnapshot> = biasModel ? { bias: { domain, model: biasModel, weightedSuccessRate: 0.7, runs: 10 } } : {};
    const model = startModelFor(config, domain, complexityText(standInTask(id, domain)), snapshot);
    tasks.push({ id, domain, priority, model, etaSeconds: tableEtaOf(model, domain, config.eta).seconds, snapshot, history: [], seq: i });
  }
  return { name: `mix of ${n} tasks (seed ${seed})`, tasks, scale };
}

function queued(tasks: readonly BenchTask[]): (QueuedTask & { id: string })[] {
  return tasks.map((t) => ({ id: t.id, key: t.id, priorityScore: t.priority, etaSeconds: t.etaSeconds, seq: t.seq }));
}

async function waitFor(handle: WorkflowHandle, until: (s: QueueStateView) => boolean, timeoutMs: number): Promise<QueueStateView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(queueStateQuery);
    if (until(state)) return state;
    if (Date.now() > deadline) throw new Error(`queue did not finish in ${timeoutMs} ms: ${JSON.stringify(state.counters)}`);
    await sleep(250);
  }
}

/**
 * One run of a workload through a fresh queue workflow. `etaOf` is the ETA the queue must estimate
 * for a task (checked before the queue is resumed, so a bench bug cannot pass as a result).
 */
async function runOnce(env: BenchServer, taskQueue: string, config: KisystemConfig, w: Workload, slots: number, mode: 'fifo' | 'cost', tag: string, etaOf: (t: BenchTask) => number): Promise<RunResult> {
  const name = `bench-${tag}-${slots}-${mode}-${Date.now().toString(36)}`;
  const input: QueueWorkflowInput = {
    name,
    config,
    queues: { gpu: taskQueue, cuda: taskQueue },
    maxRunning: slots,
    priorityRefreshSeconds: 1_000_000,
    recentResults: w.tasks.length,
    ordering: mode === 'fifo' ? 'fifo' : 'cost-aware',
  };
  const handle = await env.client.workflow.start<typeof queueWorkflow>('queueWorkflow', { taskQueue, workflowId: `kisystem-queue-${name}`, args: [input] });
  await handle.executeUpdate(pauseUpdate);
  const items: QueueItemInput[] = w.tasks.map((t) => ({ task: standInTask(t.id, t.domain), priority: t.priority }));
  for (let i = 0; i < items.length; i += MAX_ADD_BATCH) {
    const out = await handle.executeUpdate(addTasksUpdate, { args: [items.slice(i, i + MAX_ADD_BATCH)] });
    const refused = out.filter((o) => !o.accepted);
    if (refused.length) throw new Error(`refused: ${JSON.stringify(refused.slice(0, 3))}`);
  }
  const waiting = await handle.query(queueStateQuery);
  const byTaskId = new Map(w.tasks.map((t) => [t.id, t]));
  const wrongEta = waiting.order.find((o) => Math.abs(o.etaSeconds - etaOf(byTaskId.get(o.taskId)!)) > 1e-6);
  if (wrongEta) throw new Error(`the queue estimates ${wrongEta.etaSeconds} s for ${wrongEta.taskId}, the bench expects ${etaOf(byTaskId.get(wrongEta.taskId)!)} s`);
  if (waiting.ordering !== (mode === 'fifo' ? 'fifo' : 'cost-aware')) throw new Error(`the queue orders ${waiting.ordering}, the bench asked for ${mode}`);
  const queueEta = new Map(waiting.order.map((o) => [o.taskId, o.etaSeconds]));
  const wallStart = Date.now();
  await handle.executeUpdate(resumeUpdate);
  const totalEtaMs = w.tasks.reduce((s, t) => s + t.etaSeconds, 0) * w.scale;
  const done = await waitFor(handle, (s) => s.counters.finished === w.tasks.length, 120_000 + 20 * totalEtaMs / slots);
  const wallMs = Date.now() - wallStart;
  await handle.terminate('benchmark run over');

  // Real start and close times of the child task workflows (server clock).
  const times = await Promise.all(
    done.recent.map(async (f) => {
      const d = await env.client.workflow.getHandle(f.workflowId!).describe();
      return { id: f.taskId, start: d.startTime.getTime(), close: d.closeTime!.getTime() };
    }),
  );
  const t0 = Math.min(...times.map((t) => t.start));
  const completion = new Map(times.map((t) => [t.id, (t.close - t0) / w.scale]));
  const startOrder = [...times].sort((a, b) => a.start - b.start).map((t) => t.id);
  const busy = times.reduce((sum, t) => sum + (t.close - t.start), 0) / w.scale;
  const span = Math.max(...completion.values());
  const gap = Math.max(0, (span * slots - busy) / times.length);
  const effective = new Map(times.map((t) => [t.id, (t.close - t.start) / w.scale + gap]));
  const durations = new Map(times.map((t) => [t.id, (t.close - t.start) / w.scale]));
  const byId = new Map(w.tasks.map((t) => [t.id, t]));
  const weighted = w.tasks.reduce((s, t) => s + t.priority * completion.get(t.id)!, 0);
  const weightedOfOrder = weightedCompletionTime(startOrder.map((id) => ({ priorityScore: byId.get(id)!.priority, etaSeconds: byId.get(id)!.etaSeconds })), slots);
  // What the queue should have started, in order (ties in start time on several slots make the observed order only approximate there).
  const asQueued = queued(w.tasks).map((t) => ({ ...t, etaSeconds: queueEta.get(t.id)! }));
  const expected = (mode === 'cost' ? orderQueue(asQueued) : fifoOrder(asQueued)).map((t) => t.id);
  const orderAsExpected = slots === 1 ? startOrder.join() === expected.join() : sameSlotsApart(startOrder, expected, slots);
  return {
    mode,
    slots,
    completion,
    effective,
    durations,
    startOrder,
    weighted,
    weightedOfOrder,
    makespan: Math.max(...completion.values()),
    idealMakespan: (w.tasks.reduce((s, t) => s + t.etaSeconds, 0)) / slots,
    wallMs,
    orderAsExpected,
    succeeded: done.counters.succeeded,
  };
}

/** On k slots, tasks started within the same "round" may be observed in another order: every task starts within k places of its expected place. */
function sameSlotsApart(observed: string[], expected: string[], slots: number): boolean {
  const place = new Map(expected.map((id, i) => [id, i]));
  return observed.every((id, i) => Math.abs(place.get(id)! - i) < slots);
}

function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function pct(value: number): string {
  return `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;
}

function report(w: Workload, slots: number, fifo: RunResult, cost: RunResult): string[] {
  const n = w.tasks.length;
  const half = Math.ceil(n / 2);
  const fifoHalfAt = [...fifo.completion.values()].sort((a, b) => a - b)[half - 1]!;
  const costDoneThen = [...cost.completion.values()].filter((c) => c <= fifoHalfAt).length;
  const q = queued(w.tasks);
  const smith = weightedCompletionTime(orderQueue(q), slots);
  const smith1 = weightedCompletionTime(orderQueue(q), 1);
  const fifoModel = weightedCompletionTime(fifoOrder(q), slots);
  // Smith's rule on the times the tasks really took (ETA + Temporal's per-task overhead): the best any order could do on this machine.
  const real = q.map((t) => ({ ...t, etaSeconds: cost.effective.get(t.id)! }));
  const smithReal = weightedCompletionTime(orderQueue(real), slots);
  const lines = [
    `${w.name}, ${slots} slot${slots > 1 ? 's' : ''} (scale ${w.scale} ms per ETA second):`,
    `  weighted completion time, measured (child start/close):  FIFO ${fmt(fifo.weighted)}   cost-aware ${fmt(cost.weighted)}   -> cost-aware ${pct(1 - cost.weighted / fifo.weighted).replace('+', '')} better (target >= 30 %)`,
    `  weighted completion time of the order taken (ETAs only):  FIFO ${fmt(fifo.weightedOfOrder)}   cost-aware ${fmt(cost.weightedOfOrder)}   -> ${pct(1 - cost.weightedOfOrder / fifo.weightedOfOrder).replace('+', '')} better; model FIFO ${fmt(fifoModel)}`,
    `  Smith's rule (orderQueue) on ${slots} slot${slots > 1 ? 's' : ''}: ${fmt(smith)}${slots === 1 ? ' (the one-slot optimum)' : ` (one-slot optimum ${fmt(smith1)})`}; cost-aware gap: measured ${pct(cost.weighted / smith - 1)}, order taken ${pct(cost.weightedOfOrder / smith - 1)} (target within 5 %)`,
    slots === 1
      ? `  Smith's rule on the measured task times (ETA + Temporal overhead, 1 slot): ${fmt(smithReal)}; cost-aware measured gap to it ${pct(cost.weighted / smithReal - 1)}`
      : `  (Smith's rule on measured task times: only computed for 1 slot)`,
    `  tasks done when FIFO finished half (${half} of ${n}, at ${fmt(fifoHalfAt, 1)} s): cost-aware ${costDoneThen}`,
    `  start order as the rule says: FIFO ${fifo.orderAsExpected ? 'yes' : 'NO'}, cost-aware ${cost.orderAsExpected ? 'yes' : 'NO'}; succeeded ${fifo.succeeded}/${n} and ${cost.succeeded}/${n}`,
    `  makespan: FIFO ${fmt(fifo.makespan, 1)} s, cost-aware ${fmt(cost.makespan, 1)} s, sum of ETAs / slots ${fmt(cost.idealMakespan, 1)} s; ` +
      `${slots === 1 ? `Temporal overhead per task ~${fmt(((cost.makespan - cost.idealMakespan) * w.scale) / n, 0)} ms; ` : ''}wall ${fmt(fifo.wallMs / 1000, 1)} s + ${fmt(cost.wallMs / 1000, 1)} s`,
  ];
  if (n <= 10) lines.push(`  start order: FIFO ${fifo.startOrder.join(' ')}, cost-aware ${cost.startOrder.join(' ')}`);
  return lines;
}

/** The FIFO run's real durations become the history of every task with the same start model and domain. */
function learnFrom(w: Workload, run: RunResult, learnt: Map<string, number[]>): void {
  const byGroup = new Map<string, number[]>();
  const group = (t: BenchTask) => `${t.model}\u0000${t.domain}`;
  for (const t of w.tasks) byGroup.set(group(t), [...(byGroup.get(group(t)) ?? []), run.durations.get(t.id)!]);
  for (const t of w.tasks) learnt.set(t.id, byGroup.get(group(t))!);
}

function describeLearnt(w: Workload, learnt: Map<string, number[]>, config: KisystemConfig): string {
  let fromHistory = 0;
  const shift: number[] = [];
  for (const t of w.tasks) {
    const e = estimateEta(t.model, t.domain, config.eta, learnt.get(t.id) ?? []);
    if (e.source === 'history') {
      fromHistory++;
      shift.push(e.seconds - t.etaSeconds);
    }
  }
  const mean = shift.length ? shift.reduce((a, b) => a + b, 0) / shift.length : 0;
  return `${fromHistory} of ${w.tasks.length} from the FIFO run's durations (median per start model and domain, >= ${config.eta.history_min_samples} runs), ` +
    `on average ${fmt(mean, 0)} s above the table ETA (Temporal's own cost per task); the rest from the table`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '10' },
      'guide-scale': { type: 'string', default: '10' },
      tasks: { type: 'string', default: '200' },
      seed: { type: 'string', default: '5' },
      slots: { type: 'string', default: '1,3' },
      eta: { type: 'string', default: 'learnt' },
    },
  });
  const scale = Number(values.scale);
  const guideScale = Number(values['guide-scale']);
  const n = Number(values.tasks);
  const seed = Number(values.seed);
  const slotList = values.slots.split(',').map(Number);
  const etaMode = values.eta;
  if (etaMode !== 'learnt' && etaMode !== 'table') throw new Error(`--eta must be learnt or table, got ${etaMode}`);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = benchConfig();
  const workloads = [guideWorkload(config, guideScale), mixWorkload(config, n, seed, scale)];
  const mix = workloads[1]!;
  const models = new Map<string, number>();
  for (const t of mix.tasks) models.set(`${t.model} ${t.domain}`, (models.get(`${t.model} ${t.domain}`) ?? 0) + 1);
  console.log(`start model x domain of the mix: ${[...models].sort().map(([k, c]) => `${k} ${c}`).join(', ')}`);
  console.log(`seed ${seed}; ${n} mixed tasks, ETA ${fmt(Math.min(...mix.tasks.map((t) => t.etaSeconds)))}..${fmt(Math.max(...mix.tasks.map((t) => t.etaSeconds)))} s, sum ${fmt(mix.tasks.reduce((s, t) => s + t.etaSeconds, 0))} s`);

  const byId = new Map(workloads.flatMap((w) => w.tasks.map((t) => [t.id, { t, scale: w.scale }] as const)));
  const phaseMs = (taskId: string, model: string): PhaseMs => {
    const e = byId.get(taskId);
    if (!e) return { generate: 0, build: 0, test: 0 };
    const over = config.eta.overhead_seconds;
    // The model the task runs with is the model the queue estimated for (same decideStart, same snapshot).
    const eta = model === '' || model === e.t.model ? e.t.etaSeconds : tableEtaOf(model, e.t.domain, config.eta).seconds;
    return { generate: (eta - over) * e.scale, build: (over / 2) * e.scale, test: (over / 2) * e.scale };
  };
  /** task id -> the real durations the queue's ETA sees (learnt from the FIFO run before; see --eta). */
  const learnt = new Map<string, number[]>();
  const etaOf = (t: BenchTask) => estimateEta(t.model, t.domain, config.eta, learnt.get(t.id) ?? t.history).seconds;
  const taskQueue = `bench-queue-${Date.now().toString(36)}`;
  const standIns = createStandInActivities({
    hostQueue: taskQueue,
    phaseMs,
    snapshot: (id) => byId.get(id)?.t.snapshot ?? {},
    history: (id) => learnt.get(id) ?? byId.get(id)?.t.history ?? [],
  });

  const env = await startBenchServer();
  const nativeConnection = await NativeConnection.connect({ address: env.address });
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: require.resolve('../workflows'), activities: standIns.activities });
  const running = worker.run();
  const started = Date.now();
  try {
    for (const [i, w] of workloads.entries()) {
      for (const slots of slotList) {
        const tag = i === 0 ? 'guide' : 'mix';
        learnt.clear();
        const fifo = await runOnce(env, taskQueue, config, w, slots, 'fifo', tag, etaOf);
        if (etaMode === 'learnt' && tag === 'mix') learnFrom(w, fifo, learnt);
        const cost = await runOnce(env, taskQueue, config, w, slots, 'cost', tag, etaOf);
        if (learnt.size) console.log(`  ETAs of the cost-aware run: ${describeLearnt(w, learnt, config)}`);
        console.log(report(w, slots, fifo, cost).join('\n'));
        console.log('');
      }
    }
    console.log(`stand-in calls: ${JSON.stringify(standIns.counts)}; total ${fmt((Date.now() - started) / 1000, 1)} s`);
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await nativeConnection.close();
    await env.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
