/**
 * The v2 queue's state in one class (as in Temporal's safe-message-handlers sample): pending tasks as
 * keys and the order's inputs (no task bodies, they live in Postgres), running children, recent
 * results, counters and the record's outbox. Handlers and the main loop change it only through its
 * methods; `toCarry` / `fromCarry` are what continue-as-new hands on.
 */
import { setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { estimateEta } from '../policy/rules/eta';
import { fifoOrder, orderQueue, priorityEff, priorityScoreFor } from '../policy/rules/queue-order';
import { packPending, unpackPending } from './queue-carry';
import {
  pairKey,
  type FinishedTask,
  type PairEta,
  type PendingRef,
  type QueueCarryV2,
  type QueueConfigInfo,
  type QueueCounters,
  type QueueOrderEntry,
  type QueueOrdering,
  type QueueStateView,
  type QueueTaskRow,
  type QueueWorkflowInput,
  type RunningTask,
  type TaskFinishedNotice,
} from '../contracts/queue-messages';

/** A pending task with its current priority and ETA (computed, never carried). */
export type RankedPending = PendingRef & { priorityScore: number; prioritySource: 'task' | 'meta-supervisor' | 'default'; etaSeconds: number; eta: PairEta };

function emptyCounters(): QueueCounters {
  return { added: 0, refused: 0, started: 0, finished: 0, succeeded: 0, failed: 0, cancelled: 0, continuedAsNew: 0 };
}

export class QueueState {
  epoch: string;
  seq = 0;
  paused = false;
  pending: PendingRef[] = [];
  running: RunningTask[] = [];
  recent: FinishedTask[] = [];
  counters: QueueCounters = emptyCounters();
  outbox: QueueTaskRow[] = [];
  lastRefreshAt: string | null = null;
  domainPriority: Record<string, number | null> = {};
  durations: Record<string, number[]> = {};
  config: KisystemConfig;
  configInfo: QueueConfigInfo | null;
  /** Set once the run is about to continue as new: new adds are refused (the client sends them again) so that the history ends. */
  draining = false;
  /** Set by every change that may let the loop start a task or write the record. */
  wake = false;
  /** Task ids being added by an update in flight (their estimates are on the way). */
  readonly reserved = new Set<string>();
  private etaCache = new Map<string, PairEta>();

  constructor(readonly input: QueueWorkflowInput, epoch: string) {
    this.epoch = epoch;
    this.config = input.config;
    this.configInfo = input.configInfo ?? null;
  }

  static fromCarry(input: QueueWorkflowInput, carry: QueueCarryV2): QueueState {
    const s = new QueueState(input, carry.epoch);
    Object.assign(s, {
      seq: carry.seq,
      paused: carry.paused,
      pending: unpackPending(carry),
      running: carry.running,
      recent: carry.recent,
      counters: carry.counters,
      outbox: carry.outbox,
      lastRefreshAt: carry.lastRefreshAt,
      domainPriority: carry.domainPriority,
      durations: carry.durations,
    });
    return s;
  }

  toCarry(): QueueCarryV2 {
    const { domains, models, pending } = packPending(this.pending);
    return {
      version: 2, epoch: this.epoch, seq: this.seq, paused: this.paused, domains, models, pending,
      running: this.running, recent: this.recent, counters: this.counters, outbox: this.outbox,
      lastRefreshAt: this.lastRefreshAt, domainPriority: this.domainPriority, durations: this.durations,
    };
  }

  get maxRunning(): number {
    return this.input.maxRunning ?? this.config.queue.max_running;
  }
  get maxHistoryEvents(): number {
    return this.input.maxHistoryEvents ?? this.config.queue.max_history_events;
  }
  get refreshMs(): number {
    return (this.input.priorityRefreshSeconds ?? this.config.queue.priority_refresh_seconds) * 1000;
  }
  get ordering(): QueueOrdering {
    return this.input.ordering ?? this.config.queue.ordering ?? 'cost-aware';
  }

  /** Takes a new config (the ETA table may have changed: the cached ETAs go). */
  useConfig(config: KisystemConfig, info: QueueConfigInfo): void {
    this.config = config;
    this.configInfo = info;
    this.etaCache.clear();
    this.wake = true;
  }

  /** Takes fresh P(domain) and durations (from an add's estimates or a refresh). */
  learn(domainPriority: Record<string, number | null>, durations: Record<string, number[]>): void {
    Object.assign(this.domainPriority, domainPriority);
    Object.assign(this.durations, durations);
    this.etaCache.clear();
  }

  etaOf(model: string, domain: string): PairEta {
    const k = pairKey(model, domain);
    let eta = this.etaCache.get(k);
    if (!eta) {
      const e = estimateEta(model, domain, this.config.eta, this.durations[k] ?? []);
      eta = { seconds: e.seconds, source: e.source, reason: e.reason };
      this.etaCache.set(k, eta);
    }
    return eta;
  }

  rank(p: PendingRef): RankedPending {
    const own = p.ownPriority ?? p.filePriority;
    const priority = priorityScoreFor({ priority: own ?? undefined }, this.domainPriority[p.domain] ?? null);
    const eta = this.etaOf(p.model, p.domain);
    return { ...p, priorityScore: priority.score, prioritySource: priority.source, etaSeconds: eta.seconds, eta };
  }

  /** Pending tasks in the order they start. */
  ordered(): RankedPending[] {
    const ranked = this.pending.map((p) => this.rank(p));
    return this.ordering === 'fifo' ? fifoOrder(ranked) : orderQueue(ranked);
  }

  findPending(keyOrId: string): PendingRef | undefined {
    return this.pending.find((p) => p.key === keyOrId) ?? this.pending.find((p) => p.taskId === keyOrId);
  }
  findRunning(keyOrId: string): RunningTask | undefined {
    return this.running.find((r) => r.key === keyOrId) ?? this.running.find((r) => r.taskId === keyOrId);
  }
  takenIds(): Set<string> {
    return new Set<string>([...this.pending.map((p) => p.taskId), ...this.running.map((r) => r.taskId), ...this.reserved]);
  }

  /** Queues the record row of a task's current state. */
  row(
    p: { key: string; taskId: string; addedAt: string }, priorityScore: number, etaSeconds: number,
    rest: Pick<QueueTaskRow, 'workflowId' | 'startedAt' | 'finishedAt' | 'status'>,
  ): void {
    this.outbox.push({ queue: this.input.name, key: p.key, taskId: p.taskId, priorityScore, etaSeconds, addedAt: p.addedAt, ...rest });
  }

  addPending(p: PendingRef): void {
    this.pending.push(p);
    this.counters.added++;
    const r = this.rank(p);
    this.row(p, r.priorityScore, r.etaSeconds, { workflowId: null, startedAt: null, finishedAt: null, status: 'pending' });
    this.wake = true;
  }

  removePending(p: PendingRef): void {
    this.pending.splice(this.pending.indexOf(p), 1);
  }

  cancelPending(p: PendingRef): RankedPending {
    const r = this.rank(p);
    this.removePending(p);
    const now = new Date().toISOString();
    this.remember({
      key: p.key, taskId: p.taskId, workflowId: null, status: 'cancelled', message: 'cancelled while pending', addedAt: p.addedAt,
      startedAt: null, finishedAt: now, etaSeconds: r.etaSeconds, durationSeconds: null,
    });
    this.row(p, r.priorityScore, r.etaSeconds, { workflowId: null, startedAt: null, finishedAt: now, status: 'cancelled' });
    this.wake = true;
    return r;
  }

  reprioritize(p: PendingRef, priority: number): RankedPending {
    p.ownPriority = priority;
    const r = this.rank(p);
    this.row(p, r.priorityScore, r.etaSeconds, { workflowId: null, startedAt: null, finishedAt: null, status: 'pending' });
    this.wake = true;
    return r;
  }

  remember(f: FinishedTask): void {
    this.recent.unshift(f);
    const limit = this.input.recentResults ?? this.config.queue.recent_results;
    if (this.recent.length > limit) this.recent.length = limit;
    this.counters.finished++;
    if (f.status === 'succeeded') this.counters.succeeded++;
    else if (f.status === 'cancelled') this.counters.cancelled++;
    else this.counters.failed++;
  }

  /** A running task ended (a notice, the child's result or a reconcile); a second report of it counts nothing. */
  finish(notice: TaskFinishedNotice): void {
    const i = this.running.findIndex((r) => r.key === notice.key);
    if (i < 0) return;
    const [r] = this.running.splice(i, 1) as [RunningTask];
    const finishedAt = new Date();
    this.remember({
      key: r.key, taskId: r.taskId, workflowId: r.workflowId, status: notice.status, message: notice.message, addedAt: r.addedAt,
      startedAt: r.startedAt, finishedAt: finishedAt.toISOString(), etaSeconds: r.etaSeconds,
      durationSeconds: (finishedAt.getTime() - Date.parse(r.startedAt)) / 1000,
    });
    this.row(
      r, r.priorityScore, r.etaSeconds,
      { workflowId: r.workflowId, startedAt: r.startedAt, finishedAt: finishedAt.toISOString(), status: notice.status },
    );
    this.wake = true;
  }

  view(limit = Number.POSITIVE_INFINITY): QueueStateView {
    const now = Date.now();
    const info = workflowInfo();
    const order: QueueOrderEntry[] = this.ordered()
      .slice(0, limit)
      .map((p, i) => ({
        position: i + 1, key: p.key, taskId: p.taskId, domain: p.domain, model: p.model, priorityScore: p.priorityScore, prioritySource: p.prioritySource,
        etaSeconds: p.etaSeconds, etaSource: p.eta.source, etaReason: p.eta.reason, priorityEff: priorityEff(p), addedAt: p.addedAt,
      }));
    return {
      name: this.input.name, paused: this.paused, maxRunning: this.maxRunning, ordering: this.ordering, order,
      running: this.running.map((r) => ({ ...r, elapsedSeconds: Math.max(0, (now - Date.parse(r.startedAt)) / 1000) })),
      recent: this.recent, counters: this.counters, historyLength: info.historyLength, historySize: info.historySize,
      pendingCount: this.pending.length, config: this.configInfo,
    };
  }

  /** The Web UI's details line (the first 25 pending tasks). */
  publish(): void {
    const v = this.view(25);
    const lines = [
      `**Queue ${v.name}**${v.paused ? ' · **paused**' : ''}${v.ordering === 'fifo' ? ' · FIFO order' : ''}` +
        ` · ${v.running.length}/${v.maxRunning} running · ${v.pendingCount} pending · ` +
        `${v.counters.finished} finished (${v.counters.succeeded} succeeded, ${v.counters.failed} failed, ${v.counters.cancelled} cancelled)` +
        (v.config ? ` · config ${v.config.hash} (loaded ${v.config.loadedAt})` : ''),
      '',
    ];
    if (v.running.length) {
      lines.push('| running | workflow | model | ETA (s) |', '|---|---|---|---|');
      for (const r of v.running) lines.push(`| ${r.key} | ${r.workflowId} | ${r.model} | ${Math.round(r.etaSeconds)} |`);
      lines.push('');
    }
    if (v.order.length) {
      lines.push('| # | task | domain | model | priority | ETA (s) | priority_eff |', '|---|---|---|---|---|---|---|');
      for (const o of v.order) {
        const priority = `${o.priorityScore.toFixed(1)} (${o.prioritySource})`;
        const eta = `${Math.round(o.etaSeconds)} (${o.etaSource})`;
        lines.push(`| ${o.position} | ${o.key} | ${o.domain} | ${o.model} | ${priority} | ${eta} | ${o.priorityEff.toFixed(4)} |`);
      }
      if ((v.pendingCount ?? 0) > v.order.length) lines.push(`| ... | ${(v.pendingCount ?? 0) - v.order.length} more | | | | | |`);
      lines.push('');
    }
    if (v.recent.length) lines.push(`Recent: ${v.recent.slice(0, 10).map((f) => `${f.key} ${f.status}`).join(', ')}`);
    setCurrentDetails(lines.join('\n'));
  }
}
