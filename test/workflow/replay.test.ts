/**
 * Replay: saved histories of the task and queue workflows must replay on the current code. A change that would
 * break running workflows (a determinism violation) fails here. Re-record a history only for an
 * intended, versioned change: RECORD_HISTORY=1 npx jest test/workflow/replay.test.ts (the *-v1 histories
 * stand for older code and are never re-recorded)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { recordCancelledHistory, recordGuideExampleHistory, recordManualFallbackHistory, recordOptimizationHistory, recordOutageHistory } from '../helpers/history-recorders';
import { workflowBundle } from '../helpers/temporal-env';

jest.setTimeout(120_000);

const SAVED = join(__dirname, '../fixtures/histories/guide-example-flow.json');
/**
 * A queue workflow (the guide's three tasks on one slot, then terminated) recorded on commit 7062fed,
 * before the queue started its next task ahead of the record write: that change is behind
 * `patched('queue-starts-before-record')`, so queues already running keep their order on replay.
 */
const SAVED_QUEUE_V1 = join(__dirname, '../fixtures/histories/queue-guide-example-v1.json');

/**
 * Task histories recorded on commit 6070dbc, before the task workflow was reshaped into phases:
 * the optimization phase (a model-phase failure, a baseline, an improvement, a LOGIC failure, a
 * regression that escalates) and the manual fallback resolved by a person (a wrong, then a right answer).
 */
const SAVED_OPTIMIZATION = join(__dirname, '../fixtures/histories/task-optimization-v1.json');
const SAVED_MANUAL = join(__dirname, '../fixtures/histories/task-manual-fallback-v1.json');
/** Recorded after the reshape (commit 5d0264a's code): a model-server outage waited out, and a cancellation at the manual wait. */
const SAVED_OUTAGE = join(__dirname, '../fixtures/histories/task-outage-v2.json');
const SAVED_CANCELLED = join(__dirname, '../fixtures/histories/task-cancelled-v2.json');

/**
 * Replays a saved history; records it first when it is missing (then the test fails: commit it), or
 * with RECORD_HISTORY=1 when `rerecord` (the v1 histories stand for the old code: never re-recorded).
 */
async function replaySaved(path: string, record: () => Promise<string>, rerecord: boolean): Promise<void> {
  if ((rerecord && process.env.RECORD_HISTORY === '1') || !existsSync(path)) {
    writeFileSync(path, await record());
    if (process.env.RECORD_HISTORY !== '1') throw new Error(`no saved history existed; recorded ${path}: commit it and run again`);
  }
  const history = JSON.parse(readFileSync(path, 'utf8'));
  await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
}

/** Activity types and markers of a saved history, in order (what the replay must reproduce). */
function commandTrail(path: string): string[] {
  const history = JSON.parse(readFileSync(path, 'utf8')) as { events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[] };
  return history.events
    .filter((e) => e.eventType.endsWith('ACTIVITY_TASK_SCHEDULED') || e.eventType.endsWith('UPDATE_COMPLETED'))
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.eventType.replace(/^EVENT_TYPE_/, ''));
}

describe('replay', () => {
  it('replays the saved history of the guide example flow on the current workflow code', async () => {
    await replaySaved(SAVED, recordGuideExampleHistory, true);
  });

  it('replays a saved history of the optimization phase', async () => {
    await replaySaved(SAVED_OPTIMIZATION, recordOptimizationHistory, false);
    // The history really holds the phase: profiling, and the runs of its iterations.
    const trail = commandTrail(SAVED_OPTIMIZATION);
    expect(trail.filter((t) => t === 'fullProfile').length).toBeGreaterThanOrEqual(2);
    expect(trail.filter((t) => t === 'microbenchmark').length).toBeGreaterThanOrEqual(4);
    expect(trail.filter((t) => t === 'recordRun')).toHaveLength(6);
  });

  it('replays a saved history of the manual fallback resolved by a person', async () => {
    await replaySaved(SAVED_MANUAL, recordManualFallbackHistory, false);
    const trail = commandTrail(SAVED_MANUAL);
    expect(trail.filter((t) => t === 'WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(2);
    expect(trail.filter((t) => t === 'recordRun')).toHaveLength(5);
  });

  it('replays a saved history of a model-server outage that the task waited out', async () => {
    await replaySaved(SAVED_OUTAGE, recordOutageHistory, false);
    const history = JSON.parse(readFileSync(SAVED_OUTAGE, 'utf8')) as { events: { eventType: string }[] };
    expect(history.events.filter((e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED')).toHaveLength(1);
    expect(commandTrail(SAVED_OUTAGE).filter((t) => t === 'recordRun')).toHaveLength(2);
  });

  it('replays a saved history of a task cancelled at the manual wait', async () => {
    await replaySaved(SAVED_CANCELLED, recordCancelledHistory, false);
    const history = JSON.parse(readFileSync(SAVED_CANCELLED, 'utf8')) as { events: { eventType: string }[] };
    expect(history.events[history.events.length - 1]!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED');
  });

  it('replays a queue history recorded before the start-before-record change (patched)', async () => {
    const history = JSON.parse(readFileSync(SAVED_QUEUE_V1, 'utf8'));
    const types = (history.events as { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[]).map((e) =>
      e.eventType.endsWith('ACTIVITY_TASK_SCHEDULED') ? e.activityTaskScheduledEventAttributes?.activityType?.name : e.eventType.replace(/^EVENT_TYPE_/, ''),
    );
    // The old order: after a child's notice, the record write is scheduled before the next child starts.
    const notice = types.indexOf('WORKFLOW_EXECUTION_SIGNALED');
    expect(types.indexOf('recordQueueEvents', notice)).toBeLessThan(types.indexOf('START_CHILD_WORKFLOW_EXECUTION_INITIATED', notice));
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
  });
});
