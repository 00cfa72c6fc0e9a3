/**
 * `kisystem submit --wait` and `kisystem status` ride out a restart of the Temporal dev server: they
 * say they lost the server and reconnected, and report the task's true end (--wait printed
 * "FAILED: 14 UNAVAILABLE" and exited 1 while the task went on and succeeded).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseModelScript } from '../../scripted-model-server/scripts';
import { PROJECT_ROOT } from '../../runtime/settings';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';

jest.setTimeout(300_000);

let stack: LocalStack | undefined;
afterAll(async () => stack?.stop());

function writeTask(): { taskFile: string; script: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kisystem-wait-restart-'));
  writeFileSync(join(dir, 'answer.h'), 'int answer();\n');
  writeFileSync(join(dir, 'harness.cpp'), '#include <cstdio>\n#include "answer.h"\nint main() { if (answer() == 42) { std::puts("KISYSTEM_VERDICT: PASS"); return 0; } std::puts("KISYSTEM_VERDICT: FAIL"); return 1; }\n');
  const taskFile = join(dir, 'task.yaml');
  writeFileSync(taskFile, ['id: wait-restart', 'title: Answer 42 slowly', 'domain: C++/System', 'language: cpp', 'goal: Implement int answer() returning 42.', 'solution_file: answer.cpp', 'harness: { files: [harness.cpp, answer.h], interface: [answer.h] }', ''].join('\n'));
  // The model takes 20 s to answer: the server restarts meanwhile.
  const answer = '```cpp\\n#include \\"answer.h\\"\\nint answer() { return 42; }\\n```';
  const script = `task: wait-restart\nmodels:\n  deepseek-coder-v2:16b:\n    - text: "${answer}"\n      delay_ms: 20000\n`;
  return { taskFile, script };
}

/** The kisystem client as a user runs it, its output readable while it runs. */
function kisystem(s: LocalStack, args: string[]): { out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), ...args], { env: s.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  return { out: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** Resolves once `check` holds (the test's time limit ends a wait for something that never comes). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 100));
}

it('--wait reports the true end across a dev-server restart, with a visible note', async () => {
  const task = writeTask();
  stack = await startLocalStack([parseModelScript(task.script, '/virtual/model-script.yaml')]);
  const s = stack;
  const waiting = kisystem(s, ['submit', task.taskFile, '--wait']);
  await until(() => /^wait-restart: \S+/m.test(waiting.out()));
  const workflowId = /^wait-restart: (\S+)/m.exec(waiting.out())?.[1];
  expect(workflowId).toBeDefined();
  // The model answers 20 s after it is asked, and nothing runs while the server is down: the task is
  // still running when the server comes back.
  await s.server.stop();
  const statusWhileDown = kisystem(s, ['status', workflowId!]); // asked while the server is down
  // Down until both clients have seen it, as over a host restart (however long they take to start).
  await until(() => /does not answer/.test(statusWhileDown.out()) && /lost the Temporal server/.test(waiting.out()));
  await s.restartServer();
  const code = await waiting.exited;
  const out = waiting.out();
  const status1 = { code: await statusWhileDown.exited, out: statusWhileDown.out() };
  expect(status1.out).toMatch(/the Temporal server at 127\.0\.0\.1:\d+ does not answer .*trying again/);
  expect(status1.out).toMatch(/reconnected to the Temporal server/);
  expect(status1.out).toMatch(/: (RUNNING|COMPLETED) /);
  expect(status1.code).toBe(0);
  expect(out).toMatch(/lost the Temporal server at 127\.0\.0\.1:\d+ .*reconnecting/);
  expect(out).toMatch(/reconnected to the Temporal server/);
  expect(out).toMatch(/wait-restart {2}SUCCEEDED/);
  expect(out).not.toMatch(/FAILED/);
  expect(code).toBe(0);
  const status = await s.kisystem(['status', workflowId!]);
  expect(status.out).toMatch(/COMPLETED/);
});
