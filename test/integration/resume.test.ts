/**
 * Durability: the GPU worker is killed with SIGKILL in the middle of a (slow, real) g++ build, and
 * the dev server is restarted from its database file. After the restart the task finishes, and
 * every run is in the learning history exactly once.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { runsOfWorkflow } from '../../db/runs-repository';
import { parseModelScript } from '../../scripted-model-server/scripts';
import type { TaskResult } from '../../contracts/task-messages';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

// The folders this file makes go with it.
afterAll(removeTempDirs);

jest.setTimeout(400_000);

let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
});

/** A task whose build takes seconds: the solution evaluates a long constexpr loop at compile time. */
function writeSlowBuildTask(): { taskFile: string; scriptPath: string; scriptText: string; configPath: string } {
  const dir = tempDir('kisystem-slow-build-');
  mkdirSync(join(dir, 'answers'));
  writeFileSync(join(dir, 'answer.h'), 'int answer();\n');
  writeFileSync(
    join(dir, 'harness.cpp'),
    '#include <cstdio>\n#include "answer.h"\nint main() { if (answer() == 42) { std::puts("KISYSTEM_VERDICT: PASS"); return 0; } std::puts("KISYSTEM_VERDICT: FAIL answer() != 42"); return 1; }\n',
  );
  writeFileSync(
    join(dir, 'answers/slow.cpp'),
    [
      '#include "answer.h"',
      '// Evaluated by the compiler: makes the build take several seconds, on purpose.',
      'constexpr unsigned long long spin(unsigned long long n) { unsigned long long x = 0; for (unsigned long long i = 0; i < n; i++) x += i * i % 7; return x; }',
      'static_assert(spin(600000ULL) > 0, "spin");',
      'int answer() { return 42; }',
      '',
    ].join('\n'),
  );
  const taskFile = join(dir, 'task.yaml');
  writeFileSync(
    taskFile,
    [
      'id: slow-build',
      'title: A task whose build is slow on purpose',
      'domain: C++/System',
      'language: cpp',
      'goal: Implement int answer() returning 42.',
      'solution_file: answer.cpp',
      'harness: { files: [harness.cpp, answer.h], interface: [answer.h] }',
      'build: { flags: ["-std=c++17", "-fconstexpr-loop-limit=2000000000", "-fconstexpr-ops-limit=100000000000"] }',
      '',
    ].join('\n'),
  );
  const scriptText = 'task: slow-build\nmodels:\n  deepseek-coder-v2:16b:\n    - file: answers/slow.cpp\n';
  const scriptPath = join(dir, 'model-script.yaml');
  writeFileSync(scriptPath, scriptText);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ timeouts: { heartbeat: 10 } }));
  return { taskFile, scriptPath, scriptText, configPath };
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('resume after a crash', () => {
  it('finishes the task after the GPU worker is SIGKILLed mid-build and the server restarts from its database file', async () => {
    const task = writeSlowBuildTask();
    stack = await startLocalStack([parseModelScript(task.scriptText, task.scriptPath)], task.configPath);
    const s = stack;
    const submitted = await s.kisystem(['submit', task.taskFile]);
    expect(submitted.code).toBe(0);
    const workflowId = /^slow-build: (\S+)/m.exec(submitted.out)![1]!;
    const handle = s.client.workflow.getHandle(workflowId);

    await waitUntil('the build runs', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'buildCandidate' && a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    }, 120_000);
    await new Promise((r) => setTimeout(r, 1500)); // well inside the compile
    s.gpuWorker.kill('SIGKILL');
    await new Promise((r) => s.gpuWorker.once('exit', r));

    await s.restartServer();
    s.startGpuWorker();

    const connection = await Connection.connect({ address: s.server.address });
    try {
      const client = new Client({ connection });
      const result: TaskResult = await client.workflow.getHandle(workflowId).result();
      expect(result.status).toBe('succeeded');
      expect(result.runs).toHaveLength(1);
      // The build was started at least twice: once on the killed worker, once after.
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const buildStarts = history.events!.filter((e) => e.activityTaskStartedEventAttributes && Number(e.activityTaskStartedEventAttributes.attempt) >= 2);
      expect(buildStarts.length).toBeGreaterThanOrEqual(1);
    } finally {
      await connection.close();
    }
    const runs = await runsOfWorkflow(s.db, workflowId);
    expect(runs.map((r) => [r.attempt_no, r.outcome])).toEqual([[1, 'success']]);
  });
});
