/**
 * CUDA compiled for real without a GPU: every answer of every CUDA example and every kernel of their
 * optimization sequences goes through the real build activity in the real sandbox with the host's
 * nvcc (Debian's nvidia-cuda-toolkit puts it under /usr/lib/nvidia-cuda-toolkit, inside the sandbox's
 * read-only /usr). Answers expected to build must build; those expected not to must fail, and the
 * categorizer must read nvcc's real error. Nothing runs: running CUDA code needs a GPU
 * (test/integration/examples.test.ts). Without nvcc the tests are skipped, and the skip is printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHostActivities, type HostSandbox } from '../../activities/build-test';
import { detectHost, type HostCapabilities } from '../../activities/host-capabilities';
import { setUpSandbox } from '../../activities/sandbox-host';
import type { BuildResult } from '../../contracts/activity-types';
import { exampleTaskFiles } from '../../client/demo';
import { categorize } from '../../policy/parsers/categorizer';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { loadTask } from '../../runtime/load-task';
import { PROJECT_ROOT } from '../../runtime/settings';
import { buildInputFor } from '../../workflows/host-inputs';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';
import { spawnSync } from 'node:child_process';
import { expectedOutcomes } from '../helpers/expected-outcomes';

afterAll(removeTempDirs);
jest.setTimeout(900_000);

const nvcc = spawnSync('nvcc', ['--version']).status === 0;
if (!nvcc) console.warn('CUDA build tests SKIPPED on this machine: nvcc is missing (Debian: add contrib and non-free to the apt sources and apt-get install nvidia-cuda-toolkit).');

const tasks = exampleTaskFiles(join(PROJECT_ROOT, 'examples'))
  .map((file) => loadTask(file))
  .filter((t) => t.language === 'cuda');

/** Every answer of a CUDA example: answers/ and optimization/, with the outcome expected-outcomes.txt gives it. */
function answersOf(taskFile: string): [string, boolean][] {
  const folder = join(taskFile, '..');
  const expected = new Map(expectedOutcomes(folder));
  const files = ['answers', 'optimization'].flatMap((sub) => {
    try {
      return readdirSync(join(folder, sub))
        .filter((f) => f.endsWith('.cu'))
        .map((f) => `${sub}/${f}`);
    } catch {
      return [];
    }
  });
  return files.map((f) => [f, expected.get(f) !== 'build-error']);
}

const cases = tasks.flatMap((task) => answersOf(task.sourcePath).map(([answer, builds]) => ({ task, answer, builds })));

let capabilities: HostCapabilities;
let sandbox: HostSandbox;
const config = defaultConfig();
const workRoot = tempDir('kisystem-cuda-build-');

beforeAll(async () => {
  capabilities = await detectHost('cuda-build-test');
  sandbox = await setUpSandbox(config, workRoot);
});

const run = nvcc ? it : it.skip;

describe('CUDA examples built by the real build activity with the host nvcc (no GPU needed)', () => {
  it('has CUDA answers to build', () => {
    expect(cases.length).toBeGreaterThan(10);
    expect(cases.filter((c) => !c.builds).length).toBeGreaterThan(0);
  });

  run.each(cases.map((c) => [c.task.id, c.answer, c.builds ? 'builds' : 'build error', c] as const))('%s %s -> %s', async (_id, answer, _expected, c) => {
    const host = createHostActivities({ capabilities, workRoot, sandbox });
    const files = [{ path: c.task.solution_file, content: readFileSync(join(c.task.sourcePath, '..', answer), 'utf8') }];
    const build: BuildResult = await new MockActivityEnvironment().run(
      host.buildCandidate,
      buildInputFor(c.task, config, { workflowId: `cuda-build-${c.task.id}`, workflowRunId: 'run' }, Math.floor(Math.random() * 1e9), files),
    );
    expect(build.sandbox).toBe('bubblewrap');
    expect(build.command[0]).toBe('nvcc');
    if (c.builds) {
      expect({ ok: build.ok, output: build.output }).toEqual({ ok: true, output: expect.any(String) });
      return;
    }
    expect(build.ok).toBe(false);
    const category = categorize({ phase: 'BUILD', exitCode: build.exitCode, signal: build.signal, timedOut: build.timedOut, output: build.output, solutionFile: c.task.solution_file, harnessFiles: c.task.harnessFiles.map((f) => f.path) });
    expect(category).toMatchObject({ errorType: 'COMPILATION', recoverable: true });
    // nvcc's own error line, naming the model's file: "<file>.cu(<line>): error: ..."
    expect(category.firstErrorLine).toMatch(new RegExp(`${c.task.solution_file.replace('.', '\\.')}\\(\\d+\\): error`));
  });
});
