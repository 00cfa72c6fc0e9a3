/**
 * Hostile answers against the host itself, through the real build, test and benchmark activities
 * in the real sandbox, whoever runs the worker: as root here (then the whole file runs again as the
 * unprivileged user `kisystem-tester`, test/helpers/unprivileged-rerun.ts) and as that user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { categorize, testPassed } from '../../policy/parsers/categorizer';
import { cleanRunFolders } from '../../activities/run-folder-cleanup';
import { sandboxedHost, type SandboxedHost } from '../helpers/sandboxed-host';
import { isUnprivilegedRerun, rerunUnprivileged, runningAsRoot, TEST_USER } from '../helpers/unprivileged-rerun';

jest.setTimeout(240_000);

const SECRET = `kisystem-fake-secret-${process.pid}-${Date.now()}`;
let h: SandboxedHost;

beforeAll(async () => {
  process.env.KISYSTEM_FAKE_SECRET = SECRET;
  process.env.KISYSTEM_OPENAI_API_KEY = SECRET;
  h = await sandboxedHost({ disk_mb: 64, build_memory_mb: 512 });
});
afterAll(() => {
  delete process.env.KISYSTEM_FAKE_SECRET;
  delete process.env.KISYSTEM_OPENAI_API_KEY;
  h?.cleanup();
});

const INCLUDES = '#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <string>\n#include <unistd.h>\n#include <fcntl.h>\n#include <dirent.h>\n#include <sys/stat.h>\n';

/** A correct twice() plus `attack`, run once before main by a static initializer. */
function hostile(attack: string, twice = 'return 2 * x;'): string {
  return `${INCLUDES}\nstatic int attack() {\n${attack}\n  return 0;\n}\nstatic int done = attack();\nint twice(int x) { ${twice} }\n`;
}

function walk(folder: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    out.push(path);
    if (lstatSync(path).isDirectory()) out.push(...walk(path));
  }
  return out;
}

it('cannot write host kernel settings under /proc/sys (it writes back the value it read: harmless had it got through)', async () => {
  const sysctls = ['/proc/sys/vm/swappiness', '/proc/sys/kernel/core_pattern', '/proc/sys/vm/overcommit_memory', '/proc/sys/kernel/threads-max', '/proc/sys/vm/drop_caches'];
  const attack = sysctls
    .map(
      (p) => `  { char v[256] = {0}; FILE* r = std::fopen("${p}", "r"); if (r) { if (!std::fgets(v, sizeof v, r)) v[0] = 0; std::fclose(r); }
    int fd = open("${p}", O_WRONLY); ssize_t n = fd < 0 ? -1 : write(fd, v, std::strlen(v)); if (fd >= 0) close(fd);
    std::fprintf(stderr, "%s ${p}\\n", n > 0 ? "SYSCTL-WRITTEN" : "sysctl-refused"); }`,
    )
    .join('\n');
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  expect(test.output).not.toContain('SYSCTL-WRITTEN');
  expect(test.output.match(/sysctl-refused/g)?.length).toBe(sysctls.length);
  expect(testPassed(test)).toBe(true);
});

it("cannot change the host's pid_max (newer kernels keep one per PID namespace: the sandbox's own may change)", async () => {
  const host = readFileSync('/proc/sys/kernel/pid_max', 'utf8');
  const lower = String(Number(host) - 1);
  const attack = `  int fd = open("/proc/sys/kernel/pid_max", O_WRONLY); ssize_t n = fd < 0 ? -1 : write(fd, "${lower}\\n", ${lower.length + 1}); if (fd >= 0) close(fd);
  std::fprintf(stderr, "pid_max write: %zd\\n", n);`;
  const build = await h.build(hostile(attack));
  expect(build.ok).toBe(true);
  let after = '';
  try {
    await h.test(build);
  } finally {
    after = readFileSync('/proc/sys/kernel/pid_max', 'utf8');
    if (after !== host && runningAsRoot()) writeFileSync('/proc/sys/kernel/pid_max', host); // put the host back
  }
  expect(after).toBe(host);
});

it('leaves nothing set-uid or set-gid behind, and its run folder is closed to other local users', async () => {
  const attack = `  int fd = open("suid-prog", O_WRONLY | O_CREAT, 0755); if (fd >= 0) close(fd);
  std::fprintf(stderr, "chmod 4755: %d\\n", chmod("suid-prog", 04755));
  mkdir("sgid-dir", 0777); chmod("sgid-dir", 02777);
  fd = open("sgid-dir/sgid-prog", O_WRONLY | O_CREAT, 0755); if (fd >= 0) close(fd); chmod("sgid-dir/sgid-prog", 06755);
  chmod(".", 0777);`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  expect(testPassed(test)).toBe(true);
  expect(test.output).toContain('chmod 4755: 0'); // it did set the bit inside
  const files = walk(build.runFolder);
  expect(files).toContain(join(build.runFolder, 'suid-prog'));
  for (const f of files) expect({ f, setId: (statSync(f).mode & 0o6000).toString(8) }).toEqual({ f, setId: '0' });
  // Closed again after the step, and the folder above it is closed to other users whatever the candidate did.
  expect((statSync(build.runFolder).mode & 0o077).toString(8)).toBe('0');
  expect((statSync(join(build.runFolder, '..')).mode & 0o007).toString(8)).toBe('0');
  if (runningAsRoot()) {
    // Model code ran as the unprivileged sandbox user: nothing it made belongs to root.
    const owner = statSync(join(build.runFolder, 'suid-prog')).uid;
    expect(owner).not.toBe(0);
    expect(owner).toBe(h.sandbox.settings.runAs?.uid);
    // Another local user cannot even reach it.
    expect(() => execFileSync('runuser', ['-u', TEST_USER, '--', 'test', '-e', join(build.runFolder, 'suid-prog')], { stdio: 'ignore' })).toThrow();
  }
});

it('a benchmark of a task without a checker hands the program no worker variable (KISYSTEM_* included)', async () => {
  const attack = '  extern char** environ; for (char** e = environ; *e; ++e) std::fprintf(stderr, "ENV %s\\n", *e);';
  const build = await h.build(hostile(attack), { checker: false });
  expect(build.ok).toBe(true);
  const test = await h.test(build);
  expect(test.verdictSource).toBe('self-reported');
  expect(test.output).toContain('ENV KISYSTEM_SEED=');
  const bench = await h.bench(build);
  expect(bench.output).toContain('ENV KISYSTEM_SEED=');
  for (const out of [test.output, bench.output]) {
    expect(out).not.toContain(SECRET);
    expect(out).not.toMatch(/ENV KISYSTEM_(?!SEED=)/);
  }
});

it('"GPU is lost" printed by a C++ answer is its own failure, never an infrastructure fault of the host', async () => {
  const build = await h.build(hostile('  std::fprintf(stderr, "CUDA error: GPU is lost (cudaErrorNoDevice)\\n"); std::exit(1);'));
  const test = await h.test(build);
  expect(testPassed(test)).toBe(false);
  const c = categorize({ phase: 'TEST', exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, solutionFile: 'twice.cpp', harnessFiles: [], limitKill: test.limitKill });
  expect(c.errorType).not.toBe('INFRA');
});

it('run-folder retention trusts neither the dates nor the modes a candidate gives its folder (dated 2100, a chmod 000 subfolder)', async () => {
  const attack = `  mkdir("locked", 0700); int fd = open("locked/x", O_WRONLY | O_CREAT, 0600); if (fd >= 0) close(fd); chmod("locked", 0);
  struct timespec t[2]; t[0].tv_sec = t[1].tv_sec = 4102444800L; t[0].tv_nsec = t[1].tv_nsec = 0; utimensat(AT_FDCWD, ".", t, 0);`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  expect(testPassed(test)).toBe(true);
  // The worker touches the folder after the step, so its own date is recent again; date it as the owner could at any time.
  utimesSync(build.runFolder, new Date('2100-01-01'), new Date('2100-01-01'));
  // Two days on, with a one-day retention, the folder goes like any other.
  const gone = await cleanRunFolders(h.workRoot, { keep_last: 0, keep_days: 1, failed_cap_mb: 0 }, Date.now() + 2 * 86_400_000);
  expect(gone).toContain(build.runFolder);
  expect(existsSync(build.runFolder)).toBe(false);
});

it('no file descriptor of the worker is open inside the sandbox', async () => {
  const attack = `  DIR* d = opendir("/proc/self/fd"); if (d) { while (dirent* e = readdir(d)) { if (e->d_name[0] == '.') continue; char p[300], target[300] = {0};
    std::snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name); ssize_t n = readlink(p, target, sizeof target - 1); if (n < 0) n = 0; target[n] = 0; std::fprintf(stderr, "FD %s -> %s\\n", e->d_name, target); } closedir(d); }`;
  const build = await h.build(hostile(attack));
  const test = await h.test(build);
  const fds = [...test.output.matchAll(/^FD (\d+) -> (.*)$/gm)].map((m) => ({ fd: Number(m[1]), target: m[2] }));
  expect(fds.length).toBeGreaterThan(0);
  // stdin, stdout, stderr and the directory being listed: nothing else.
  expect(fds.filter((f) => f.fd > 2 && !f.target.startsWith('/proc/'))).toEqual([]);
});

it("a benchmark run cannot see the host's cgroups (they name every run: a benchmark could tell itself from a test)", async () => {
  const attack = `  const char* roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory/kisystem-runs", "/sys/fs/cgroup/pids/kisystem-runs"};
  for (const char* r : roots) { DIR* d = opendir(r); if (!d) continue; while (dirent* e = readdir(d)) std::fprintf(stderr, "SYS %s/%s\\n", r, e->d_name); closedir(d); }`;
  const build = await h.build(hostile(attack));
  const bench = await h.bench(build).catch((e: { details?: { output: string }[] }) => ({ output: e.details?.[0]?.output ?? '' }));
  expect(bench.output).not.toMatch(/kisystem-runs|bench-\d|test-\d/);
});

const rerun = runningAsRoot() && !isUnprivilegedRerun() ? it : it.skip;
rerun(`holds as an unprivileged worker too: this file, hostile-bench, hostile-limits and hostile-answers run again as ${TEST_USER}`, async () => {
  for (const file of ['test/integration/hostile-host.test.ts', 'test/integration/hostile-bench.test.ts', 'test/integration/hostile-limits.test.ts', 'test/integration/hostile-answers.test.ts']) {
    const { code, output } = await rerunUnprivileged(file, 280_000);
    expect({ file, code, tail: code === 0 ? '' : output.slice(-6000) }).toEqual({ file, code: 0, tail: '' });
  }
}, 1_200_000);
