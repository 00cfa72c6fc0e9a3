/**
 * Replay: saved histories of the task and queue workflows must replay on the current code. A change that would
 * break running workflows (a determinism violation) fails here. Re-record a history only for an
 * intended, versioned change: RECORD_HISTORY=1 npx jest test/workflow/replay.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { parseConfig } from '../../policy/config-schema';
import type { TaskWorkflowInput } from '../../workflows/messages';
import { createScriptedActivities, fence } from '../helpers/scripted-activities';
import { startTestServer, temporalCli, uniqueName, workflowBundle } from '../helpers/temporal-env';

jest.setTimeout(120_000);

const SAVED = join(__dirname, '../fixtures/histories/guide-example-flow.json');
/**
 * A queue workflow (the guide's three tasks on one slot, then terminated) recorded on commit 7062fed,
 * before the queue started its next task ahead of the record write: that change is behind
 * `patched('queue-starts-before-record')`, so queues already running keep their order on replay.
 */
const SAVED_QUEUE_V1 = join(__dirname, '../fixtures/histories/queue-guide-example-v1.json');

async function recordGuideExampleHistory(): Promise<string> {
  const env = await startTestServer();
  try {
    const taskQueue = uniqueName('replay');
    const scripted = createScriptedActivities({
      hostQueue: taskQueue,
      replies: { 'qwen2.5-coder:32b': [fence('WRONG', 'cuda')], 'deepseek-r1:32b': [fence('OK', 'cuda')] },
    });
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: scripted.activities });
    const input: TaskWorkflowInput = {
      task: {
        id: 'matmul-tiled', title: 'Tiled matmul', domain: 'CUDA/Kernel', domainReason: 'given in the task file', language: 'cuda',
        goal: 'tiled matmul: a __global__ kernel, <<<grid, block>>>, __shared__ tiles, __syncthreads', solution_file: 'matmul.cu', harnessFiles: [{ path: 'harness.cu', content: '//' }], interfaceFiles: [],
        build: { flags: ['-O2'], output: 'candidate' }, test: { command: ['./candidate'] }, sourcePath: 'task.yaml',
      },
      config: parseConfig('(replay)', {}),
      queues: { gpu: taskQueue, cuda: taskQueue },
    };
    const handle = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('taskWorkflow', { taskQueue, workflowId: uniqueName('replay'), args: [input] });
      await h.result();
      return h;
    });
    // The CLI writes the same JSON a person gets from `temporal workflow show -o json`.
    return execFileSync(temporalCli(), ['workflow', 'show', '--workflow-id', handle.workflowId, '--address', env.address, '--output', 'json'], { encoding: 'utf8' });
  } finally {
    await env.teardown();
  }
}

describe('replay', () => {
  it('replays the saved history of the guide example flow on the current workflow code', async () => {
    if (process.env.RECORD_HISTORY === '1' || !existsSync(SAVED)) {
      const history = await recordGuideExampleHistory();
      writeFileSync(SAVED, history);
      if (process.env.RECORD_HISTORY !== '1') throw new Error(`no saved history existed; recorded ${SAVED}: commit it and run again`);
    }
    const history = JSON.parse(readFileSync(SAVED, 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
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
