/**
 * The cost-aware queue (guide section 5): one durable workflow per named queue
 * (`kisystem-queue-<name>`). It holds the pending tasks in priority_eff order (priority_score / ETA,
 * `orderQueue`; arrival order when config `queue.ordering` is `fifo`), starts each as a child task
 * workflow while fewer than `max_running` run, and starts the next as soon as one ends. Models:
 * samples-typescript `batch-sliding-window` and `safe-message-handlers` (the state is `QueueState`).
 *
 * - v2: task bodies live in Postgres (`queue_task_bodies`); the queue carries keys and the
 *   order's inputs only, and a child loads its body itself (`queuedTaskWorkflow`). Queues recorded
 *   before are replayed by the frozen v1 code (`patched(QUEUE_V2)`); at their next continue-as-new the
 *   carried bodies are stored and the queue goes on as v2.
 * - Children are started with ParentClosePolicy.ABANDON and tell the queue's latest run how they ended;
 *   within one run the queue watches their results too, and every refresh asks the server about the
 *   children it thinks are running, so a child that ended unseen (terminated while the queue continued
 *   as new) frees its slot.
 * - `reloadConfig` makes the queue use a config the client loaded and validated (`queue show` prints
 *   its hash and when it was loaded).
 */
import {
  allHandlersFinished, condition, continueAsNew, isCancellation, ParentClosePolicy, patched, proxyActivities, startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { QueueActivities } from '../activities/queue';
import type { QueueStoreActivities } from '../activities/queue-store';
import { installQueueHandlers } from './queue-handlers';
import { legacyQueueWorkflow } from './queue-legacy';
import type { QueueCarry, QueueCarryV2, QueueWorkflowInput, RunningTask } from '../contracts/queue-messages';
import { QueueState, type RankedPending } from './queue-state';
import { queuedTaskWorkflow } from './queue-task-child';
import { rethrowCancellation } from './faults';
import { DOMAIN, TASK_ID } from '../contracts/search-attributes';

/** Patch id: queues recorded before task bodies moved to Postgres (bodies in the history) replay on the v1 code. */
const QUEUE_V2 = 'queue-v2-postgres';

/**
 * A run continues as new before its history passes this many bytes (the server only suggests it much
 * later; `queue show`'s history fetch and the replay of a run stay small). Tests pass a smaller one.
 */
const MAX_HISTORY_BYTES = 2 * 1024 * 1024;
/** queue_tasks rows per write (a backlog added in batches of 500 would otherwise pile up into one large payload). */
const FLUSH_CHUNK = 500;

const acts = proxyActivities<QueueStoreActivities & Pick<QueueActivities, 'recordQueueEvents'>>({
  // Short database steps (a batch of 500 at most): a step lost with its worker is retried on
  // another after this, and the queue stalls no longer than that.
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '20 seconds', nonRetryableErrorTypes: ['UnknownDomain', 'QueuedTaskMissing'] },
});

/** A v1 run handed its state: everything but the pending tasks' bodies carries over as is. */
function fromV1Carry(input: QueueWorkflowInput, carry: QueueCarry): QueueState {
  const s = new QueueState(input, carry.epoch);
  Object.assign(s, { seq: carry.seq, paused: carry.paused, running: carry.running, recent: carry.recent, counters: carry.counters, outbox: carry.outbox });
  return s;
}

/**
 * The v1 pending tasks: their bodies go to Postgres, the queue keeps refs. Runs after the handlers are
 * set (queries answer meanwhile); their task ids are reserved so that an add cannot take them twice.
 */
async function storeV1Pending(s: QueueState, carry: QueueCarry): Promise<void> {
  for (const p of carry.pending) s.reserved.add(p.task.id);
  try {
    for (let i = 0; i < carry.pending.length; i += 50) {
      const chunk = carry.pending.slice(i, i + 50);
      const ids = await acts.storeQueueTasks(chunk.map((p) => p.task));
      chunk.forEach((p, j) => {
        s.pending.push({
          key: p.key, seq: p.seq, taskId: p.task.id, bodyId: ids[j]!, domain: p.task.domain, model: p.model,
          ownPriority: p.ownPriority, filePriority: p.task.priority ?? null, addedAt: p.addedAt,
        });
      });
    }
  } finally {
    for (const p of carry.pending) s.reserved.delete(p.task.id);
  }
}

export async function queueWorkflow(input: QueueWorkflowInput): Promise<void> {
  if (!patched(QUEUE_V2)) return legacyQueueWorkflow(input);
  const info = workflowInfo();
  const carry = input.carry;
  const v1Carry = carry && (carry as QueueCarryV2).version !== 2 ? (carry as QueueCarry) : null;
  const s = !carry ? new QueueState(input, info.runId.slice(0, 8)) : v1Carry ? fromV1Carry(input, v1Carry) : QueueState.fromCarry(input, carry as QueueCarryV2);
  installQueueHandlers(s, acts);
  if (v1Carry) await storeV1Pending(s, v1Carry);

  const shouldContinueAsNew = () => {
    const i = workflowInfo();
    return i.continueAsNewSuggested || i.historyLength > s.maxHistoryEvents || i.historySize > (s.input.maxHistoryBytes ?? MAX_HISTORY_BYTES);
  };

  /** Set while the database is away: the loop then waits for the next event instead of retrying at once. */
  let flushFailed = false;
  async function flush(): Promise<void> {
    if (s.outbox.length === 0) return;
    const batch = s.outbox.slice(0, FLUSH_CHUNK);
    try {
      await acts.recordQueueEvents.executeWithOptions({ summary: `record ${batch.length} queue event(s)` }, [batch]);
      s.outbox.splice(0, batch.length);
      flushFailed = false;
    } catch (error) {
      rethrowCancellation(error);
      flushFailed = true; // the database is away: the rows stay in the outbox (and travel with continue-as-new)
    }
  }

  /** Frees the slots of children that ended unseen, then fresh P(domain) and durations for the pending tasks. */
  async function refresh(): Promise<void> {
    s.lastRefreshAt = new Date().toISOString();
    try {
      if (s.running.length > 0) {
        const standings = await acts.describeQueueChildren(s.running.map((r) => r.workflowId));
        for (const c of standings) {
          const r = s.running.find((x) => x.workflowId === c.workflowId);
          if (r && !c.running) s.finish({ key: r.key, workflowId: r.workflowId, status: c.status ?? 'failed', message: c.message ?? 'ended' });
        }
      }
      if (s.pending.length > 0) {
        const domains = [...new Set(s.pending.map((p) => p.domain))];
        const pairs = [...new Map(s.pending.map((p) => [`${p.model}|${p.domain}`, [p.model, p.domain] as [string, string]])).values()];
        const fresh = await acts.queueRefresh({ config: s.config, domains, pairs });
        s.learn(fresh.domainPriority, fresh.durations);
      }
    } catch (error) {
      rethrowCancellation(error); // anything else: keep what the queue has; the next refresh tries again
    }
  }

  async function start(p: RankedPending): Promise<void> {
    const workflowId = `${p.taskId}-q-${s.input.name}-${s.epoch}-${p.seq}`;
    const startedAt = new Date().toISOString();
    const r: RunningTask = {
      key: p.key, taskId: p.taskId, workflowId, model: p.model, priorityScore: p.priorityScore, etaSeconds: p.etaSeconds,
      addedAt: p.addedAt, startedAt,
    };
    // In `running` before the start completes, so that a notice can never miss it.
    s.running.push(r);
    s.counters.started++;
    s.row(r, r.priorityScore, r.etaSeconds, { workflowId, startedAt, finishedAt: null, status: 'running' });
    try {
      const child = await startChild(queuedTaskWorkflow, {
        workflowId,
        taskQueue: info.taskQueue,
        args: [{ bodyId: p.bodyId, config: s.config, queues: s.input.queues, notifyQueue: { workflowId: info.workflowId, key: p.key } }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: TASK_ID, value: p.taskId },
          { key: DOMAIN, value: p.domain },
        ],
      });
      child.result().then(
        (res) => s.finish({ key: p.key, workflowId, status: res.status, message: res.message }),
        (error) => s.finish({
          key: p.key, workflowId, status: isCancellation(error) ? 'cancelled' : 'failed',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    } catch (error) {
      rethrowCancellation(error);
      s.finish({ key: p.key, workflowId, status: 'failed', message: `could not start: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  for (;;) {
    // Cleared before the awaits below: a signal or update that lands during them wakes the next wait at once.
    s.wake = false;
    if (shouldContinueAsNew()) break;
    if (s.lastRefreshAt === null || Date.now() - Date.parse(s.lastRefreshAt) >= s.refreshMs) await refresh();
    while (!s.paused && s.running.length < s.maxRunning && s.pending.length > 0 && !shouldContinueAsNew()) {
      const next = s.ordered()[0]!;
      s.removePending(s.pending.find((p) => p.key === next.key)!);
      await start(next);
    }
    // The record is written after the starts: a free slot never waits for the database.
    await flush();
    s.publish();
    if (s.outbox.length > 0 && !flushFailed) continue;
    const untilRefresh = Math.max(1000, s.refreshMs - (Date.now() - Date.parse(s.lastRefreshAt!)));
    const ready = () => s.wake || (s.outbox.length > 0 && !flushFailed) || shouldContinueAsNew();
    if (s.pending.length > 0 || s.running.length > 0) await condition(ready, untilRefresh);
    else await condition(ready);
  }

  // Continue-as-new: refuse new adds (else a steady stream of them would keep this run open), write the
  // record, let every update finish, carry keys and the order's inputs.
  s.draining = true;
  do await flush();
  while (s.outbox.length > 0 && !flushFailed);
  await condition(allHandlersFinished);
  s.counters.continuedAsNew++;
  s.publish();
  await continueAsNew<typeof queueWorkflow>({ ...input, config: s.config, configInfo: s.configInfo ?? undefined, carry: s.toCarry() });
}
