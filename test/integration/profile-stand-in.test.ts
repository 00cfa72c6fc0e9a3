/**
 * Tier 1 runs the benchmark exactly as tier 0 does, with only the profiler in front: the profiled
 * program gets the checker's bench frames on stdin, in the same sandbox. Proven with the real build,
 * the real sandbox (bubblewrap), the real trusted checker and a TEST-ONLY ncu stand-in
 * (test/stand-ins/ncu-stand-in.sh) on PATH: it runs its target as given, passes stdin through, fails
 * like ncu's "No kernels were profiled" when the target received no input frame, and otherwise
 * writes a real ncu details report (recorded on an H200) for the real parser. A profile run with
 * stdin closed, as tier 1 once did, fails here; so does one that lets the profiler write its own
 * lines to stdout among the answer frames (the stand-in logs there by default, as ncu does on an H200). The tiny task is host C++ profiled as a CUDA task
 * (`language: 'cuda'` picks ncu): the benchmark path is the same whatever the candidate computes.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { HostCapabilities } from '../../activities/host-capabilities';
import { createProfileActivities } from '../../activities/profile';
import type { BuildResult } from '../../contracts/activity-types';
import { sandboxedHost, type SandboxedHost } from '../helpers/sandboxed-host';

jest.setTimeout(180_000);

const STAND_IN = join(__dirname, '..', 'stand-ins', 'ncu-stand-in.sh');
const REPORT = join(__dirname, '..', 'fixtures', 'h200', 'ncu_mm_tiled_details.csv');

let h: SandboxedHost;
let build: BuildResult;
let standInFolder: string;
const savedPath = process.env.PATH;

beforeAll(async () => {
  h = await sandboxedHost();
  // The stand-in lives in a folder of its own under the test's work root, named `ncu`.
  standInFolder = join(h.workRoot, 'ncu-stand-in');
  mkdirSync(standInFolder);
  copyFileSync(STAND_IN, join(standInFolder, 'ncu'));
  chmodSync(join(standInFolder, 'ncu'), 0o755);
  copyFileSync(REPORT, join(standInFolder, 'ncu-report.csv'));
  process.env.PATH = `${standInFolder}:${savedPath}`;
  build = await h.build('int twice(int x) { return 2 * x; }\n');
  expect({ ok: build.ok, output: build.output }).toEqual({ ok: true, output: expect.any(String) });
});

afterAll(() => {
  process.env.PATH = savedPath;
  h?.cleanup();
});

function profileActivities(sandboxed = true) {
  const capabilities: HostCapabilities = { hostId: 'stand-in-test', hostQueue: 'stand-in-test@h', gxx: 'g++', nvcc: null, gpus: [], ncu: 'kisystem test-only ncu stand-in', nsysWorks: false };
  return createProfileActivities({ capabilities, sandbox: sandboxed ? h.sandbox : undefined });
}

describe('tier 1 through the benchmark path (test-only ncu stand-in)', () => {
  it('profiles the checked benchmark with the checker frames on stdin, in the sandbox, and scores the report', async () => {
    const input = { runFolder: build.runFolder, command: ['./candidate'], kernelRegex: 'twice', tool: 'auto' as const, timeoutS: 60, keepChars: 8000, seed: 7, language: 'cuda' as const };
    const result = await new MockActivityEnvironment().run(profileActivities().fullProfile, input);
    expect(result).toMatchObject({ tool: 'ncu', score: 91.44, fellBack: null });
    // The stand-in kept what it passed through: the checker's 7 bench frames of twice's task
    // (8-byte length + 8-byte payload each), exactly what the timed benchmark gets.
    const copied = readFileSync(join(build.runFolder, 'prof.stdin'));
    expect(copied.length).toBe(7 * 16);
    expect(existsSync(join(build.runFolder, 'prof.ncu-rep'))).toBe(true);
  });

  it('does the same unsandboxed (sandbox kind none): the frames reach the profiled program', async () => {
    const input = { runFolder: build.runFolder, command: ['./candidate'], tool: 'auto' as const, timeoutS: 60, keepChars: 8000, seed: 8, language: 'cuda' as const };
    const result = await new MockActivityEnvironment().run(profileActivities(false).fullProfile, input);
    expect(result).toMatchObject({ tool: 'ncu', score: 91.44 });
    expect(readFileSync(join(build.runFolder, 'prof.stdin')).length).toBe(7 * 16);
  });

  it('a candidate whose profiled answers the checker rejects is BenchmarkFailed, not a score', async () => {
    const wrong = await h.build('int twice(int x) { return x > 50000 ? 2 * x + 1 : 2 * x; }\n');
    const input = { runFolder: wrong.runFolder, command: ['./candidate'], tool: 'auto' as const, timeoutS: 60, keepChars: 8000, seed: 7, language: 'cuda' as const };
    const error = await new MockActivityEnvironment().run(profileActivities().fullProfile, input).then(
      () => null,
      (e: unknown) => e as { type?: string; message?: string },
    );
    expect(error?.type).toBe('BenchmarkFailed');
    expect(error?.message).toContain('KISYSTEM_VERDICT: FAIL');
  });
});
