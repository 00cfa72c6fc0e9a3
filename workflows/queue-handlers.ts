/**
 * The v2 queue's message handlers. Validators refuse with an ApplicationFailure (the update fails,
 * nothing enters the history); a handler that cannot finish throws an ApplicationFailure too (a plain
 * Error would fail the workflow task in a loop and hang the update).
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { QueueStoreActivities } from '../activities/queue-store';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { checkPriority, checkQueueItem, checkStoredItem } from './queue-item-check';
import {
  addTasksUpdate,
  cancelTaskUpdate,
  CONTINUING_AS_NEW,
  MAX_ADD_BATCH,
  MAX_PENDING,
  pauseUpdate,
  queueStateLimitedQuery,
  queueStateQuery,
  reloadConfigUpdate,
  reprioritizeUpdate,
  resumeUpdate,
  taskFinishedSignal,
  type AddOutcome,
  type PendingTask,
  type QueueItemInput,
  type StoredQueueItem,
  type StoredTaskRef,
} from '../contracts/queue-messages';
import type { QueueState, RankedPending } from './queue-state';

/** Tasks per estimate call and per body store call (keeps each payload far under 2 MB). */
const ESTIMATE_CHUNK = 250;
const STORE_CHUNK = 50;

type Acts = Pick<QueueStoreActivities, 'storeQueueTasks' | 'estimateQueuedTasks'>;

function refuse(message: string): never {
  throw ApplicationFailure.create({ message, type: 'QueueUpdateRefused', nonRetryable: true });
}

/** A pending task as the v1 updates answered it (the CLI prints key, priority and ETA). */
function answer(r: RankedPending): PendingTask {
  return {
    key: r.key, seq: r.seq, task: { id: r.taskId, domain: r.domain } as ResolvedTask, ownPriority: r.ownPriority, priorityScore: r.priorityScore,
    prioritySource: r.prioritySource, model: r.model, etaSeconds: r.etaSeconds, etaSource: r.eta.source, etaReason: r.eta.reason, addedAt: r.addedAt,
  };
}

function isStored(item: QueueItemInput | StoredQueueItem): item is StoredQueueItem {
  return !!item && typeof item === 'object' && 'stored' in item;
}

/** Stores inline bodies (tests, older clients) so that only their refs stay in the queue. */
async function refsOf(acts: Acts, items: (QueueItemInput | StoredQueueItem)[]): Promise<StoredTaskRef[]> {
  const inline = items.filter((i): i is QueueItemInput => !isStored(i));
  const ids: string[] = [];
  for (let i = 0; i < inline.length; i += STORE_CHUNK) ids.push(...(await acts.storeQueueTasks(inline.slice(i, i + STORE_CHUNK).map((x) => x.task))));
  let n = 0;
  return items.map((item) => {
    if (isStored(item)) return item.stored;
    const t = item.task;
    return { bodyId: ids[n++]!, taskId: t.id, domain: t.domain, language: t.language, filePriority: t.priority ?? null };
  });
}

export function installQueueHandlers(s: QueueState, acts: Acts): void {
  setHandler(queueStateQuery, () => s.view());
  setHandler(queueStateLimitedQuery, (limit) => s.view(typeof limit === 'number' && limit >= 0 ? limit : undefined));
  setHandler(taskFinishedSignal, (notice) => s.finish(notice));

  setHandler(
    addTasksUpdate,
    async (items) => {
      const outcomes: AddOutcome[] = [];
      const accepted: { key: string; seq: number; item: QueueItemInput | StoredQueueItem; own: number | null }[] = [];
      const taken = s.takenIds();
      items.forEach((item, index) => {
        const claimed = isStored(item) ? item.stored?.taskId : item?.task?.id;
        const taskId = typeof claimed === 'string' ? claimed : null;
        let reason = isStored(item) ? checkStoredItem(item) : checkQueueItem(item);
        if (!reason && taken.has(taskId!)) reason = `task ${taskId} is already in queue ${s.input.name} (pending or running)`;
        if (!reason && s.pending.length + accepted.length >= MAX_PENDING) {
          reason = `queue ${s.input.name} is full: ${MAX_PENDING} tasks pending (add them when some have started)`;
        }
        if (reason) {
          s.counters.refused++;
          outcomes.push({ index, taskId, accepted: false, reason });
          return;
        }
        taken.add(taskId!);
        const seq = ++s.seq;
        const key = `${taskId}-${seq}`;
        accepted.push({ key, seq, item, own: item.priority ?? null });
        outcomes.push({ index, taskId, accepted: true, key });
      });
      if (accepted.length === 0) return outcomes;
      const ids = accepted.map((a) => (isStored(a.item) ? a.item.stored.taskId : a.item.task.id));
      for (const id of ids) s.reserved.add(id);
      try {
        const refs = await refsOf(acts, accepted.map((a) => a.item));
        const models = new Map<string, string>();
        for (let i = 0; i < refs.length; i += ESTIMATE_CHUNK) {
          const chunk = refs.slice(i, i + ESTIMATE_CHUNK).map((r, j) => ({ key: accepted[i + j]!.key, bodyId: r.bodyId, taskId: r.taskId, domain: r.domain }));
          const est = await acts.estimateQueuedTasks({ config: s.config, tasks: chunk });
          s.learn(est.domainPriority, est.durations);
          for (const m of est.startModels) models.set(m.key, m.startModel);
        }
        const addedAt = new Date().toISOString();
        accepted.forEach((a, i) => {
          const ref = refs[i]!;
          const model = models.get(a.key);
          if (!model) refuse(`no estimate came back for ${a.key}`);
          s.addPending({
            key: a.key, seq: a.seq, taskId: ref.taskId, bodyId: ref.bodyId, domain: ref.domain, model, ownPriority: a.own,
            filePriority: ref.filePriority ?? null, addedAt,
          });
        });
      } finally {
        for (const id of ids) s.reserved.delete(id);
      }
      return outcomes;
    },
    {
      validator: (items) => {
        if (!Array.isArray(items)) refuse('addTasks takes a list of { task, priority? } or { stored, priority? }');
        if (items.length === 0) refuse('addTasks: the list is empty');
        if (items.length > MAX_ADD_BATCH) refuse(`addTasks: at most ${MAX_ADD_BATCH} tasks per update (got ${items.length})`);
        if (s.draining) throw ApplicationFailure.create({ message: CONTINUING_AS_NEW, type: 'QueueContinuingAsNew', nonRetryable: true });
      },
    },
  );

  setHandler(cancelTaskUpdate, (keyOrId) => answer(s.cancelPending(s.findPending(keyOrId)!)), {
    validator: (keyOrId) => {
      if (typeof keyOrId !== 'string' || keyOrId === '') refuse('cancelTask takes a task key or task id');
      if (s.findPending(keyOrId)) return;
      const r = s.findRunning(keyOrId);
      if (r) refuse(`task ${r.key} is running as workflow ${r.workflowId}: cancel that workflow (kisystem cancel ${r.workflowId}); the queue hears of it`);
      refuse(`no pending task ${keyOrId} in queue ${s.input.name}`);
    },
  });

  setHandler(reprioritizeUpdate, (keyOrId, priority) => answer(s.reprioritize(s.findPending(keyOrId)!, priority)), {
    validator: (keyOrId, priority) => {
      if (typeof keyOrId !== 'string' || !s.findPending(keyOrId)) {
        const r = typeof keyOrId === 'string' ? s.findRunning(keyOrId) : undefined;
        refuse(r ? `task ${r.key} is already running` : `no pending task ${String(keyOrId)} in queue ${s.input.name}`);
      }
      const problem = checkPriority(priority, 'priority') ?? (priority === undefined || priority === null ? 'priority: missing' : null);
      if (problem) refuse(problem);
    },
  });

  setHandler(pauseUpdate, () => {
    s.paused = true;
    s.wake = true;
    return s.paused;
  });
  setHandler(resumeUpdate, () => {
    s.paused = false;
    s.wake = true;
    return s.paused;
  });

  setHandler(
    reloadConfigUpdate,
    ({ config, info }) => {
      s.useConfig(config, info);
      return info;
    },
    {
      validator: (reload) => {
        const c = reload?.config as { queue?: { max_running?: unknown }; eta?: unknown } | undefined;
        if (!c || typeof c !== 'object' || typeof c.queue?.max_running !== 'number' || !c.eta) {
          refuse('reloadConfig takes { config, info }: a config parsed by the client (queue and eta sections)');
        }
        if (typeof reload.info?.hash !== 'string' || typeof reload.info?.loadedAt !== 'string') refuse('reloadConfig: info needs hash and loadedAt');
      },
    },
  );
}
