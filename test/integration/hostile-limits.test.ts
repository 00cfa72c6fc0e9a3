/**
 * Limits that hold for any writing pattern and never kill a correct answer, through the real build
 * and test activities in the real sandbox. Re-run as an unprivileged user by hostile-host.test.ts.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { categorize, testPassed } from '../../policy/parsers/categorizer';
import { sandboxedHost, type SandboxedHost } from '../helpers/sandboxed-host';
import { folderBytes } from '../../activities/sandbox-disk';

jest.setTimeout(240_000);

let h: SandboxedHost;
beforeAll(async () => {
  h = await sandboxedHost({ disk_mb: 64, build_memory_mb: 1024 });
});
afterAll(() => h?.cleanup());

const INCLUDES = '#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <thread>\n#include <vector>\n#include <ctime>\n#include <unistd.h>\n#include <fcntl.h>\n#include <signal.h>\n';
function hostile(attack: string, twice = 'return 2 * x;'): string {
  return `${INCLUDES}\nstatic int attack() {\n${attack}\n  return 0;\n}\nstatic int done = attack();\nint twice(int x) { ${twice} }\n`;
}
const run = (test: { exitCode: number | null; signal: string | null; timedOut: boolean; output: string; limitKill?: string | null }, phase: 'TEST' | 'BUILD' = 'TEST') =>
  categorize({ phase, exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, solutionFile: 'twice.cpp', harnessFiles: [], limitKill: test.limitKill });

it('threads do not count as processes: 40 threads pass under a limit of 8 processes', async () => {
  const attack = '  std::vector<std::thread> ts; for (int i = 0; i < 40; ++i) ts.emplace_back([] { usleep(200000); }); for (auto& t : ts) t.join(); std::fprintf(stderr, "40 threads joined\\n");';
  const build = await h.build(hostile(attack));
  const test = await h.test(build, { limits: { maxProcesses: 8 } });
  expect(test.output).toContain('40 threads joined');
  expect(test.limitKill).toBeNull();
  expect(testPassed(test)).toBe(true);
});

const cores = availableParallelism();
const multiCore = cores >= 2 ? it : it.skip;
if (cores < 2) console.warn('hostile-limits: one core here, so the test of a CPU limit per core is skipped');
multiCore('the CPU limit is per core of the host: every core busy for 75 % of it is a correct answer, not a kill', async () => {
  // cores threads x 1.5 s of CPU each, under cpu_seconds 2: over 2 s in total, under 2 s per core.
  const attack = `  std::vector<std::thread> ts; for (int i = 0; i < ${cores}; ++i) ts.emplace_back([] { timespec t{}; volatile unsigned long x = 0;
    do { for (int k = 0; k < 100000; ++k) ++x; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); } while (t.tv_sec * 1000000000L + t.tv_nsec < 1500000000L); });
  for (auto& t : ts) t.join(); std::fprintf(stderr, "all threads done\\n");`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build, { limits: { cpuSeconds: 2 }, timeoutS: 60 });
  expect(test.output).toContain('all threads done');
  expect(test.limitKill).toBeNull();
  expect(testPassed(test)).toBe(true);
});

it('a program that SIGKILLs itself is not told it ran out of memory', async () => {
  const build = await h.build(hostile('  kill(getpid(), SIGKILL);'));
  const test = await h.test(build);
  expect(test.signal === 'SIGKILL' || test.exitCode === 128 + 9).toBe(true);
  expect(test.limitKill).toBeNull();
  expect(run(test).hint).not.toMatch(/memory limit/);
});

it('a child killed by SIGXFSZ is the disk limit even when its parent reports it only as its own failure', async () => {
  const attack = `  if (fork() == 0) { static char block[1 << 16]; int fd = open("out.bin", O_WRONLY | O_CREAT, 0600); for (int i = 0; i < 64; ++i) if (write(fd, block, sizeof block) < 0) break; _exit(0); }
  int status = 0; wait(&status); std::fprintf(stderr, "the writer failed\\n"); std::exit(1);`;
  const build = await h.build(hostile(attack).replace('#include <signal.h>', '#include <signal.h>\n#include <sys/wait.h>'));
  expect(build.ok).toBe(true);
  const test = await h.test(build, { limits: { maxFileMb: 1 } });
  expect(test.exitCode).toBe(1);
  expect(test.limitKill).toBe('disk');
  expect(run(test).rule).toBe('limit-disk');
});

it('disk held in deleted-but-open files counts against the disk limit', async () => {
  // 20 ms per MB: past the 64 MB limit, the poll (every 250 ms) has 2.7 s to stop the writer before
  // it prints, however late a loaded machine runs it.
  const attack = `  static char block[1 << 20]; std::memset(block, 7, sizeof block);
  int fd = open("hidden", O_RDWR | O_CREAT, 0600); unlink("hidden");
  for (int i = 0; i < 200; ++i) { if (write(fd, block, sizeof block) < 0) break; fsync(fd); usleep(20000); }
  std::fprintf(stderr, "held 200 MB unseen\\n"); sleep(2);`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  expect(test.limitKill).toBe('disk');
  expect(test.output).not.toContain('held 200 MB unseen');
  expect(testPassed(test)).toBe(false);
});

it('space preallocated faster than any poll (fallocate, then exit) is the disk limit, and does not stay on the host', async () => {
  const attack = `  for (int f = 0; f < 8; ++f) { char name[32]; std::snprintf(name, sizeof name, "pre-%d", f); int fd = open(name, O_RDWR | O_CREAT, 0600);
    if (fd >= 0) { posix_fallocate(fd, 0, 200L << 20); close(fd); } }`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  expect(test.limitKill).toBe('disk');
  expect(testPassed(test)).toBe(false);
  expect(existsSync(join(build.runFolder, 'pre-0'))).toBe(false);
  expect(await folderBytes(build.runFolder)).toBeLessThan(64 * 1024 * 1024);
});

it('an object file past the per-file limit (the assembler killed by SIGXFSZ, reported by g++ as its own failure) is the disk limit', async () => {
  const small = await sandboxedHost({ disk_mb: 64, build_memory_mb: 1024, max_file_mb: 4 });
  try {
    // 16 MB of initialized data: a short assembly file, an object file four times the limit.
    const build = await small.build('static char big[16 << 20] = {1};\nint twice(int x) { return 2 * x + big[x & 1] - big[1]; }\n');
    expect(build.ok).toBe(false);
    expect(build.limitKill).toBe('disk');
  } finally {
    small.cleanup();
  }
});
