/** What the workflow test files share: one dev server per file, the test config, a CUDA task. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { startTestServer, workflowBundle } from './temporal-env';

/** Starts a dev server before the file's tests (and bundles the workflows), stops it after; returns a getter. */
export function useTestServer(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await startTestServer();
    await workflowBundle();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the test server is not started (useTestServer registers beforeAll)');
    return env;
  };
}

/** Quick retries and timeouts for tests; `overrides` replace top-level keys. */
export function workflowTestConfig(overrides: Record<string, unknown> = {}): KisystemConfig {
  return parseConfig('(test)', { retry_build: 2, retry_test: 1, retry_llm: 2, timeouts: { manual_fallback: 600, heartbeat: 10 }, ...overrides });
}

/** The guide's CUDA example task; its goal names the CUDA features, so a fresh task starts at the chain's head. */
export const cudaTask: ResolvedTask = {
  id: 'matmul-tiled',
  title: 'Tiled matrix multiplication',
  domain: 'CUDA/Kernel',
  domainReason: 'given in the task file',
  language: 'cuda',
  goal: 'Write a tiled matmul: a __global__ kernel launched with <<<grid, block>>>, __shared__ tiles and __syncthreads.',
  solution_file: 'matmul.cu',
  harnessFiles: [{ path: 'harness.cu', content: '// harness' }],
  interfaceFiles: [],
  build: { flags: ['-O2'], output: 'candidate' },
  test: { command: ['./candidate'] },
  sourcePath: '/examples/matmul-tiled/task.yaml',
};
