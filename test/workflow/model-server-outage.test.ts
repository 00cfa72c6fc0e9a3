/**
 * Outages wait, visibly, on a real Temporal dev server: the real LLM activity
 * against the scripted model server, stopped for longer than the old retry limit and started again
 * on the same port: the task waits durably, shows it (state, status, search attribute, Web UI
 * details), and finishes with every run recorded once. An outage in the optimization phase waits
 * the same way; past the outage budget the task fails with the reason (model phase) or the phase
 * ends keeping the best passing code (optimization phase).
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createLlmActivities } from '../../activities/llm';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { parseModelScript } from '../../scripted-model-server/scripts';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model-server/server';
import { stateQuery, type TaskResult, type TaskWorkflowInput } from '../../contracts/task-messages';
import { STATUS } from '../../contracts/search-attributes';
import { createScriptedActivities, fence, type ScriptedWorld } from '../helpers/scripted-activities';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { cudaTask, useTestServer, workflowTestConfig } from '../helpers/workflow-test-env';

jest.setTimeout(180_000);

const env = useTestServer();

const cppTask: ResolvedTask = { ...cudaTask, id: 'outage', title: 'Outage', goal: 'Write a bounded queue.', domain: 'C++/System', language: 'cpp', solution_file: 'queue.cpp', harnessFiles: [] };
const benchTask: ResolvedTask = { ...cudaTask, benchmark: { command: ['./candidate', '--bench'], kernel_regex: 'mm', reference_ms: 2 } };
const script = parseModelScript(['task: outage', 'models:', '  deepseek-coder-v2:16b:', '    - text: "```cpp\\nOK\\n```"'].join('\n'), '/virtual/model-script.yaml');

async function details(handle: WorkflowHandle): Promise<string> {
  const meta = (await handle.query<unknown>('__temporal_workflow_metadata')) as { currentDetails?: string };
  return meta.currentDetails ?? '';
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runWith<T>(task: ResolvedTask, world: Omit<ScriptedWorld, 'hostQueue'>, config: ReturnType<typeof workflowTestConfig>, extra: Record<string, unknown>, body: (handle: WorkflowHandle, scripted: ReturnType<typeof createScriptedActivities>) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('outage');
  const scripted = createScriptedActivities({ ...world, hostQueue: taskQueue });
  const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: { ...scripted.activities, ...extra } });
  const input: TaskWorkflowInput = { task, config, queues: { gpu: taskQueue, cuda: taskQueue } };
  return worker.runUntil(async () => {
    const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId: uniqueName(task.id), args: [input] });
    return body(handle, scripted);
  });
}

describe('a model server outage', () => {
  let server: ScriptedModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('waits visibly while the scripted model server is down, longer than the old retry limit, and finishes when it is back', async () => {
    // Find a free port for the server, then leave it closed: the task starts into an outage.
    const probe = await startScriptedModelServer({ scripts: [script], log: () => undefined });
    const { port, url } = probe;
    await probe.close();
    const llm = createLlmActivities({ provider: 'ollama', url });
    // The old limit: retry_llm 2 -> 3 tries over about 6 s; this outage lasts over 20 s.
    const config = workflowTestConfig({ retry_llm: 2 });
    await runWith(cppTask, { replies: {} }, config, llm, async (handle, scripted) => {
      const downSince = Date.now();
      await waitFor(async () => (await handle.query(stateQuery)).status === 'waiting_for_model_server', 'status waiting_for_model_server');
      const state = await handle.query(stateQuery);
      expect(state.waiting).toMatchObject({ kind: 'model_server', server: url, model: 'deepseek-coder-v2:16b' });
      expect(state.waiting!.error).toMatch(/LlmUnavailable|ECONNREFUSED|fetch failed/);
      await waitFor(async () => (await handle.describe()).typedSearchAttributes.get(STATUS) === 'waiting_for_model_server', 'KisystemStatus');
      expect(await details(handle)).toContain(`waiting for the model server at ${url} since ${state.waiting!.since}`);
      while (Date.now() - downSince < 22_000) {
        await new Promise((r) => setTimeout(r, 1000));
        expect((await handle.describe()).status.name).toBe('RUNNING');
      }
      expect(scripted.recorded).toHaveLength(0);
      server = await startScriptedModelServer({ scripts: [script], port, log: () => undefined });
      const result = (await handle.result()) as TaskResult;
      expect(result.status).toBe('succeeded');
      expect(result.runs.map((r) => [r.attemptNo, r.model, r.outcome])).toEqual([[1, 'deepseek-coder-v2:16b', 'success']]);
      expect(scripted.recorded.map((r) => r.attemptNo)).toEqual([1]);
      // The same generation was asked for again: the server saw the first model attempt, once.
      expect(server.requests.filter((r) => r.model === 'deepseek-coder-v2:16b')).toHaveLength(1);
      expect((await handle.query(stateQuery)).waiting).toBeNull();
    });
  });

  it('fails the task with the reason once the outage budget is spent, recording no run', async () => {
    const config = workflowTestConfig({ llm: { outage_budget_seconds: 8 } });
    const faultDetails = [{ server: 'http://model-host:11434', model: 'deepseek-coder-v2:16b', error: 'connect ECONNREFUSED' }];
    const world = { replies: { 'deepseek-coder-v2:16b': [fence('OK')] }, faults: { generateCode: { times: 99, type: 'LlmUnavailable', details: faultDetails } } };
    await runWith(cppTask, world, config, {}, async (handle, scripted) => {
      const error = await handle.result().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(((error as WorkflowFailedError).cause as Error).message).toMatch(/^model server at http:\/\/model-host:11434 unavailable for \d+ s/);
      expect(scripted.recorded).toHaveLength(0);
      expect(scripted.calls.generateCode).toBeGreaterThanOrEqual(2);
    });
  });

  it('in the optimization phase: waits, retries the same generation, and records every iteration once', async () => {
    const config = workflowTestConfig({ target_score: 95, max_optimization_iterations: 2 });
    const faultDetails = [{ server: 'http://model-host:11434', model: 'qwen2.5-coder:32b', error: 'HTTP 503', hint: 'wait for the server' }];
    const world = {
      replies: { 'qwen2.5-coder:32b': [fence('OK ms=1 sol=60', 'cuda'), fence('OK ms=0.5', 'cuda'), fence('OK ms=0.4', 'cuda')] },
      faults: { generateCode: { after: 1, times: 2, type: 'ModelNotAvailable', details: faultDetails } },
    };
    await runWith(benchTask, world, config, {}, async (handle, scripted) => {
      await waitFor(async () => (await handle.query(stateQuery)).waiting !== null, 'the optimization phase waits');
      expect((await handle.query(stateQuery)).status).toBe('waiting_for_model_server');
      expect(await details(handle)).toMatch(/waiting for the model server at http:\/\/model-host:11434 since .*: HTTP 503 \(wait for the server\)/);
      const result = (await handle.result()) as TaskResult;
      expect(result.status).toBe('succeeded');
      expect(result.optimization!.iterations.map((i) => [i.iteration, i.accepted])).toEqual([[0, true], [1, true], [2, true]]);
      expect(scripted.recorded.map((r) => r.attemptNo)).toEqual([1, 2, 3]);
      // The retried generation is the same one: model attempt 2 asked for three times, never counted.
      expect(scripted.generated.map((g) => g.modelAttempt)).toEqual([1, 2, 3]);
      expect(scripted.calls.generateCode).toBe(5);
    });
  });

  it('in the optimization phase past the budget: the phase ends keeping the best passing code', async () => {
    const config = workflowTestConfig({ target_score: 95, max_optimization_iterations: 3, llm: { outage_budget_seconds: 6 } });
    const world = {
      replies: { 'qwen2.5-coder:32b': [fence('OK ms=1 sol=60', 'cuda'), fence('OK ms=0.5', 'cuda')] },
      faults: { generateCode: { after: 2, times: 99, type: 'LlmUnavailable' } },
    };
    await runWith(benchTask, world, config, {}, async (handle) => {
      const result = (await handle.result()) as TaskResult;
      expect(result.status).toBe('succeeded');
      expect(result.finalCode![0]!.content).toBe('OK ms=0.5\n');
      expect(result.optimization!.stopReason).toMatch(/model server at .* unavailable for \d+ s/);
    });
  });
});
