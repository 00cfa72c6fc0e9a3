/**
 * Timed stand-ins for every activity the queue workflow and the task workflows it starts call, for
 * the queue benchmark (scripts/bench-queue.ts) and the load/fault script (scripts/load-queue-restart.ts).
 * No database, no model server, no compiler: each stand-in has the real activity's name and shape,
 * sleeps for the time it is given and answers as a passing run would (the model's answer is an OK
 * fence, the build succeeds, the test prints `KISYSTEM_VERDICT: PASS`).
 *
 * The start model is decided as the real activities decide it (`decideStart` on the task's chain,
 * complexity and a Meta-Supervisor snapshot), so that the model the queue estimates the ETA for is the
 * model the task workflow then runs with.
 */
import { memoryQueueStore } from './queue-memory-store';
import { Context } from '@temporalio/activity';
import type { QueueEstimatesInput } from '../activities/queue';
import type { MetaSnapshot, MetaSnapshotInput, RecordStartDecisionInput } from '../contracts/meta-types';
import type { BuildInput, BuildResult, GenerateInput, GenerateResult, HostClaim, RecordRunInput, TestInput, TestResult } from '../contracts/activity-types';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { taskComplexity } from '../policy/rules/complexity';
import { isDomain, type Domain } from '../policy/rules/domains';
import { failureStateScore } from '../policy/rules/failure-state';
import { decideStart } from '../policy/rules/hybrid-decision';
import { chainForDomain } from '../policy/rules/routing';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import type { QueueEstimate, QueueTaskRow } from '../contracts/queue-messages';

/** How long each step of one model answer of a task takes (milliseconds). */
export interface PhaseMs {
  generate: number;
  build: number;
  test: number;
}

export interface StandInOptions {
  /** The queue every host step runs on (claimHost answers with it). */
  hostQueue: string;
  /** Step durations of a task's answer by `model` (build and test are asked with model '': they do not depend on it). */
  phaseMs: (taskId: string, model: string) => PhaseMs;
  /** The Meta-Supervisor snapshot a task gets (default: no history). Must be the same for the queue and the task. */
  snapshot?: (taskId: string) => Partial<MetaSnapshot>;
  /** Real durations (seconds) the queue's ETA sees for a task (default none: the ETA table). */
  history?: (taskId: string) => number[];
  /** Called with one line per activity event (for invocation counts that survive a killed worker). */
  log?: (line: string) => void;
  /** Where the v2 queue's task bodies are kept too (workers in several processes share them); default memory only. */
  bodyDir?: string;
}

const NO_SNAPSHOT: MetaSnapshot = { takenAt: '2026-11-28T00:00:00.000Z', bias: null, priority: null, earlierFailures: 0, lastErrorType: null };

export const PASSING_REPLY = 'Here is the solution.\n\n```\n// OK (stand-in answer)\n```\n';

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** The text `taskComplexity` reads, as the queue workflow and the task workflow build it. */
export function complexityText(task: Pick<ResolvedTask, 'title' | 'goal' | 'interfaceFiles'>): string {
  return [task.title, task.goal, ...task.interfaceFiles.map((f) => f.content)].join('\n');
}

/** The start model the task workflow will pick for a task with this snapshot (the real `decideStart`). */
export function startModelFor(config: KisystemConfig, domain: Domain, text: string, snapshot: Partial<MetaSnapshot>): string {
  const s = { ...NO_SNAPSHOT, ...snapshot };
  const chain = chainForDomain(config, domain);
  return decideStart({
    domainChain: chain.models,
    bias: s.bias,
    complexity: taskComplexity(domain, text),
    failureState: failureStateScore(s.earlierFailures, s.lastErrorType),
    config,
  }).model;
}

function activityLabel(): string {
  try {
    const info = Context.current().info;
    return `${info.activityType}\t${info.workflowExecution?.workflowId ?? ''}\t${info.workflowExecution?.runId ?? ''}\t${info.attempt}`;
  } catch {
    return 'outside-activity';
  }
}

export function createStandInActivities(options: StandInOptions) {
  const snapshotOf = (taskId: string): MetaSnapshot => ({ ...NO_SNAPSHOT, ...options.snapshot?.(taskId) });
  const log = (event: string, taskId: string) => options.log?.(`${event}\t${taskId}\t${activityLabel()}`);
  /** (workflow run, attempt) of every run recorded, as the real recordRun's unique key. */
  const recordedKeys = new Set<string>();
  const counts = { generateCode: 0, buildCandidate: 0, testCandidate: 0, recordRun: 0, recordRunDuplicates: 0, queueEstimates: 0, recordQueueEvents: 0 };

  const activities = {
    async loadMetaSnapshot(input: MetaSnapshotInput): Promise<MetaSnapshot> {
      return snapshotOf(input.taskId);
    },
    async recordStartDecision(input: RecordStartDecisionInput): Promise<boolean> {
      log('start-decision', input.taskId);
      return true;
    },
    async generateCode(input: GenerateInput): Promise<GenerateResult> {
      counts.generateCode++;
      log('generate-begin', input.taskId);
      const ms = options.phaseMs(input.taskId, input.model).generate;
      await sleep(ms);
      log('generate-end', input.taskId);
      return { reply: PASSING_REPLY, doneReason: 'stop', durationMs: Math.round(ms), evalCount: null };
    },
    async claimHost(_needsGpu: boolean): Promise<HostClaim> {
      return { hostId: 'stand-in-host', hostQueue: options.hostQueue, hasGpu: true, hasNvcc: true, description: 'stand-in host' };
    },
    async buildCandidate(input: BuildInput): Promise<BuildResult> {
      counts.buildCandidate++;
      // The workflow id of a queued task is `<task id>-q-<queue>-<epoch>-<seq>`; the test step gets the task id from the folder.
      const taskId = input.workflowId.replace(/-q-.*$/, '');
      const runFolder = `stand-in://${taskId}/${input.workflowRunId}/${input.attemptNo}`;
      const ms = options.phaseMs(taskId, '').build;
      await sleep(ms);
      return { ok: true, runFolder, command: ['stand-in'], exitCode: 0, signal: null, timedOut: false, output: '', durationMs: Math.round(ms), host: 'stand-in-host' };
    },
    async testCandidate(input: TestInput): Promise<TestResult> {
      counts.testCandidate++;
      const taskId = /^stand-in:\/\/([^/]+)\//.exec(input.runFolder)?.[1] ?? '';
      const ms = options.phaseMs(taskId, '').test;
      await sleep(ms);
      return { exitCode: 0, signal: null, timedOut: false, output: 'KISYSTEM_VERDICT: PASS', durationMs: Math.round(ms), host: 'stand-in-host' };
    },
    async recordRun(run: RecordRunInput): Promise<boolean> {
      const key = `${run.workflowRunId}/${run.attemptNo}`;
      if (recordedKeys.has(key)) {
        counts.recordRunDuplicates++;
        log('record-run-again', run.taskId);
        return false;
      }
      recordedKeys.add(key);
      counts.recordRun++;
      log(`record-run-${run.outcome}`, run.taskId);
      return true;
    },
    async queueEstimates(input: QueueEstimatesInput): Promise<QueueEstimate[]> {
      counts.queueEstimates++;
      return input.tasks.map((t) => {
        if (!isDomain(t.domain)) throw new Error(`queueEstimates: unknown domain ${t.domain}`);
        const snapshot = snapshotOf(t.taskId);
        return {
          key: t.key,
          startModel: startModelFor(input.config, t.domain, t.text, snapshot),
          startSummary: 'stand-in estimate',
          domainPriority: snapshot.priority ? snapshot.priority.priority_score : null,
          durationsSeconds: options.history?.(t.taskId) ?? [],
        };
      });
    },
    async recordQueueEvents(rows: QueueTaskRow[]): Promise<number> {
      counts.recordQueueEvents++;
      return rows.length;
    },
  };

  const store = memoryQueueStore(activities.queueEstimates, options.bodyDir);
  return { activities: { ...activities, ...store.activities }, counts, storeCounts: store.counts };
}
