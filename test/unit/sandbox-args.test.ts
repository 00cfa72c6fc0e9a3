import { bwrapArgs, BWRAP_SPAWN_ENV } from '../../activities/sandbox';
import { limitArgs } from '../../activities/run-process';
import { hostCores, runCpuSeconds, taskFence } from '../../activities/sandbox-limit-watch';
import { PassThrough } from 'node:stream';
import { benchTimesMs, caseOrder, ImplausibleBenchTimesError, isCheckerFile, neutralizeVerdicts } from '../../activities/sandbox-verdict';
import { encodeFrame, FrameReader } from '../../activities/sandbox-frames';

const args = bwrapArgs('bwrap', { writable: '/srv/runs/wf/r/run-1', readOnly: ['/srv/runs/wf/r/run-1.trusted'], gpu: false, tmpMb: 64, env: { KISYSTEM_SEED: '7' } }, '/srv/runs/wf/r/run-1');

it('isolates everything: all namespaces, no capabilities, dies with the worker, its own session', () => {
  for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv']) expect(args).toContain(flag);
  expect(args.slice(args.indexOf('--cap-drop'), args.indexOf('--cap-drop') + 2)).toEqual(['--cap-drop', 'ALL']);
  expect(args).not.toContain('--share-net');
});

it('binds only /usr, the run folder (writable) and what is asked for read-only; the root is read-only', () => {
  const binds = args.flatMap((a, i) => (a === '--bind' ? [args[i + 1]] : []));
  expect(binds).toEqual(['/srv/runs/wf/r/run-1']);
  expect(args.join(' ')).toContain('--ro-bind /usr /usr');
  expect(args.join(' ')).toContain('--ro-bind /srv/runs/wf/r/run-1.trusted /srv/runs/wf/r/run-1.trusted');
  expect(args.join(' ')).toContain('--remount-ro /');
  expect(args.join(' ')).toContain(`--size ${64 * 1024 * 1024} --tmpfs /tmp`);
  expect(args.join(' ')).not.toMatch(/--ro-bind \/etc \/etc|\/etc\/shadow|\/etc\/passwd|\/root|\/home/);
});

it('builds the environment from nothing: only PATH, HOME, TMPDIR, LANG and what the caller gives', () => {
  const vars = args.flatMap((a, i) => (a === '--setenv' ? [args[i + 1]] : []));
  expect(vars.sort()).toEqual(['HOME', 'KISYSTEM_SEED', 'LANG', 'PATH', 'TMPDIR']);
  expect(Object.keys(BWRAP_SPAWN_ENV).sort()).toEqual(['LANG', 'PATH']);
  expect(args[args.length - 1]).toBe('--');
});

it('GPU steps get the device nodes that exist and a read-only /sys; others do not', () => {
  const gpu = bwrapArgs('bwrap', { writable: '/w', gpu: true, tmpMb: 8, env: {} }, '/w');
  expect(gpu.join(' ')).toContain('--ro-bind /sys /sys');
  expect(args.join(' ')).not.toContain('/sys');
});

it('per-process limits: never RLIMIT_NPROC (it counts the whole user); CPU and address space only without a cgroup', () => {
  const limits = { cpuSeconds: 5, memoryMb: 100, maxProcesses: 8, maxFileMb: 1 };
  expect(limitArgs(limits, true)).toEqual(['prlimit', `--fsize=${1024 * 1024}`, '--core=0', '--']);
  // CPU seconds on every core of the host (a correct answer may keep all cores busy).
  expect(limitArgs(limits, false)).toEqual(['prlimit', `--fsize=${1024 * 1024}`, '--core=0', `--cpu=${5 * hostCores()}`, `--as=${100 * 1024 * 1024}`, '--']);
});

it('the task fence of a run (pids.max counts threads) leaves a thread per hardware thread above the process limit', () => {
  expect(taskFence(256, 2)).toBe(256 + 64);
  expect(taskFence(256, 384)).toBe(256 + 4 * 384);
  expect(runCpuSeconds(60, 16)).toBe(960);
});

it.each([
  ['checker.cpp', true],
  ['checker_ref.h', true],
  ['harness.cpp', false],
  ['sub/checker.cpp', false],
  ['checker.cu', false],
])('isCheckerFile(%s) = %s', (path, expected) => expect(isCheckerFile(path)).toBe(expected));

it('a candidate cannot print a verdict or a bench line that counts', () => {
  expect(neutralizeVerdicts('KISYSTEM_VERDICT: PASS\nKISYSTEM_BENCH kernel=k ms=1')).not.toMatch(/KISYSTEM_VERDICT:|KISYSTEM_BENCH kernel/);
});

it('kernel times are the difference of a long and a short answer, per call', () => {
  expect(benchTimesMs([100, 10, 30, 12, 32], 1, 11)).toEqual([2, 2]);
});

it.each([
  [[100, 30, 10, 12, 32]],
  [[100, 10, 10, 12, 32]],
])('a long frame no slower than its short one refuses the benchmark (%j), never clamps it', (ms) => {
  expect(() => benchTimesMs(ms, 1, 11)).toThrow(ImplausibleBenchTimesError);
});

it('bench pairs are asked in an order drawn from the seed: the warm-up first, each pair kept together', () => {
  const orders = new Set<string>();
  for (let seed = 0; seed < 64; seed++) {
    const order = caseOrder('bench', seed, 11);
    expect(order[0]).toBe(0);
    for (let i = 1; i < 11; i += 2) expect([order[i], order[i + 1]].sort((a, b) => a! - b!)).toEqual([i, i + 1]);
    expect(caseOrder('bench', seed, 11)).toEqual(order);
    orders.add(order.join(','));
  }
  expect(orders.size).toBeGreaterThan(16);
  expect(caseOrder('test', 7, 5)).toEqual([0, 1, 2, 3, 4]);
});

it('the frame reader reads a frame split across chunks, and streams a payload piece by piece', async () => {
  const stream = new PassThrough();
  const reader = new FrameReader(stream, 1 << 20);
  const bytes = Buffer.concat([encodeFrame(Buffer.from('hello')), encodeFrame(Buffer.alloc(0)), encodeFrame(Buffer.from('world!'))]);
  for (let i = 0; i < bytes.length; i += 3) stream.write(bytes.subarray(i, i + 3));
  stream.end();
  expect((await reader.next())?.toString()).toBe('hello');
  expect((await reader.next())?.length).toBe(0);
  const pieces: string[] = [];
  expect(await reader.nextInto((p) => void pieces.push(p.toString()))).toBe(6);
  expect(pieces.join('')).toBe('world!');
  expect(await reader.next()).toBeNull();
});
