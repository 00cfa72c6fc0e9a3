/** The worker supervisor of `kisystem up`: backoff, exit descriptions, and a real child restarted after SIGKILL. */
import { spawn } from 'node:child_process';
import { describeExit, restartDelayMs, supervise } from '../../client/supervisor';

describe('restartDelayMs', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16000],
    [6, 30000],
    [20, 30000],
  ])('restart %i waits %i ms', (attempt, ms) => expect(restartDelayMs(attempt)).toBe(ms));
});

describe('describeExit', () => {
  it.each([
    [null, 'SIGKILL', 'was killed by SIGKILL (the OOM killer or kill -9?)'],
    [null, 'SIGSEGV', 'was killed by SIGSEGV'],
    [1, null, 'exited with code 1'],
    [0, null, 'exited with code 0'],
  ] as const)('code %p signal %p', (code, signal, text) => expect(describeExit(code, signal)).toBe(text));
});

it('starts a SIGKILLed process again, logs why, and stops it for good on stop()', async () => {
  const lines: string[] = [];
  const sup = supervise({ name: 'sleeper', start: () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']), log: (l) => lines.push(l), firstDelayMs: 100 });
  const first = sup.current();
  await new Promise((r) => first.once('spawn', r));
  first.kill('SIGKILL');
  for (let i = 0; i < 100 && sup.restarts() === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(sup.restarts()).toBe(1);
  expect(sup.current().pid).not.toBe(first.pid);
  expect(lines.join('\n')).toMatch(new RegExp(`the sleeper \\(pid ${first.pid}\\) was killed by SIGKILL.*starting it again in 0\\.1 s`));
  const second = sup.current();
  await sup.stop();
  expect(second.signalCode).toBe('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  expect(sup.restarts()).toBe(1);
});

it('kills what a SIGKILLed process left behind: processes that carry its marker, with their groups', async () => {
  const { killLeftovers, newWorkerMarker, processesWithMarker, WORKER_MARKER } = await import('../../client/leftovers');
  const marker = newWorkerMarker('test');
  // A "worker" that starts a "build" in a process group of its own (as runProcess does), then is killed.
  const worker = spawn(process.execPath, ['-e', "const c = require('child_process').spawn('sleep', ['300'], { detached: true, stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);"], {
    env: { ...process.env, [WORKER_MARKER]: marker },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const buildPid = Number(await new Promise<string>((resolve) => worker.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  expect(processesWithMarker(marker)).toEqual([buildPid]); // the orphan runs on
  expect(killLeftovers(marker)).toEqual([buildPid]);
  for (let i = 0; i < 50 && processesWithMarker(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(processesWithMarker(marker)).toEqual([]);
});
