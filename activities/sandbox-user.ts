/**
 * The host user model code runs as. A worker started by root never runs model code as root: with
 * root outside, the sandbox's user namespace maps its user to host root, so `/proc/sys` is
 * writable and files it leaves (set-uid programs included) belong to root. Such a worker starts
 * every sandboxed step as a dedicated unprivileged system user (config `sandbox.run_as_user`,
 * default `kisystem-sandbox`): its own uid and group, no login, no home, no supplementary groups,
 * owning nothing on the host but the run folders handed to it. It is looked up by name, and created
 * with `useradd --system` when missing (the worker is root then). A worker that is not root runs
 * model code as itself, as before: it holds nothing more to protect.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
}

export class SandboxUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUserError';
  }
}

export function workerIsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function lookUp(name: string): Promise<SandboxUser | null> {
  try {
    const { stdout } = await run('getent', ['passwd', name], { env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } });
    const [, , uid, gid] = stdout.trim().split(':');
    return { name, uid: Number(uid), gid: Number(gid) };
  } catch {
    return null; // getent exits 2 for a missing name
  }
}

/**
 * The user a root worker runs model code as, created when missing; null for a worker that is not
 * root (it runs model code as itself). Throws SandboxUserError when the user cannot be had or is
 * privileged (uid or gid 0): a root worker never falls back to running model code as root.
 */
export async function resolveSandboxUser(name: string, isRoot = workerIsRoot()): Promise<SandboxUser | null> {
  if (!isRoot) return null;
  let user = await lookUp(name);
  if (!user) {
    try {
      // --system: a uid below UID_MIN, no aging; --user-group: a group of its own; no home, no shell.
      await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name], {
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
    } catch (error) {
      // Two workers starting at once: the other one created it.
      if (!(await lookUp(name))) {
        throw new SandboxUserError(`the worker runs as root, so model code must run as the unprivileged user "${name}" (config sandbox.run_as_user), which does not exist and cannot be created: ${(error as Error).message}; create it (useradd --system --user-group ${name}) or start the worker as an unprivileged user`);
      }
    }
    user = await lookUp(name);
  }
  if (!user || !Number.isInteger(user.uid) || !Number.isInteger(user.gid)) throw new SandboxUserError(`the sandbox user "${name}" cannot be read from the user database`);
  if (user.uid === 0 || user.gid === 0) throw new SandboxUserError(`the sandbox user "${name}" (config sandbox.run_as_user) is privileged (uid ${user.uid}, gid ${user.gid}): name an unprivileged user`);
  return user;
}

/**
 * The prefix that starts a program as `user` (setpriv from util-linux): real and effective ids,
 * no supplementary groups, no capabilities in any set, no_new_privs. Empty for null (the worker's own user).
 */
export function runAsArgs(user: SandboxUser | null): string[] {
  if (!user) return [];
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'];
}
