/**
 * Whether Nsight Systems works on this host: `nsys --version` answers, and `nsys profile` of a
 * trivial program (`true`) writes a report file. The probe has a time limit of its own (a toolkit
 * without a GPU may hang in it) and leaves nothing running: `nsys profile` starts a helper daemon
 * (`nsys --start-agent`) that outlives it outside its process group, so everything the probe starts
 * carries a marker in its environment and whatever still carries it at the end is killed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endProcessesCarrying } from '../runtime/marked-processes';
import { ProgramNotStartedError, runProcess, type ProcessResult } from './run-process';

/** The environment variable that marks the processes of one probe. */
export const NSYS_PROBE_MARKER = 'KISYSTEM_NSYS_PROBE';

/** The whole probe's time limit when none is given: `--version` and the profile of `true` together. */
export const NSYS_PROBE_TIMEOUT_MS = 60_000;

export interface NsysProbeResult {
  works: boolean;
  /** Why not, for people (the host description and the profiler choice's message); '' when it works. */
  why: string;
}

export interface NsysProbeOptions {
  /** The program (default `nsys` on PATH). */
  nsys?: string;
  /** The time limit of the whole probe. */
  timeoutMs?: number;
  /** The marker value of this probe's processes (default: a fresh one). */
  marker?: string;
}

/** A probe of nsys, for the places that ask for one (injected in tests, so that they never start the real tool). */
export type NsysProbe = () => Promise<NsysProbeResult>;

/** Probes nsys; never throws: a failure is `works: false` with the reason. */
export async function probeNsys(options: NsysProbeOptions = {}): Promise<NsysProbeResult> {
  const nsys = options.nsys ?? 'nsys';
  const timeoutMs = options.timeoutMs ?? NSYS_PROBE_TIMEOUT_MS;
  const marker = options.marker ?? randomUUID();
  const deadline = Date.now() + timeoutMs;
  const folder = mkdtempSync(join(tmpdir(), 'kisystem-nsys-probe-'));
  const step = (args: string[]): Promise<ProcessResult> =>
    runProcess({
      command: [nsys, ...args],
      cwd: folder,
      timeoutMs: Math.max(1, deadline - Date.now()),
      keepChars: 2000,
      env: { ...process.env, [NSYS_PROBE_MARKER]: marker },
    });
  const ended = (what: string, r: ProcessResult): string =>
    r.timedOut
      ? `${what} ran past the probe's ${timeoutMs / 1000} s limit (killed with everything it started)`
      : `${what} ${r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`}: ${r.output.trim().split('\n').slice(-2).join(' | ')}`;
  try {
    const version = await step(['--version']);
    if (version.exitCode !== 0 || version.timedOut) return { works: false, why: ended(`${nsys} --version`, version) };
    const out = join(folder, 'probe');
    const profile = await step(['profile', '--force-overwrite=true', '-o', out, 'true']);
    if (existsSync(`${out}.nsys-rep`) || existsSync(`${out}.qdrep`)) return { works: true, why: '' };
    return { works: false, why: profile.exitCode === 0 && !profile.timedOut ? `${nsys} profile wrote no report` : ended(`${nsys} profile`, profile) };
  } catch (error) {
    if (error instanceof ProgramNotStartedError) return { works: false, why: `${nsys} is not installed (${error.code})` };
    return { works: false, why: `the nsys probe failed: ${(error as Error).message}` };
  } finally {
    await endProcessesCarrying(NSYS_PROBE_MARKER, marker);
    rmSync(folder, { recursive: true, force: true });
  }
}
