/**
 * The v2 queue's store activities in memory, for tests and benchmarks that run the queue on stand-in
 * activities: bodies in a Map (content-addressed as in Postgres), estimates from a v1-style
 * `queueEstimates` (per task), regrouped into the v2 answer (P(domain) per domain, durations per
 * (model, domain) pair). `describeQueueChildren` is the real one (it asks the dev server).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { QueueEstimatesInput } from '../activities/queue';
import { checkDomain, createQueueChildActivities, type EstimateQueuedTasksInput, type QueueRefreshInput } from '../activities/queue-store';
import { bodyIdOf } from '../db/queue-repository';
import { taskComplexityText } from '../policy/rules/complexity';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { pairKey, type QueueEstimate, type StoredEstimates } from '../contracts/queue-messages';

/**
 * `bodyDir`: also keep each body as `<bodyDir>/<bodyId>.json`, so that a worker process started after
 * another was killed (scripts/load-queue-restart.ts) finds the bodies the first one stored.
 */
export function memoryQueueStore(queueEstimates: (input: QueueEstimatesInput) => Promise<QueueEstimate[]>, bodyDir?: string) {
  const memory = new Map<string, ResolvedTask>();
  const bodies = {
    set(id: string, t: ResolvedTask) {
      memory.set(id, t);
      if (bodyDir) writeFileSync(join(bodyDir, `${id}.json`), JSON.stringify(t));
    },
    get(id: string): ResolvedTask | undefined {
      const known = memory.get(id);
      if (known || !bodyDir || !existsSync(join(bodyDir, `${id}.json`))) return known;
      return JSON.parse(readFileSync(join(bodyDir, `${id}.json`), 'utf8')) as ResolvedTask;
    },
  };
  const domainPriority: Record<string, number | null> = {};
  const durations: Record<string, number[]> = {};
  const counts = { storeQueueTasks: 0, estimateQueuedTasks: 0, queueRefresh: 0, loadQueuedTask: 0 };
  const activities = {
    ...createQueueChildActivities(),
    async storeQueueTasks(tasks: ResolvedTask[]): Promise<string[]> {
      counts.storeQueueTasks++;
      return tasks.map((t) => {
        const id = bodyIdOf(t);
        bodies.set(id, t);
        return id;
      });
    },
    async loadQueuedTask(input: { bodyId: string }): Promise<ResolvedTask> {
      counts.loadQueuedTask++;
      const body = bodies.get(input.bodyId);
      if (!body) throw ApplicationFailure.nonRetryable(`no stored task body ${input.bodyId}`, 'QueuedTaskMissing');
      return body;
    },
    async estimateQueuedTasks(input: EstimateQueuedTasksInput): Promise<StoredEstimates> {
      counts.estimateQueuedTasks++;
      for (const t of input.tasks) checkDomain(t.domain);
      const requests = input.tasks.map((t) => {
        const body = bodies.get(t.bodyId);
        if (!body) throw ApplicationFailure.nonRetryable(`no stored task body ${t.bodyId}`, 'QueuedTaskMissing');
        return { key: t.key, taskId: t.taskId, domain: t.domain, language: body.language, text: taskComplexityText(body) };
      });
      const answer = await queueEstimates({ config: input.config, tasks: requests });
      const out: StoredEstimates = { startModels: [], domainPriority: {}, durations: {} };
      answer.forEach((e, i) => {
        const domain = requests[i]!.domain;
        out.startModels.push({ key: e.key, startModel: e.startModel });
        out.domainPriority[domain] = domainPriority[domain] = e.domainPriority;
        out.durations[pairKey(e.startModel, domain)] = durations[pairKey(e.startModel, domain)] = e.durationsSeconds;
      });
      return out;
    },
    async queueRefresh(input: QueueRefreshInput): Promise<Pick<StoredEstimates, 'domainPriority' | 'durations'>> {
      counts.queueRefresh++;
      const out: Pick<StoredEstimates, 'domainPriority' | 'durations'> = { domainPriority: {}, durations: {} };
      for (const d of input.domains) if (d in domainPriority) out.domainPriority[d] = domainPriority[d]!;
      for (const [m, d] of input.pairs) if (pairKey(m, d) in durations) out.durations[pairKey(m, d)] = durations[pairKey(m, d)]!;
      return out;
    },
  };
  return { bodies, counts, activities };
}
