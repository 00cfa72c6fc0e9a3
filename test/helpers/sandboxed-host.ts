/**
 * The real build and test activities inside the real sandbox (bubblewrap, cgroups where writable),
 * for the hostile-answer tests, with a tiny task whose verdict comes from a trusted checker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHostActivities, type HostSandbox } from '../../activities/build-test';
import type { HostCapabilities } from '../../activities/host-capabilities';
import { setUpSandbox } from '../../activities/sandbox-host';
import type { BuildResult, TestResult } from '../../contracts/activity-types';
import { createProfileActivities } from '../../activities/profile';
import type { BenchmarkClock, MicrobenchmarkResult } from '../../contracts/profile-types';
import { defaultConfig, type KisystemConfig } from '../../policy/schemas/config-schema';

/** The candidate side of the tiny task: answers each input x with twice(x). */
export const TWICE_HARNESS = `#include "kisystem_io.h"
int twice(int x);
int main() {
  kio::Candidate io;
  std::vector<char> in;
  while (io.next(in)) {
    kio::Reader r(in);
    const int x = r.get<int>();
    const int reps = r.get<int>();
    int y = 0;
    for (int k = 0; k < reps; ++k) y = twice(x);
    kio::Writer w;
    w.put<int>(y);
    io.reply(w);
  }
  return 0;
}
`;

/** The trusted checker of the tiny task: inputs from the seed, reference 2*x. */
export const TWICE_CHECKER = `#include "kisystem_io.h"
void kio_cases(const std::string& mode, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  const int n = mode == "bench" ? 7 : 20;
  for (int i = 0; i < n; ++i) {
    kio::Writer w;
    w.put<int>(static_cast<int>(rng() % 100000));
    // bench: a warm-up, then pairs of 1 and 2 calls (KISYSTEM_CHECKER_MAIN below)
    w.put<int>(mode == "bench" && i > 0 && i % 2 == 0 ? 2 : 1);
    cases.push_back(w.bytes);
  }
}
std::string kio_check(const std::string&, std::size_t, const std::vector<char>& in, const std::vector<char>& out) {
  kio::Reader a(in), b(out);
  const int x = a.get<int>();
  const int y = b.get<int>();
  if (!b.ok) return "the answer is cut short";
  if (y != 2 * x) return "twice(" + std::to_string(x) + ") returned " + std::to_string(y);
  return "";
}
KISYSTEM_CHECKER_MAIN("twice", 1, 2)
`;

/** The candidate side of the tiny task without a checker: its own (forgeable) verdict and bench lines. */
export const UNCHECKED_HARNESS = `#include <cstdio>
int twice(int x);
int main() {
  std::printf("KISYSTEM_VERDICT: %s\\n", twice(21) == 42 ? "PASS" : "FAIL");
  std::printf("KISYSTEM_BENCH kernel=twice ms=1.0\\n");
  return 0;
}
`;

export interface SandboxedHost {
  workRoot: string;
  sandbox: HostSandbox;
  config: KisystemConfig;
  /** `checker: false`: the task has no trusted checker (UNCHECKED_HARNESS unless `harness` is given); a string: the checker's source. */
  build(solution: string, opts?: { timeoutS?: number; harness?: string; checker?: boolean | string }): Promise<BuildResult>;
  test(build: BuildResult, opts?: { timeoutS?: number; limits?: Partial<TestLimits>; env?: MockActivityEnvironment }): Promise<TestResult>;
  /** The real microbenchmark activity (profile.ts) on a build, in the same sandbox; `clock` as a task's `benchmark.clock`. */
  bench(build: BuildResult, clock?: BenchmarkClock): Promise<MicrobenchmarkResult>;
  cleanup(): void;
}

type TestLimits = { cpuSeconds: number; memoryMb: number; maxProcesses: number; maxFileMb: number };

export async function sandboxedHost(overrides: Partial<KisystemConfig['sandbox']> = {}): Promise<SandboxedHost> {
  const base = defaultConfig();
  const config = { ...base, sandbox: { ...base.sandbox, ...overrides } } as KisystemConfig;
  const workRoot = mkdtempSync(join(tmpdir(), 'kisystem-hostile-'));
  const sandbox = await setUpSandbox(config, workRoot);
  const capabilities: HostCapabilities = { hostId: 'hostile-test', hostQueue: 'hostile-test@h', gxx: 'g++', nvcc: null, gpus: [], ncu: null, nsysWorks: false };
  const host = createHostActivities({ capabilities, workRoot, sandbox });
  let attempt = 0;
  return {
    workRoot,
    sandbox,
    config,
    build: (solution, opts = {}) =>
      new MockActivityEnvironment().run(host.buildCandidate, {
        workflowId: 'hostile',
        workflowRunId: 'run',
        attemptNo: ++attempt,
        language: 'cpp' as const,
        harnessFiles:
          opts.checker === false
            ? [{ path: 'harness.cpp', content: opts.harness ?? UNCHECKED_HARNESS }]
            : [
                { path: 'harness.cpp', content: opts.harness ?? TWICE_HARNESS },
                { path: 'checker.cpp', content: typeof opts.checker === 'string' ? opts.checker : TWICE_CHECKER },
              ],
        modelFiles: [{ path: 'twice.cpp', content: solution }],
        solutionFile: 'twice.cpp',
        sources: ['harness.cpp', 'twice.cpp'],
        flags: ['-std=c++17', '-O1', '-pthread'],
        output: 'candidate',
        timeoutS: opts.timeoutS ?? 120,
        keepChars: 8000,
      }),
    test: (build, opts = {}) =>
      (opts.env ?? new MockActivityEnvironment()).run(host.testCandidate, {
        runFolder: build.runFolder,
        command: ['./candidate'],
        language: 'cpp' as const,
        timeoutS: opts.timeoutS ?? 60,
        keepChars: 8000,
        limits: { cpuSeconds: 60, memoryMb: 4096, maxProcesses: 256, maxFileMb: 256, ...opts.limits },
        seed: 4242,
      }),
    bench: (build, clock) =>
      new MockActivityEnvironment().run(createProfileActivities({ capabilities, sandbox }).microbenchmark, {
        runFolder: build.runFolder,
        command: ['./candidate'],
        timeoutS: 60,
        keepChars: 8000,
        seed: 99,
        clock,
      }),
    cleanup: () => rmSync(workRoot, { recursive: true, force: true }),
  };
}
