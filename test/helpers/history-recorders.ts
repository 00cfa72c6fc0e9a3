/**
 * Records task workflow histories for the replay tests (test/workflow/replay.test.ts): each recorder
 * runs one task on a fresh dev server with scripted activities and returns the history as the JSON
 * that `temporal workflow show -o json` prints. A saved history guards running workflows against
 * changes of the workflow code: re-record only for an intended, versioned change.
 */
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { parseConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { stateQuery, submitSolutionUpdate, type TaskWorkflowInput } from '../../contracts/task-messages';
import { createScriptedActivities, fence, type ScriptedWorld } from './scripted-activities';
import { startTestServer, temporalCli, uniqueName, workflowBundle } from './temporal-env';

const cudaTask: ResolvedTask = {
  id: 'matmul-tiled', title: 'Tiled matmul', domain: 'CUDA/Kernel', domainReason: 'given in the task file', language: 'cuda',
  goal: 'tiled matmul: a __global__ kernel, <<<grid, block>>>, __shared__ tiles, __syncthreads', solution_file: 'matmul.cu', harnessFiles: [{ path: 'harness.cu', content: '//' }], interfaceFiles: [],
  build: { flags: ['-O2'], output: 'candidate' }, test: { command: ['./candidate'] }, sourcePath: 'task.yaml',
};

async function recordTask(
  task: ResolvedTask,
  world: Omit<ScriptedWorld, 'hostQueue'>,
  config: KisystemConfig,
  during?: (handle: WorkflowHandle) => Promise<void>,
  /** The task ends in an error (cancelled, failed): recorded all the same. */
  endsInError = false,
): Promise<string> {
  const env = await startTestServer();
  try {
    const taskQueue = uniqueName('replay');
    const scripted = createScriptedActivities({ ...world, hostQueue: taskQueue });
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: scripted.activities });
    const input: TaskWorkflowInput = { task, config, queues: { gpu: taskQueue, cuda: taskQueue } };
    const handle = await worker.runUntil(async () => {
      const h = await env.client.workflow.start('taskWorkflow', { taskQueue, workflowId: uniqueName('replay'), args: [input] });
      if (during) await during(h);
      await h.result().catch((error: unknown) => {
        if (!endsInError) throw error;
      });
      return h;
    });
    // The CLI writes the same JSON a person gets from `temporal workflow show -o json`.
    return execFileSync(temporalCli(), ['workflow', 'show', '--workflow-id', handle.workflowId, '--address', env.address, '--output', 'json'], { encoding: 'utf8' });
  } finally {
    await env.teardown();
  }
}

/** The guide's example flow: qwen2.5-coder:32b fails, deepseek-r1:32b passes. */
export function recordGuideExampleHistory(): Promise<string> {
  return recordTask(
    cudaTask,
    { replies: { 'qwen2.5-coder:32b': [fence('WRONG', 'cuda')], 'deepseek-r1:32b': [fence('OK', 'cuda')] } },
    parseConfig('(replay)', {}),
  );
}

/**
 * The optimization phase: a failure and a pass in the model phase, then a baseline, an accepted
 * improvement, a LOGIC failure and a regression that escalates (stop-loss 2), then the iterations end.
 */
export function recordOptimizationHistory(): Promise<string> {
  const ok = (ms: number, sol?: number) => fence(`OK ms=${ms}${sol === undefined ? '' : ` sol=${sol}`}`, 'cuda');
  return recordTask(
    { ...cudaTask, benchmark: { command: ['./candidate', '--bench'], kernel_regex: 'mm_tiled', reference_ms: 2 } },
    { replies: { 'qwen2.5-coder:32b': [fence('WRONG', 'cuda'), ok(1, 60), ok(0.9), fence('WRONG', 'cuda'), ok(1.5, 40)], 'deepseek-r1:32b': [ok(0.8)] } },
    parseConfig('(replay)', { retry_build: 0, retry_test: 0, retry_llm: 0, retry_profile: 0, target_score: 95, max_optimization_iterations: 4, stoploss_per_model: 2 }),
  );
}

/** The manual fallback: three models fail (stop-loss 1), a person hands in wrong code, then right code. */
export function recordManualFallbackHistory(): Promise<string> {
  const cppTask: ResolvedTask = { ...cudaTask, id: 'queue', title: 'Bounded queue', goal: 'Write a bounded queue.', domain: 'C++/System', language: 'cpp', solution_file: 'queue.cpp', harnessFiles: [{ path: 'harness.cpp', content: '//' }] };
  return recordTask(
    cppTask,
    { replies: { 'deepseek-coder-v2:16b': [fence('WRONG')], 'qwen2.5-coder:32b': [fence('SYNTAX')], 'deepseek-r1:32b': [fence('SEGV')] } },
    parseConfig('(replay)', { stoploss_per_model: 1, timeouts: { manual_fallback: 600 } }),
    async (handle) => {
      for (let i = 0; ; i++) {
        const state = await handle.query(stateQuery).catch(() => null);
        if (state?.status === 'waiting_for_person') break;
        if (i > 300) throw new Error('the task never reached the manual fallback');
        await new Promise((r) => setTimeout(r, 200));
      }
      await handle.executeUpdate(submitSolutionUpdate, { args: [{ code: 'WRONG by hand' }] });
      await handle.executeUpdate(submitSolutionUpdate, { args: [{ code: 'OK by hand', author: 'ada' }] });
    },
  );
}

/**
 * Recorded after the reshape (patches kisystem-status-testing and kisystem-final-status): an outage
 * of the model server waited out (a wait timer, status 'waiting_for_model_server'), then a pass.
 */
export function recordOutageHistory(): Promise<string> {
  const details = [{ server: 'http://model-host:11434', model: 'qwen2.5-coder:32b', error: 'connect ECONNREFUSED' }];
  return recordTask(
    cudaTask,
    { replies: { 'qwen2.5-coder:32b': [fence('WRONG', 'cuda'), fence('OK', 'cuda')] }, faults: { generateCode: { after: 1, times: 1, type: 'LlmUnavailable', details } } },
    parseConfig('(replay)', {}),
  );
}

/** Recorded after the reshape: a task cancelled while it waits for a person (ends CANCELLED, final status upserted). */
export async function recordCancelledHistory(): Promise<string> {
  const cppTask: ResolvedTask = { ...cudaTask, id: 'queue', title: 'Bounded queue', goal: 'Write a bounded queue.', domain: 'C++/System', language: 'cpp', solution_file: 'queue.cpp', harnessFiles: [{ path: 'harness.cpp', content: '//' }] };
  return recordTask(
    cppTask,
    { replies: { 'only-model': [fence('WRONG')] } },
    parseConfig('(replay)', { stoploss_per_model: 1, routing: { 'C++/System': ['only-model'] } }),
    async (handle) => {
      for (let i = 0; ; i++) {
        const state = await handle.query(stateQuery).catch(() => null);
        if (state?.status === 'waiting_for_person') break;
        if (i > 300) throw new Error('the task never reached the manual fallback');
        await new Promise((r) => setTimeout(r, 200));
      }
      await handle.cancel();
    },
    true,
  );
}
