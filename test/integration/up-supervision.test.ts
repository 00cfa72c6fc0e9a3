/**
 * `kisystem up` keeps its workers up: a worker killed with SIGKILL (as the OOM killer would) is
 * logged with its signal and started again; Ctrl-C (SIGINT) stops the workers and the dev server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening } from '../../runtime/dev-server';
import { PROJECT_ROOT } from '../../runtime/settings';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model-server/server';
import { temporalCli, uniqueName } from '../helpers/temporal-env';
import { dropDatabase, testDatabaseUrl } from '../helpers/test-database';

jest.setTimeout(240_000);

let up: ChildProcess | undefined;
let scripted: ScriptedModelServer | undefined;
const databaseUrl = testDatabaseUrl('kisystem_up');

afterAll(async () => {
  if (up && up.exitCode === null && up.signalCode === null) {
    up.kill('SIGINT');
    await new Promise((r) => up!.once('exit', r));
  }
  await scripted?.close();
  await dropDatabase(databaseUrl).catch(() => undefined);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, output: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; output:\n${output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

it('restarts a SIGKILLed worker, says so, and stops everything on Ctrl-C', async () => {
  scripted = await startScriptedModelServer({ scripts: [], log: () => undefined });
  const port = await freePort(64000);
  const queue = uniqueName('up');
  up = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), 'up'], {
    env: {
      ...process.env,
      TEMPORAL_CLI: temporalCli(),
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      OLLAMA_HOST: scripted.url,
      KISYSTEM_DATA_DIR: mkdtempSync(join(tmpdir(), 'kisystem-up-')),
      KISYSTEM_TASK_QUEUE: queue,
      KISYSTEM_GPU_QUEUE: `${queue}-gpu`,
      KISYSTEM_HOST_ID: uniqueName('host'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  up.stdout!.on('data', (d: Buffer) => (out += d));
  up.stderr!.on('data', (d: Buffer) => (out += d));
  const output = () => out;
  await until('kisystem is up', () => /kisystem is up/.test(out), output);
  expect(out).toMatch(/kisystem doctor:\n.*ok {4}Temporal/); // up checks first
  const gpuPid = Number(/gpu worker pid (\d+)/.exec(out)![1]);
  expect(alive(gpuPid)).toBe(true);

  process.kill(gpuPid, 'SIGKILL');
  await until('the worker runs again', () => /the gpu worker runs again \(pid \d+/.test(out), output, 30_000);
  expect(out).toContain(`the gpu worker (pid ${gpuPid}) was killed by SIGKILL`);
  const newPid = Number(/the gpu worker runs again \(pid (\d+)/.exec(out)![1]);
  expect(newPid).not.toBe(gpuPid);
  expect(alive(newPid)).toBe(true);

  up.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => up!.once('exit', (c) => resolve(c)));
  expect(code).toBe(0);
  expect(out).toMatch(/stopping/);
  await until('the new worker is gone', () => !alive(newPid), output, 20_000);
  expect(await isListening('127.0.0.1', port)).toBe(false);
});
