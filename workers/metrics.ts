/**
 * Prometheus metrics of a worker (docs/metrics.md): the SDK's own (task slots, poll and
 * schedule-to-start latencies, activity failures ...) and kisystem's, all on one endpoint per worker,
 * served by the SDK's Runtime (config `metrics.*_worker_port`). kisystem's go through the Runtime's
 * metric meter, so they share the endpoint and need no second HTTP server.
 */
import { Runtime } from '@temporalio/worker';
import type { MetricMeter } from '@temporalio/common';
import type { RecordRunInput } from '../contracts/activity-types';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { workerLogger } from './quiet-logger';

export type WorkerKind = 'workflow' | 'gpu';

/** The endpoint a worker serves its metrics on, or null when the config gives it no port. */
export function metricsAddress(config: Pick<KisystemConfig, 'metrics'>, kind: WorkerKind): string | null {
  const port = kind === 'workflow' ? config.metrics.workflow_worker_port : config.metrics.gpu_worker_port;
  return port === null ? null : `${config.metrics.bind_host}:${port}`;
}

/**
 * Installs the SDK's Runtime (once per process, before any worker or connection) with the quiet
 * logger and, when the config gives this worker a port, the Prometheus exporter.
 */
export function installRuntime(config: Pick<KisystemConfig, 'metrics'>, kind: WorkerKind): string | null {
  const bindAddress = metricsAddress(config, kind);
  Runtime.install({
    logger: workerLogger(),
    ...(bindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } } } } : {}),
  });
  return bindAddress;
}

/** kisystem's own metrics, on the Runtime's meter (a no-op meter where no exporter is installed). */
export class KisystemMetrics {
  private readonly runs;
  private readonly escalations;
  private readonly limitKills;
  readonly tasks;
  readonly queueTasks;
  readonly queueMaxRunning;

  constructor(meter: MetricMeter = Runtime.instance().metricMeter) {
    this.runs = meter.createCounter('kisystem_runs', 'runs', 'Runs recorded in the learning history, by domain, model, source and outcome');
    this.escalations = meter.createCounter('kisystem_escalations', 'escalations', 'Stop-loss decisions that moved a task on (escalate) or to a person (fallback), by domain, model and rule');
    this.limitKills = meter.createCounter('kisystem_sandbox_limit_kills', 'runs', 'Builds, tests, benchmarks and profiles ended by a sandbox limit, by step and limit');
    this.tasks = meter.createGauge('kisystem_tasks', 'int', 'tasks', 'Running task workflows by KisystemStatus (waiting_for_model_server, waiting_for_person, building ...)');
    this.queueTasks = meter.createGauge('kisystem_queue_tasks', 'int', 'tasks', 'Tasks of a queue by state (pending: its depth; running: its used slots)');
    this.queueMaxRunning = meter.createGauge('kisystem_queue_max_running', 'int', 'tasks', "The queues' running slots (config queue.max_running)");
  }

  /** A run written to the learning history for the first time. */
  countRun(run: RecordRunInput): void {
    this.runs.add(1, { domain: run.domain, model: run.model, source: run.source, outcome: run.outcome });
    if (run.decisionKind === 'escalate' || run.decisionKind === 'fallback') {
      this.escalations.add(1, { domain: run.domain, model: run.model, kind: run.decisionKind, rule: run.decisionRule ?? 'unknown' });
    }
  }

  countLimitKill(step: string, limit: string): void {
    this.limitKills.add(1, { step, limit });
  }
}

/** recordRun that counts each run once (a retried call for a run already recorded adds nothing). */
export function countingRecordRun(recordRun: (run: RecordRunInput) => Promise<boolean>, metrics: KisystemMetrics): (run: RecordRunInput) => Promise<boolean> {
  return async (run) => {
    const fresh = await recordRun(run);
    if (fresh) metrics.countRun(run);
    return fresh;
  };
}

/** Host steps (build, test, benchmark, profile) that count the sandbox limit that ended them, if one did. */
export function countingLimitKills<T extends Record<string, (...args: never[]) => Promise<unknown>>>(steps: T, metrics: KisystemMetrics): T {
  const counted: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, step] of Object.entries(steps)) {
    counted[name] = async (...args: never[]) => {
      const result = await step(...args);
      const limit = (result as { limitKill?: string | null } | null)?.limitKill;
      if (limit) metrics.countLimitKill(name, limit);
      return result;
    };
  }
  return counted as T;
}
