/**
 * Durability: the GPU worker is killed with SIGKILL in the middle of a real g++ build (one that waits
 * on a gate the test holds shut until then), and the dev server is restarted from its database file.
 * After the restart the task finishes, and every run is in the learning history exactly once.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * A task whose build cannot end until the test lets it: the solution includes a named pipe (FIFO),
 * and the compiler waits in open() until the test opens the pipe's other end. The build runs
 * unsandboxed in this test (sandbox kind "none": the sandbox shows a build nothing but its run
 * folder, which the build makes afresh); the answer is the test's own.
 */
function writeGatedBuildTask(): { taskFile: string; scriptPath: string; scriptText: string; configPath: string; gate: string } {
  const dir = tempDir('kisystem-gated-build-');
  mkdirSync(join(dir, 'answers'));
  const gate = join(dir, 'build-gate.h');
  const made = spawnSync('mkfifo', [gate], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo ${gate} failed: ${made.stderr}`);
  writeFileSync(join(dir, 'answer.h'), 'int answer();\n');
  writeFileSync(
    join(dir, 'harness.cpp'),
    '#include <cstdio>\n#include "answer.h"\nint main() { if (answer() == 42) { std::puts("KISYSTEM_VERDICT: PASS"); return 0; } std::puts("KISYSTEM_VERDICT: FAIL answer() != 42"); return 1; }\n',
  );
  writeFileSync(
    join(dir, 'answers/gated.cpp'),
    ['#include "answer.h"', '// The build waits here until the test opens the gate.', `#include ${JSON.stringify(gate)}`, 'int answer() { return 42; }', ''].join('\n'),
  );
  const taskFile = join(dir, 'task.yaml');
  writeFileSync(
    taskFile,
    [
      'id: gated-build',
      'title: A task whose build waits until the test opens its gate',
      'domain: C++/System',
      'language: cpp',
      'goal: Implement int answer() returning 42.',
      'solution_file: answer.cpp',
      'harness: { files: [harness.cpp, answer.h], interface: [answer.h] }',
      'build: { flags: ["-std=c++17"] }',
      '',
    ].join('\n'),
  );
  const scriptText = 'task: gated-build\nmodels:\n  deepseek-coder-v2:16b:\n    - file: answers/gated.cpp\n';
  const scriptPath = join(dir, 'model-script.yaml');
  writeFileSync(scriptPath, scriptText);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ timeouts: { heartbeat: 10 }, sandbox: { kind: 'none' } }));
  return { taskFile, scriptPath, scriptText, configPath, gate };
}

/**
 * Opens the gate for good: every compiler waiting on the pipe gets an empty file (end of input once
 * the pipe's only writer, this one, closes it), and later builds find a plain empty file there.
 */
function openGate(gate: string): void {
  const writer = openSync(gate, 'r+'); // O_RDWR: a FIFO opens at once, and the waiting readers' open() returns
  const plain = `${gate}.plain`;
  writeFileSync(plain, '// the gate is open\n');
  renameSync(plain, gate);
  closeSync(writer);
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
    const task = writeGatedBuildTask();
    stack = await startLocalStack([parseModelScript(task.scriptText, task.scriptPath)], task.configPath);
    const s = stack;
    const submitted = await s.kisystem(['submit', task.taskFile]);
    expect(submitted.code).toBe(0);
    const workflowId = /^gated-build: (\S+)/m.exec(submitted.out)![1]!;
    const handle = s.client.workflow.getHandle(workflowId);

    await waitUntil('the build runs', async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'buildCandidate' && a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    }, 120_000);
    // The build cannot end while the gate is shut: the kill lands in the middle of it.
    s.gpuWorker.kill('SIGKILL');
    await new Promise((r) => s.gpuWorker.once('exit', r));

    await s.restartServer();
    s.startGpuWorker();
    openGate(task.gate);

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
