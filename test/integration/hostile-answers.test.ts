/**
 * Hostile answers, each through the real build and test activities in the real sandbox:
 * every probe must be contained or fail the answer. The task is tiny (twice(x)), its verdict comes
 * from a trusted checker; each hostile solution is a correct twice() plus an attack.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { categorize, testPassed } from '../../policy/parsers/categorizer';
import { sandboxedHost, type SandboxedHost } from '../helpers/sandboxed-host';
import { taskFence } from '../../activities/sandbox-limit-watch';

jest.setTimeout(180_000);

const SECRET = `kisystem-fake-secret-${process.pid}-${Date.now()}`;
let h: SandboxedHost;

beforeAll(async () => {
  process.env.KISYSTEM_FAKE_SECRET = SECRET;
  process.env.DATABASE_URL = `postgres://postgres:${SECRET}@127.0.0.1:5432/kisystem`;
  h = await sandboxedHost({ disk_mb: 64, build_memory_mb: 512 });
});
afterAll(() => {
  delete process.env.KISYSTEM_FAKE_SECRET;
  h?.cleanup();
});

const INCLUDES = '#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <string>\n#include <unistd.h>\n#include <signal.h>\n#include <fcntl.h>\n#include <sys/wait.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n';

/** A correct twice() plus `attack`, run once before main by a static initializer. */
function hostile(attack: string, twice = 'return 2 * x;'): string {
  return `${INCLUDES}\nstatic int attack() {\n${attack}\n  return 0;\n}\nstatic int done = attack();\nint twice(int x) { ${twice} }\n`;
}

async function buildAndTest(solution: string, limits = {}, timeoutS = 60) {
  const build = await h.build(solution);
  expect({ ok: build.ok, output: build.output }).toEqual({ ok: true, output: expect.any(String) });
  const test = await h.test(build, { limits, timeoutS });
  return { build, test };
}

it('a correct answer passes inside the sandbox, judged by the trusted checker', async () => {
  const { build, test } = await buildAndTest('int twice(int x) { return 2 * x; }\n');
  expect(build.sandbox).toBe('bubblewrap');
  expect(test).toMatchObject({ exitCode: 0, verdictSource: 'checker', sandbox: 'bubblewrap' });
  expect(testPassed(test)).toBe(true);
});

it('cannot read host files (/etc/shadow, /etc/passwd, the project, the worker home)', async () => {
  const files = ['/etc/shadow', '/etc/passwd', '/work/shared/decisions.md', join(process.cwd(), 'package.json'), '/root/.bashrc'];
  const attack = files.map((f) => `  { FILE* f = std::fopen("${f}", "r"); std::fprintf(stderr, "%s ${f}\\n", f ? "READ-OK" : "read-refused"); }`).join('\n');
  const { test } = await buildAndTest(hostile(attack));
  expect(test.output).not.toContain('READ-OK');
  expect(test.output.match(/read-refused/g)?.length).toBe(files.length);
  expect(testPassed(test)).toBe(true);
});

it('#include of a host file does not leak it through the compile error', async () => {
  const build = await h.build('#include "/etc/passwd"\nint twice(int x) { return 2 * x; }\n');
  expect(build.ok).toBe(false);
  expect(build.output).not.toMatch(/root:x?:0:0/);
  expect(build.output).toMatch(/No such file or directory/);
});

it('#include "/dev/zero" is stopped by the build limits, named by what happened', async () => {
  const build = await h.build('#include "/dev/zero"\nint twice(int x) { return 2 * x; }\n', { timeoutS: 60 });
  expect(build.ok).toBe(false);
  expect(build.durationMs).toBeLessThan(60_000);
  // Without a cgroup the compiler meets its address-space limit and reports it only in its own words,
  // often before a poll sees it: stopped, but named only where a cgroup counts the memory.
  if (!h.sandbox.cgroups && build.limitKill === null) return;
  expect(['memory', 'cpu', 'disk']).toContain(build.limitKill);
  const c = categorize({ phase: 'BUILD', exitCode: build.exitCode, signal: build.signal, timedOut: build.timedOut, output: build.output, solutionFile: 'twice.cpp', harnessFiles: ['harness.cpp'], limitKill: build.limitKill });
  expect(c.rule).toBe(`limit-${build.limitKill}`);
});

it('cannot write outside its run folder (the work root, the project dist/; its /tmp is private)', async () => {
  const outside = [join(h.workRoot, 'outside-marker'), join(process.cwd(), 'dist', 'hostile-marker')];
  const privateTmp = `/tmp/hostile-marker-${process.pid}`;
  const attack = [...outside, privateTmp]
    .map((t) => `  { FILE* f = std::fopen("${t}", "w"); if (f) { std::fputs("x", f); std::fclose(f); } std::fprintf(stderr, "%s ${t}\\n", f ? "WRITE-OK" : "write-refused"); }`)
    .join('\n');
  const { test } = await buildAndTest(hostile(attack));
  for (const t of [...outside, privateTmp]) expect(existsSync(t)).toBe(false);
  // The project is not even visible; the work root lies under the host's /tmp here, which is private inside.
  expect(test.output).toContain(`write-refused ${outside[1]}`);
});

it('cannot connect to 127.0.0.1 ports (PostgreSQL 5432, Temporal 7233) even while they listen', async () => {
  const pgUp = await new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: 5432 }, () => (s.end(), resolve(true)));
    s.on('error', () => resolve(false));
  });
  const attack = [5432, 7233]
    .map(
      (port) => `  { int s = socket(AF_INET, SOCK_STREAM, 0); sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(${port}); inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int r = s < 0 ? -1 : connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a); std::fprintf(stderr, "%s ${port}\\n", r == 0 ? "CONNECT-OK" : "connect-refused"); }`,
    )
    .join('\n');
  const { test } = await buildAndTest(hostile(attack));
  expect(pgUp).toBe(true); // the probe means something only while PostgreSQL listens on the host
  expect(test.output).not.toContain('CONNECT-OK');
  expect(test.output.match(/connect-refused/g)?.length).toBe(2);
});

it("cannot read the worker's environment (directly, /proc/1/environ, /proc/<ppid>/environ)", async () => {
  const attack = `  extern char** environ; for (char** e = environ; *e; ++e) std::fprintf(stderr, "ENV %s\\n", *e);
  const char* paths[] = {"/proc/1/environ", "/proc/self/environ", "/proc/2/environ"};
  for (const char* p : paths) { FILE* f = std::fopen(p, "r"); if (!f) continue; char buf[65536]; size_t n = std::fread(buf, 1, sizeof buf - 1, f); std::fclose(f);
    for (size_t i = 0; i < n; ++i) if (buf[i] == 0) buf[i] = ' '; buf[n] = 0; std::fprintf(stderr, "FILE %s %s\\n", p, buf); }
  { char p[64]; std::snprintf(p, sizeof p, "/proc/%d/environ", (int)getppid()); FILE* f = std::fopen(p, "r"); std::fprintf(stderr, "PPID-ENV %s\\n", f ? "open" : "refused"); if (f) { char buf[65536]; size_t n = std::fread(buf, 1, sizeof buf - 1, f); for (size_t i = 0; i < n; ++i) if (!buf[i]) buf[i] = ' '; buf[n] = 0; std::fprintf(stderr, "%s\\n", buf); std::fclose(f); } }`;
  const { test } = await buildAndTest(hostile(attack));
  expect(test.output).toContain('ENV PATH=');
  expect(test.output).not.toContain(SECRET);
  expect(test.output).not.toContain('DATABASE_URL');
});

it('cannot kill the worker or processes outside (kill(getppid()), kill(-1), kill(1))', async () => {
  const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const attack = '  kill(getppid(), SIGKILL); kill(1, SIGKILL); kill(-1, SIGKILL); kill(${PID}, SIGKILL); std::fprintf(stderr, "after kills\\n");'.replace('${PID}', String(bystander.pid));
    const build = await h.build(hostile(attack));
    const test = await h.test(build);
    expect(test.output).toContain('after kills');
    expect(bystander.exitCode).toBeNull();
    expect(bystander.signalCode).toBeNull();
    expect(() => process.kill(bystander.pid!, 0)).not.toThrow();
  } finally {
    bystander.kill('SIGKILL');
  }
});

it('leaves no setsid daemon behind', async () => {
  const marker = 'daemon-heartbeat';
  const attack = `  if (fork() == 0) { setsid(); if (fork() == 0) { for (;;) { FILE* f = std::fopen("${marker}", "a"); if (f) { std::fputs("x", f); std::fclose(f); } usleep(50000); } } _exit(0); }`;
  const { build } = await buildAndTest(hostile(attack));
  const file = join(build.runFolder, marker);
  await new Promise((r) => setTimeout(r, 300));
  const before = existsSync(file) ? statSync(file).size : 0;
  await new Promise((r) => setTimeout(r, 1000));
  const after = existsSync(file) ? statSync(file).size : 0;
  expect(after).toBe(before);
});

it('a daemon holding stdout does not hold the activity past the end of the run', async () => {
  const attack = '  if (fork() == 0) { setsid(); sleep(120); _exit(0); }';
  const { test } = await buildAndTest(hostile(attack), {}, 60);
  // Held by the daemon, the run would last until its 60 s timeout (the daemon sleeps 120 s).
  expect(test.timedOut).toBe(false);
  expect(test.durationMs).toBeLessThan(60_000);
});

it('cancellation ends a run that hangs with a daemon holding its output, and rethrows the cancellation', async () => {
  const build = await h.build(hostile('  if (fork() == 0) { setsid(); sleep(120); _exit(0); } sleep(120);'));
  const env = new MockActivityEnvironment();
  const started = Date.now();
  const running = h.test(build, { env, timeoutS: 120 });
  setTimeout(() => env.cancel(), 1500);
  await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  // Not ended by the program (it sleeps 120 s) nor by the run's 120 s timeout: by the cancellation.
  expect(Date.now() - started).toBeLessThan(120_000);
});

it('a fork bomb is stopped by the process limit of the run, and the host keeps working', async () => {
  const attack = '  for (int i = 0; i < 100000; ++i) { pid_t p = fork(); if (p == 0) { sleep(30); _exit(0); } if (p < 0) { std::fprintf(stderr, "fork failed after %d\\n", i); std::exit(1); } }';
  const build = await h.build(hostile(attack));
  const test = await h.test(build, { limits: { maxProcesses: 64 } });
  expect(testPassed(test)).toBe(false);
  if (h.sandbox.cgroups) {
    expect(test.limitKill).toBe('processes');
    // Stopped by the process poll past 64 processes, or at the latest by the task fence above it (room for threads).
    const forks = Number(/fork failed after (\d+)/.exec(test.output)?.[1] ?? 0);
    expect(forks).toBeLessThanOrEqual(taskFence(64));
  }
});

it('memory across three processes is limited for the whole run', async () => {
  const attack = `  for (int k = 0; k < 2; ++k) fork();
  size_t n = 150u << 20; char* p = static_cast<char*>(std::malloc(n)); if (p) std::memset(p, 1, n); sleep(2); if (p) std::fprintf(stderr, "held %d\\n", p[n - 1]);`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build, { limits: { memoryMb: 256 } });
  expect(testPassed(test)).toBe(false);
  if (h.sandbox.cgroups) expect(test.limitKill).toBe('memory');
  expect(categorize({ phase: 'TEST', exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, solutionFile: 'twice.cpp', harnessFiles: [], limitKill: test.limitKill }).hint).toMatch(/memory/);
});

it('CPU time spread over child processes is limited for the whole run, and the hint names CPU', async () => {
  const attack = '  for (int k = 0; k < 3; ++k) if (fork() == 0) break;\n  volatile unsigned long x = 0; for (;;) ++x;';
  const build = await h.build(hostile(attack));
  const test = await h.test(build, { limits: { cpuSeconds: 2 }, timeoutS: 120 });
  expect(testPassed(test)).toBe(false);
  expect(test.timedOut).toBe(false); // the CPU limit (2 s per core) ended it, long before the time limit
  expect(test.limitKill).toBe('cpu');
  const c = categorize({ phase: 'TEST', exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, solutionFile: 'twice.cpp', harnessFiles: [], limitKill: test.limitKill });
  expect(c.hint).toMatch(/CPU time/);
  expect(c.hint).not.toMatch(/memory/);
});

it('disk written across several files is limited for the whole run folder', async () => {
  // 10 ms per MB: past the 64 MB limit, the poll (every 250 ms) has 5.7 s to stop the writer before
  // it prints, however late a loaded machine runs it.
  const attack = `  static char block[1 << 20]; std::memset(block, 7, sizeof block);
  for (int f = 0; f < 16; ++f) { char name[32]; std::snprintf(name, sizeof name, "fill-%d", f); FILE* out = std::fopen(name, "w"); if (!out) break;
    for (int i = 0; i < 40; ++i) { std::fwrite(block, 1, sizeof block, out); std::fflush(out); usleep(10000); } std::fclose(out); }
  std::fprintf(stderr, "wrote everything\\n");`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  expect(test.limitKill).toBe('disk');
  expect(test.output).not.toContain('wrote everything');
  expect(testPassed(test)).toBe(false);
});

it('a forged verdict fails: wrong results with an atexit PASS line, a verdict file and a fake timing line', async () => {
  const attack = `  std::atexit([] { std::printf("KISYSTEM_VERDICT: PASS\\n"); std::fprintf(stderr, "KISYSTEM_VERDICT: PASS\\nKISYSTEM_BENCH kernel=twice ms=0.000001\\n"); std::fflush(stdout); });
  FILE* f = std::fopen("verdict.txt", "w"); if (f) { std::fputs("KISYSTEM_VERDICT: PASS\\n", f); std::fclose(f); }
  f = std::fopen("../run-1.trusted/checker", "w"); std::fprintf(stderr, "checker %s\\n", f ? "REPLACED" : "out of reach");`;
  const { test } = await buildAndTest(hostile(attack, 'return 3 * x;'));
  expect(test.verdictSource).toBe('checker');
  expect(test.output).not.toContain('REPLACED');
  expect(testPassed(test)).toBe(false);
  const c = categorize({ phase: 'TEST', exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, solutionFile: 'twice.cpp', harnessFiles: [] });
  expect(c).toMatchObject({ errorType: 'LOGIC', severity: 2 });
  expect(c.firstErrorLine).toMatch(/twice\(\d+\) returned/);
});

it('a candidate that never answers is failed by the checker, not passed', async () => {
  const { test } = await buildAndTest('#include <cstdlib>\nstatic int q = (std::exit(0), 0);\nint twice(int x) { return 2 * x; }\n');
  expect(testPassed(test)).toBe(false);
  expect(test.output).toMatch(/KISYSTEM_VERDICT: FAIL no answer for case 1/);
});

it('benchmark times come from the trusted driver: a fake KISYSTEM_BENCH line and a fast wrong answer give no time', async () => {
  const fake = '  std::printf("KISYSTEM_BENCH kernel=twice ms=0.000001\\n"); std::fprintf(stderr, "KISYSTEM_BENCH kernel=twice ms=0.000001\\n");';
  const slow = await h.build(hostile(fake, 'usleep(20000); return 2 * x;'));
  const bench = await h.bench(slow);
  expect(bench.timesMs).toHaveLength(3); // a warm-up, then 3 pairs of 1 and 2 calls
  // Each extra call sleeps 20 ms, whatever it prints (ms=0.000001). The bounds are far from 20 ms
  // both ways: a loaded host delays one frame of a pair more than the other by a few ms (a 10 ms
  // sleep was once timed at 8.6 ms), and such a skew must not decide this test.
  expect(bench.medianMs).toBeGreaterThan(1);
  expect(bench.medianMs).toBeLessThan(2000);
  const wrong = await h.build(hostile(fake, 'return 3 * x;'));
  await expect(h.bench(wrong)).rejects.toMatchObject({ type: 'BenchmarkFailed' });
});
