/**
 * FROZEN: the v1 queue (task bodies in the workflow's state), kept only so that queues recorded before
 * task bodies moved to Postgres replay (`patched('queue-v2-postgres')` in queue-workflow.ts picks it for those histories).
 * At its continue-as-new the next run is a v2 run, which stores the carried bodies in Postgres.
 * Do not change its commands; new behaviour goes into the v2 files (queue-state.ts, queue-loop.ts).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { QueueActivities } from '../activities/queue';
import { taskComplexityText } from '../policy/rules/complexity';
import { estimateEta } from '../policy/rules/eta';
import { fifoOrder, orderQueue, priorityEff, priorityScoreFor } from '../policy/rules/queue-order';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import type { TaskWorkflowInput } from '../contracts/task-messages';
import {
  addTasksUpdate,
  cancelTaskUpdate,
  MAX_ADD_BATCH,
  pauseUpdate,
  queueStateQuery,
  reprioritizeUpdate,
  resumeUpdate,
  taskFinishedSignal,
  type AddOutcome,
  type FinishedTask,
  type PendingTask,
  type QueueCarry,
  type QueueEstimate,
  type QueueItemInput,
  type QueueStateView,
  type QueueTaskRow,
  type QueueWorkflowInput,
  type RunningTask,
  type TaskFinishedNotice,
} from '../contracts/queue-messages';
import { DOMAIN, TASK_ID } from '../contracts/search-attributes';
import { checkPriority, checkQueueItem } from './queue-item-check';
import { taskWorkflow } from './task-workflow';

/** Patch id (workflow versioning): the next task starts before the queue writes its record. */
const STARTS_BEFORE_RECORD = 'queue-starts-before-record';

/** Tasks per queueEstimates call (keeps payloads small). */
const ESTIMATE_CHUNK = 100;

function newCarry(epoch: string): QueueCarry {
  return {
    epoch,
    seq: 0,
    paused: false,
    pending: [],
    running: [],
    recent: [],
    counters: { added: 0, refused: 0, started: 0, finished: 0, succeeded: 0, failed: 0, cancelled: 0, continuedAsNew: 0 },
    outbox: [],
    lastRefreshAt: null,
  };
}

export async function legacyQueueWorkflow(input: QueueWorkflowInput): Promise<void> {
  const info = workflowInfo();
  const settings = input.config.queue;
  const maxRunning = input.maxRunning ?? settings.max_running;
  const maxHistory = input.maxHistoryEvents ?? settings.max_history_events;
  const refreshMs = (input.priorityRefreshSeconds ?? settings.priority_refresh_seconds) * 1000;
  const recentLimit = input.recentResults ?? settings.recent_results;
  // Configs frozen into queues started before `ordering` existed have no such key: cost-aware.
  const ordering = input.ordering ?? settings.ordering ?? 'cost-aware';
  const inOrder = <T extends PendingTask>(pending: readonly T[]): T[] => (ordering === 'fifo' ? fifoOrder(pending) : orderQueue(pending));
  const s: QueueCarry = (input.carry as QueueCarry | undefined) ?? newCarry(info.runId.slice(0, 8));

  const acts = proxyActivities<QueueActivities>({
    startToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '20 seconds' },
  });

  let wake = false;
  /** Task ids being added by an update in flight (their estimates are on the way). */
  const reserved = new Set<string>();

  const row = (
    t: { key: string; taskId: string; priorityScore: number; etaSeconds: number; addedAt: string },
    rest: Pick<QueueTaskRow, 'workflowId' | 'startedAt' | 'finishedAt' | 'status'>,
  ): void => {
    s.outbox.push({ queue: input.name, key: t.key, taskId: t.taskId, priorityScore: t.priorityScore, etaSeconds: t.etaSeconds, addedAt: t.addedAt, ...rest });
  };

  const findPending = (keyOrId: string) => s.pending.find((p) => p.key === keyOrId) ?? s.pending.find((p) => p.task.id === keyOrId);
  const findRunning = (keyOrId: string) => s.running.find((r) => r.key === keyOrId) ?? s.running.find((r) => r.taskId === keyOrId);

  const remember = (f: FinishedTask) => {
    s.recent.unshift(f);
    if (s.recent.length > recentLimit) s.recent.length = recentLimit;
    s.counters.finished++;
    if (f.status === 'succeeded') s.counters.succeeded++;
    else if (f.status === 'cancelled') s.counters.cancelled++;
    else s.counters.failed++;
  };

  function finish(notice: TaskFinishedNotice): void {
    const i = s.running.findIndex((r) => r.key === notice.key);
    if (i < 0) return; // already counted (the signal and the child's result both report), or not ours
    const [r] = s.running.splice(i, 1) as [RunningTask];
    const finishedAt = new Date();
    remember({
      key: r.key,
      taskId: r.taskId,
      workflowId: r.workflowId,
      status: notice.status,
      message: notice.message,
      addedAt: r.addedAt,
      startedAt: r.startedAt,
      finishedAt: finishedAt.toISOString(),
      etaSeconds: r.etaSeconds,
      durationSeconds: (finishedAt.getTime() - Date.parse(r.startedAt)) / 1000,
    });
    row(r, { workflowId: r.workflowId, startedAt: r.startedAt, finishedAt: finishedAt.toISOString(), status: notice.status });
    wake = true;
  }

  /** Applies fresh estimates to a pending task (its own priority, when given, stays). */
  function apply(p: Pick<PendingTask, 'task' | 'ownPriority'>, est: QueueEstimate) {
    const own = p.ownPriority ?? p.task.priority;
    const priority = priorityScoreFor({ priority: own ?? undefined }, est.domainPriority);
    const eta = estimateEta(est.startModel, p.task.domain, input.config.eta, est.durationsSeconds);
    return {
      priorityScore: priority.score, prioritySource: priority.source, model: est.startModel, etaSeconds: eta.seconds,
      etaSource: eta.source, etaReason: eta.reason,
    };
  }

  async function estimates(tasks: { key: string; task: ResolvedTask }[]): Promise<Map<string, QueueEstimate>> {
    const out = new Map<string, QueueEstimate>();
    for (let i = 0; i < tasks.length; i += ESTIMATE_CHUNK) {
      const chunk = tasks.slice(i, i + ESTIMATE_CHUNK);
      const answer = await acts.queueEstimates.executeWithOptions({ summary: `estimates for ${chunk.length} task(s)` }, [
        {
          config: input.config,
          tasks: chunk.map(({ key, task }) => ({ key, taskId: task.id, domain: task.domain, language: task.language, text: taskComplexityText(task) })),
        },
      ]);
      for (const e of answer) out.set(e.key, e);
    }
    return out;
  }

  setHandler(queueStateQuery, (): QueueStateView => view());

  setHandler(taskFinishedSignal, (notice) => finish(notice));

  setHandler(
    addTasksUpdate,
    async (rawItems) => {
      const items = rawItems as QueueItemInput[];
      const outcomes: AddOutcome[] = [];
      const accepted: { index: number; key: string; seq: number; item: QueueItemInput }[] = [];
      const taken = new Set<string>([...s.pending.map((p) => p.task.id), ...s.running.map((r) => r.taskId), ...reserved]);
      items.forEach((item, index) => {
        const taskId = typeof item?.task?.id === 'string' ? item.task.id : null;
        let reason = checkQueueItem(item);
        if (!reason && taken.has(taskId!)) reason = `task ${taskId} is already in queue ${input.name} (pending or running)`;
        if (reason) {
          s.counters.refused++;
          outcomes.push({ index, taskId, accepted: false, reason });
          return;
        }
        taken.add(taskId!);
        const seq = ++s.seq;
        const key = `${taskId}-${seq}`;
        accepted.push({ index, key, seq, item });
        outcomes.push({ index, taskId, accepted: true, key });
      });
      if (accepted.length === 0) return outcomes;
      for (const a of accepted) reserved.add(a.item.task.id);
      try {
        const est = await estimates(accepted.map((a) => ({ key: a.key, task: a.item.task })));
        const addedAt = new Date().toISOString();
        for (const a of accepted) {
          const e = est.get(a.key);
          if (!e) throw ApplicationFailure.nonRetryable(`no estimate for ${a.key}`);
          const ownPriority = a.item.priority ?? null;
          const p: PendingTask = { key: a.key, seq: a.seq, task: a.item.task, ownPriority, addedAt, ...apply({ task: a.item.task, ownPriority }, e) };
          s.pending.push(p);
          s.counters.added++;
          row({ ...p, taskId: p.task.id }, { workflowId: null, startedAt: null, finishedAt: null, status: 'pending' });
        }
      } finally {
        for (const a of accepted) reserved.delete(a.item.task.id);
      }
      wake = true;
      return outcomes;
    },
    {
      validator: (items) => {
        if (!Array.isArray(items)) throw ApplicationFailure.nonRetryable('addTasks takes a list of { task, priority? }');
        if (items.length === 0) throw ApplicationFailure.nonRetryable('addTasks: the list is empty');
        if (items.length > MAX_ADD_BATCH) throw ApplicationFailure.nonRetryable(`addTasks: at most ${MAX_ADD_BATCH} tasks per update (got ${items.length})`);
      },
    },
  );

  setHandler(
    cancelTaskUpdate,
    (keyOrId) => {
      const p = findPending(keyOrId)!;
      s.pending.splice(s.pending.indexOf(p), 1);
      const now = new Date().toISOString();
      remember({
        key: p.key, taskId: p.task.id, workflowId: null, status: 'cancelled', message: 'cancelled while pending',
        addedAt: p.addedAt, startedAt: null, finishedAt: now, etaSeconds: p.etaSeconds, durationSeconds: null,
      });
      row({ ...p, taskId: p.task.id }, { workflowId: null, startedAt: null, finishedAt: now, status: 'cancelled' });
      wake = true;
      return p;
    },
    {
      validator: (keyOrId) => {
        if (typeof keyOrId !== 'string' || keyOrId === '') throw ApplicationFailure.nonRetryable('cancelTask takes a task key or task id');
        if (findPending(keyOrId)) return;
        const r = findRunning(keyOrId);
        if (r) {
          throw ApplicationFailure.nonRetryable(
            `task ${r.key} is running as workflow ${r.workflowId}: cancel that workflow (kisystem cancel ${r.workflowId}); the queue hears of it`,
          );
        }
        throw ApplicationFailure.nonRetryable(`no pending task ${keyOrId} in queue ${input.name}`);
      },
    },
  );

  setHandler(
    reprioritizeUpdate,
    (keyOrId, priority) => {
      const p = findPending(keyOrId)!;
      p.ownPriority = priority;
      p.priorityScore = priority;
      p.prioritySource = 'task';
      row({ ...p, taskId: p.task.id }, { workflowId: null, startedAt: null, finishedAt: null, status: 'pending' });
      wake = true;
      return p;
    },
    {
      validator: (keyOrId, priority) => {
        if (typeof keyOrId !== 'string' || !findPending(keyOrId)) {
          const r = typeof keyOrId === 'string' ? findRunning(keyOrId) : undefined;
          throw ApplicationFailure.nonRetryable(r ? `task ${r.key} is already running` : `no pending task ${String(keyOrId)} in queue ${input.name}`);
        }
        const problem = checkPriority(priority, 'priority') ?? (priority === undefined || priority === null ? 'priority: missing' : null);
        if (problem) throw ApplicationFailure.nonRetryable(problem);
      },
    },
  );

  setHandler(pauseUpdate, () => {
    s.paused = true;
    wake = true;
    return s.paused;
  });
  setHandler(resumeUpdate, () => {
    s.paused = false;
    wake = true;
    return s.paused;
  });

  function view(): QueueStateView {
    const now = Date.now();
    return {
      name: input.name,
      paused: s.paused,
      maxRunning,
      ordering,
      order: inOrder(s.pending).map((p, i) => ({
        position: i + 1,
        key: p.key,
        taskId: p.task.id,
        domain: p.task.domain,
        model: p.model,
        priorityScore: p.priorityScore,
        prioritySource: p.prioritySource,
        etaSeconds: p.etaSeconds,
        etaSource: p.etaSource,
        etaReason: p.etaReason,
        priorityEff: priorityEff(p),
        addedAt: p.addedAt,
      })),
      running: s.running.map((r) => ({ ...r, elapsedSeconds: Math.max(0, (now - Date.parse(r.startedAt)) / 1000) })),
      recent: s.recent,
      counters: s.counters,
      historyLength: workflowInfo().historyLength,
    };
  }

  function publish(): void {
    const v = view();
    const lines = [
      `**Queue ${input.name}**${v.paused ? ' · **paused**' : ''}${ordering === 'fifo' ? ' · FIFO order' : ''}` +
        ` · ${v.running.length}/${maxRunning} running · ${v.order.length} pending · ` +
        `${v.counters.finished} finished (${v.counters.succeeded} succeeded, ${v.counters.failed} failed, ${v.counters.cancelled} cancelled)`,
      '',
    ];
    if (v.running.length) {
      lines.push('| running | workflow | model | ETA (s) |', '|---|---|---|---|');
      for (const r of v.running) lines.push(`| ${r.key} | ${r.workflowId} | ${r.model} | ${Math.round(r.etaSeconds)} |`);
      lines.push('');
    }
    if (v.order.length) {
      lines.push('| # | task | domain | model | priority | ETA (s) | priority_eff |', '|---|---|---|---|---|---|---|');
      for (const o of v.order.slice(0, 25)) {
        const priority = `${o.priorityScore.toFixed(1)} (${o.prioritySource})`;
        const eta = `${Math.round(o.etaSeconds)} (${o.etaSource})`;
        lines.push(`| ${o.position} | ${o.key} | ${o.domain} | ${o.model} | ${priority} | ${eta} | ${o.priorityEff.toFixed(4)} |`);
      }
      if (v.order.length > 25) lines.push(`| ... | ${v.order.length - 25} more | | | | | |`);
      lines.push('');
    }
    if (v.recent.length) lines.push(`Recent: ${v.recent.slice(0, 10).map((f) => `${f.key} ${f.status}`).join(', ')}`);
    setCurrentDetails(lines.join('\n'));
  }

  const shouldContinueAsNew = () => {
    const i = workflowInfo();
    return i.continueAsNewSuggested || i.historyLength > maxHistory;
  };

  /** Set while the database is away: the loop then waits for the next event instead of retrying at once. */
  let flushFailed = false;
  async function flush(): Promise<void> {
    if (s.outbox.length === 0) return;
    const batch = s.outbox.slice();
    try {
      await acts.recordQueueEvents.executeWithOptions({ summary: `record ${batch.length} queue event(s)` }, [batch]);
      s.outbox.splice(0, batch.length);
      flushFailed = false;
    } catch (error) {
      if (isCancellation(error)) throw error;
      flushFailed = true;
      // The database is away: the rows stay in the outbox (and travel with continue-as-new).
    }
  }

  async function refresh(): Promise<void> {
    s.lastRefreshAt = new Date().toISOString();
    if (s.pending.length === 0) return;
    try {
      const est = await estimates(s.pending.map((p) => ({ key: p.key, task: p.task })));
      for (const p of s.pending) {
        const e = est.get(p.key);
        if (e) Object.assign(p, apply(p, e));
      }
    } catch (error) {
      if (isCancellation(error)) throw error;
      // Keep the estimates the tasks have; the next refresh tries again.
    }
  }

  async function start(p: PendingTask): Promise<void> {
    const workflowId = `${p.task.id}-q-${input.name}-${s.epoch}-${p.seq}`;
    const startedAt = new Date().toISOString();
    const r: RunningTask = {
      key: p.key, taskId: p.task.id, workflowId, model: p.model, priorityScore: p.priorityScore, etaSeconds: p.etaSeconds,
      addedAt: p.addedAt, startedAt,
    };
    // In `running` before the start completes, so that a notice can never miss it.
    s.running.push(r);
    s.counters.started++;
    row(r, { workflowId, startedAt, finishedAt: null, status: 'running' });
    const args: TaskWorkflowInput = { task: p.task, config: input.config, queues: input.queues, notifyQueue: { workflowId: info.workflowId, key: p.key } };
    try {
      const child = await startChild(taskWorkflow, {
        workflowId,
        taskQueue: info.taskQueue,
        args: [args],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: TASK_ID, value: p.task.id },
          { key: DOMAIN, value: p.task.domain },
        ],
      });
      // Within this run the child's result also reports (covers a terminated child, which cannot signal).
      child.result().then(
        (res) => finish({ key: p.key, workflowId, status: res.status, message: res.message }),
        (error) => finish({
          key: p.key, workflowId, status: isCancellation(error) ? 'cancelled' : 'failed',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    } catch (error) {
      finish({ key: p.key, workflowId, status: 'failed', message: `could not start: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  // Queues started before this change wrote the record first; they keep that order on replay.
  const startsFirst = patched(STARTS_BEFORE_RECORD);
  for (;;) {
    // Cleared before the awaits below: a signal or update that lands during them wakes the next wait at once.
    if (startsFirst) wake = false;
    else await flush();
    if (shouldContinueAsNew()) break;
    if (s.lastRefreshAt === null || Date.now() - Date.parse(s.lastRefreshAt) >= refreshMs) await refresh();
    while (!s.paused && s.running.length < maxRunning && s.pending.length > 0 && !shouldContinueAsNew()) {
      const next = inOrder(s.pending)[0]!;
      s.pending.splice(s.pending.indexOf(next), 1);
      await start(next);
    }
    // The record is written after the starts: a free slot never waits for the database.
    if (startsFirst) await flush();
    publish();
    if (s.outbox.length > 0 && !flushFailed) continue;
    if (!startsFirst) wake = false;
    const untilRefresh = Math.max(1000, refreshMs - (Date.now() - Date.parse(s.lastRefreshAt!)));
    const ready = () => wake || (s.outbox.length > 0 && !flushFailed) || shouldContinueAsNew();
    if (s.pending.length > 0) await condition(ready, untilRefresh);
    else await condition(ready);
  }

  // Continue-as-new: write the record, let every update finish, carry the whole state.
  await flush();
  await condition(allHandlersFinished);
  s.counters.continuedAsNew++;
  publish();
  await continueAsNew<typeof legacyQueueWorkflow>({ ...input, carry: s });
}
