/**
 * Every answer of every example, through the real build and test activities (g++ or nvcc, the real
 * harness, resource limits), must end as its expected-outcomes.txt says. The CUDA examples need
 * nvcc and an NVIDIA GPU: without them they are skipped, and the skip is printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHostActivities } from '../../activities/build-test';
import { detectHost, type HostCapabilities } from '../../activities/host-capabilities';
import type { HostSandbox } from '../../activities/build-test';
import { setUpSandbox } from '../../activities/sandbox-host';
import type { BuildResult, TestResult } from '../../contracts/activity-types';
import { categorize, parseVerdict } from '../../policy/parsers/categorizer';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { loadTask } from '../../runtime/load-task';
import { PROJECT_ROOT } from '../../runtime/settings';
import { exampleTaskFiles } from '../../client/demo';
import { cudaHost } from '../helpers/cuda-host';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';
import { expectedOutcomes } from '../helpers/expected-outcomes';

// The folders this file makes go with it.
afterAll(removeTempDirs);

jest.setTimeout(300_000);

const KNOWN = ['pass', 'fail', 'cuda-error', 'build-error', 'fail-or-crash'] as const;
type Expected = (typeof KNOWN)[number];

function expectations(taskFile: string): [string, Expected][] {
  return expectedOutcomes(join(taskFile, '..')).map(([answer, expected]) => {
    if (!(KNOWN as readonly string[]).includes(expected)) throw new Error(`${taskFile}: expected-outcomes.txt: unknown expected outcome "${expected}" for ${answer} (known: ${KNOWN.join(', ')})`);
    return [answer, expected as Expected];
  });
}

let capabilities: HostCapabilities;
let sandbox: HostSandbox;
const config = defaultConfig();
const workRoot = tempDir('kisystem-examples-');

beforeAll(async () => {
  capabilities = await detectHost('examples-test');
  // The examples run in the real sandbox (bubblewrap, cgroups where writable), as on a worker.
  sandbox = await setUpSandbox(config, workRoot);
});

const tasks = exampleTaskFiles(join(PROJECT_ROOT, 'examples')).map((file) => loadTask(file));
const cases = tasks.flatMap((task) => expectations(task.sourcePath).map(([answer, expected]) => ({ task, answer, expected })));

const cuda = cudaHost();
if (!cuda.ok) console.warn(`CUDA example tests SKIPPED on this machine: ${cuda.why}. Run them on a GPU host (npx jest test/integration/examples.test.ts).`);

describe.each(['cpp', 'cuda'] as const)('%s examples with their real compiler and harness', (language) => {
  const mine = cases.filter((c) => c.task.language === language);
  const run = language === 'cuda' && !cuda.ok ? it.skip : it;

  run.each(mine.map((c) => [c.task.id, c.answer, c.expected, c] as const))('%s %s -> %s', async (_id, answer, expected, c) => {
    const host = createHostActivities({ capabilities, workRoot, sandbox });
    const env = new MockActivityEnvironment();
    const code = readFileSync(join(c.task.sourcePath, '..', answer), 'utf8');
    const attemptNo = Math.floor(Math.random() * 1e9);
    const build: BuildResult = await env.run(host.buildCandidate, {
      workflowId: `examples-${c.task.id}`, workflowRunId: 'test', attemptNo, language: c.task.language,
      harnessFiles: c.task.harnessFiles, modelFiles: [{ path: c.task.solution_file, content: code }], solutionFile: c.task.solution_file,
      sources: c.task.build.sources, flags: c.task.build.flags, output: c.task.build.output, timeoutS: config.timeouts.build, keepChars: config.output_keep_chars,
    });
    const harness = c.task.harnessFiles.map((f) => f.path);
    if (expected === 'build-error') {
      expect(build.ok).toBe(false);
      expect(categorize({ phase: 'BUILD', exitCode: build.exitCode, signal: build.signal, timedOut: build.timedOut, output: build.output, solutionFile: c.task.solution_file, harnessFiles: harness })).toMatchObject({ errorType: 'COMPILATION', recoverable: true });
      return;
    }
    expect({ ok: build.ok, output: build.output }).toEqual({ ok: true, output: expect.any(String) });
    const test: TestResult = await env.run(host.testCandidate, {
      runFolder: build.runFolder, command: c.task.test.command, language: c.task.language, timeoutS: config.timeouts.test, keepChars: config.output_keep_chars,
      limits: { cpuSeconds: config.sandbox.cpu_seconds, memoryMb: config.sandbox.memory_mb, maxProcesses: config.sandbox.max_processes, maxFileMb: config.sandbox.max_file_mb },
      seed: 12345,
    });
    const verdict = parseVerdict(test.output).verdict;
    const category = categorize({ phase: 'TEST', exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, solutionFile: c.task.solution_file, harnessFiles: harness });
    switch (expected) {
      case 'pass':
        expect({ exit: test.exitCode, verdict, output: test.output }).toMatchObject({ exit: 0, verdict: 'PASS' });
        break;
      case 'fail':
        expect({ verdict, errorType: category.errorType }).toEqual({ verdict: 'FAIL', errorType: 'LOGIC' });
        break;
      case 'cuda-error':
        expect(category).toMatchObject({ errorType: 'RUNTIME', rule: expect.stringMatching(/^cuda-/) });
        break;
      case 'fail-or-crash':
        expect(verdict === 'PASS' && test.exitCode === 0).toBe(false);
        expect(['LOGIC', 'RUNTIME']).toContain(category.errorType);
        break;
      default: {
        // A mistyped expectation must fail, never pass silently.
        const unknown: never = expected;
        throw new Error(`${c.task.id} ${c.answer}: unknown expected outcome ${JSON.stringify(unknown)} (expected-outcomes.txt)`);
      }
    }
  });
});
