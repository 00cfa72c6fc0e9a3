/**
 * Runs a test file again as an unprivileged user, for the hostile tests that must hold whoever
 * starts the worker: when the tests run as root (CI, these machines), the file is re-run through
 * `runuser` as the local user `kisystem-tester` (created here when missing: a system user with no
 * login, no home). The inner run sees KISYSTEM_TEST_UNPRIVILEGED=1 and does not re-run itself.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

export const TEST_USER = 'kisystem-tester';

export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** True inside the re-run. */
export function isUnprivilegedRerun(): boolean {
  return process.env.KISYSTEM_TEST_UNPRIVILEGED === '1';
}

function ensureTestUser(): void {
  try {
    execFileSync('getent', ['passwd', TEST_USER], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', TEST_USER], { stdio: 'ignore' });
    } catch {
      execFileSync('getent', ['passwd', TEST_USER], { stdio: 'ignore' }); // another run created it meanwhile
    }
  }
}

/** Runs `testFile` (relative to the repository) as {@link TEST_USER}; resolves with jest's exit code and output. */
export function rerunUnprivileged(testFile: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  ensureTestUser();
  const root = join(__dirname, '..', '..');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C', KISYSTEM_TEST_UNPRIVILEGED: '1' };
  return new Promise((resolve) => {
    const child = spawn('runuser', ['-u', TEST_USER, '--', process.execPath, join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', testFile], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
