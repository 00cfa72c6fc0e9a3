/** Subprocesses of activities: timeouts and cancellation kill the whole process group; limits apply. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAUNCHER, ProgramNotStartedError, runProcess } from '../../activities/run-process';
import { processEnding } from '../helpers/process-ending';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

// The folders this file makes go with it.
afterAll(removeTempDirs);

const cwd = tempDir('kisystem-run-process-');

/** Processes whose command line holds `marker` and that are not ending already (helpers/process-ending.ts). */
function survivors(marker: string): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return pids.filter((pid) => {
    try {
      return !processEnding(pid);
    } catch {
      return false; // gone meanwhile
    }
  });
}

describe('runProcess', () => {
  it('keeps the output and the exit status', async () => {
    const r = await runProcess({ command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], cwd, timeoutMs: 10_000, keepChars: 1000 });
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, cancelled: false });
    expect(r.output).toContain('out');
    expect(r.output).toContain('err');
  });

  it('kills the whole process group on timeout, grandchildren included', async () => {
    const marker = `kisystem-grandchild-${process.pid}-timeout`;
    const child = await runProcess({ command: ['bash', '-c', `(exec -a ${marker} sleep 300) & wait`], cwd, timeoutMs: 700, keepChars: 1000 });
    // Only the timer sets timedOut: the run ended at its timeout, not at the sleep's end.
    expect(child.timedOut).toBe(true);
    expect(child.durationMs).toBeLessThan(300_000);
    expect(survivors(marker)).toEqual([]);
  });

  it('kills the group when the activity is cancelled', async () => {
    const marker = `kisystem-grandchild-${process.pid}-cancel`;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 400);
    const r = await runProcess({ command: ['bash', '-c', `(exec -a ${marker} sleep 300) & wait`], cwd, timeoutMs: 60_000, keepChars: 1000, signal: abort.signal });
    expect(r.cancelled).toBe(true);
    expect(survivors(marker)).toEqual([]);
  });

  it('a cancellation that came before the program started still ends it at once', async () => {
    const marker = `kisystem-grandchild-${process.pid}-cancelled-before`;
    const abort = new AbortController();
    abort.abort();
    const r = await runProcess({ command: ['bash', '-c', `(exec -a ${marker} sleep 300) & wait`], cwd, timeoutMs: 60_000, keepChars: 1000, signal: abort.signal });
    expect(r.cancelled).toBe(true);
    expect(r.timedOut).toBe(false);
    expect(survivors(marker)).toEqual([]);
  });

  it('applies the file size limit (SIGXFSZ) and the CPU time limit (SIGXCPU or SIGKILL)', async () => {
    const limits = { cpuSeconds: 1, memoryMb: 512, maxProcesses: 64, maxFileMb: 1 };
    const big = await runProcess({ command: ['sh', '-c', 'head -c 5000000 /dev/zero > big.bin'], cwd, timeoutMs: 20_000, keepChars: 1000, limits });
    // head dies of SIGXFSZ; the shell around it reports 128 + 25.
    expect(big.exitCode === null ? big.signal : big.exitCode).toBe(153);
    const spin = await runProcess({ command: ['sh', '-c', 'while :; do :; done'], cwd, timeoutMs: 20_000, keepChars: 1000, limits });
    expect(['SIGXCPU', 'SIGKILL']).toContain(spin.signal);
    expect(spin.timedOut).toBe(false);
  });

  it('trims long output to head and tail', async () => {
    const r = await runProcess({ command: ['sh', '-c', 'seq 1 100000'], cwd, timeoutMs: 20_000, keepChars: 2000 });
    expect(r.output.length).toBeLessThan(2200);
    expect(r.output.startsWith('1\n2\n')).toBe(true);
    expect(r.output.trimEnd().endsWith('100000')).toBe(true);
  });

  it('says which program could not be started', async () => {
    await expect(runProcess({ command: ['kisystem-no-such-compiler', '--version'], cwd, timeoutMs: 1000, keepChars: 100 })).rejects.toThrow(ProgramNotStartedError);
  });
});

it("the sandbox's launcher reads no shell startup files, with a socket as stdin as every piped child has", async () => {
  // bash -c with a socket on stdin runs ~/.bashrc (taking itself for a remote shell); a marker in a
  // HOME of its own shows whether the launcher's command would.
  const home = mkdtempSync(join(tmpdir(), 'kisystem-launcher-home-'));
  try {
    writeFileSync(join(home, '.bashrc'), 'echo STARTUP-FILE-RAN >&2\n');
    const run = (args: readonly string[]) =>
      spawnSync(args[0]!, [...args.slice(1), '--', '/bin/echo', 'launched'], { env: { PATH: '/usr/bin:/bin', HOME: home }, stdio: ['pipe', 'pipe', 'pipe'], input: '', encoding: 'utf8' });
    const plain = run(['/bin/bash', ...LAUNCHER.slice(3)]);
    const launched = run(LAUNCHER);
    expect(launched.stdout).toBe('launched\n');
    expect(launched.stderr).not.toContain('STARTUP-FILE-RAN');
    // The same script without the flags does read it: the check above is not vacuous.
    expect(plain.stdout).toBe('launched\n');
    expect(plain.stderr).toContain('STARTUP-FILE-RAN');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
