/**
 * A cold model on a real worker and a real Temporal server: the model server holds the first token
 * three times longer than the activity's heartbeat timeout, and the answer still arrives, because the
 * activity heartbeats on a timer (it heartbeated only per streamed chunk, so the activity
 * timed out and every retry started the model load again). The control without timer beats fails.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createLlmActivities, type LlmSettings } from '../../activities/llm';
import { HEARTBEAT_THROTTLE } from '../../workers/heartbeat-throttle';
import type { GenerateResult } from '../../contracts/activity-types';
import { parseModelScript } from '../../scripted-model-server/scripts';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model-server/server';
import { quietLogger, startTestServer, uniqueName } from '../helpers/temporal-env';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
let scripted: ScriptedModelServer;
beforeAll(async () => {
  env = await startTestServer();
  const script = parseModelScript('task: cold\nmodels:\n  big-model:32b:\n    - text: "```cpp\\nint answer() { return 42; }\\n```"\n', '/virtual/s.yaml');
  scripted = await startScriptedModelServer({ scripts: [script], firstTokenDelayMs: 6000, log: () => undefined });
});
afterAll(async () => {
  await scripted?.close();
  await env?.teardown();
});

async function probe(settings: LlmSettings): Promise<GenerateResult> {
  const taskQueue = uniqueName('llm-cold');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('../fixtures/workflows/llm-probe'), logger: quietLogger }),
    activities: createLlmActivities({ provider: 'ollama', url: scripted.url }, settings),
    // As the host's worker sends them: the SDK's default throttle (0.8 x the 2 s heartbeat timeout)
    // leaves a beat 0.4 s to reach a loaded server before the activity times out.
    ...HEARTBEAT_THROTTLE,
  });
  const input = { taskId: 'cold', workflowId: 'wf', model: 'big-model:32b', modelAttempt: 1, messages: [{ role: 'user' as const, content: 'Task id: cold' }], temperature: 0 };
  return worker.runUntil(env.client.workflow.execute('llmProbe', { taskQueue, workflowId: uniqueName('llm-cold'), args: [input, 2] }));
}

it('gets the answer of a model that is silent 3x longer than the heartbeat timeout', async () => {
  const result = await probe({ numCtx: 16384, keepAlive: '30m', firstTokenTimeoutMs: 60_000, heartbeatEveryMs: 500 });
  expect(result.reply).toContain('return 42');
  expect(result.durationMs).toBeGreaterThanOrEqual(6000);
});

it('control: without heartbeats on a timer the same call times out on its heartbeat', async () => {
  const error = await probe({ numCtx: 16384, keepAlive: '30m', firstTokenTimeoutMs: 60_000, heartbeatEveryMs: 60_000 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause as (Error & { cause?: Error }) | undefined;
  expect(String(cause?.cause?.message ?? cause?.message)).toMatch(/heartbeat/i);
});
