/**
 * `kisystem check-task` on the shipped examples and on broken tasks, with the worker's real build
 * and test activities in the real sandbox (bubblewrap) and the task's real checker: each answer's
 * outcome, what the model would be shown, and the exit code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_EXIT, checkTask } from '../../client/check-task';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { PROJECT_ROOT } from '../../runtime/settings';
import { TWICE_CHECKER, TWICE_HARNESS } from '../helpers/sandboxed-host';

jest.setTimeout(240_000);

const BIQUAD = join(PROJECT_ROOT, 'examples', 'biquad-filter');

async function check(taskPath: string, answers: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await checkTask({ taskPath, answers, config: defaultConfig(), keep: false, out: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kisystem-check-task-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function twiceTask(files: Record<string, string>, extra = ''): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const listed = Object.keys(files).filter((f) => f !== 'twice.cpp' && f !== 'ref.cpp');
  writeFileSync(join(dir, 'task.yaml'), `id: twice\ntitle: Twice\nlanguage: cpp\ngoal: Write twice.cpp.\nsolution_file: twice.cpp\nharness:\n  files: [${listed.join(', ')}]\nbuild: { flags: ["-std=c++17"] }\n${extra}`);
  return join(dir, 'task.yaml');
}

describe('kisystem check-task', () => {
  it('runs the biquad example\'s answers as the worker does and prints what the model would be shown', async () => {
    const answers = ['biquad_tdf2_correct.cpp', 'biquad_not_normalized.cpp', 'biquad_compile_error.cpp'].map((a) => join(BIQUAD, 'answers', a));
    const { code, out } = await check(join(BIQUAD, 'task.yaml'), answers);
    expect(code).toBe(CHECK_EXIT.answerFailed);
    expect(out).toContain("verdict from the task's checker");
    expect(out).toMatch(/biquad_tdf2_correct\.cpp:\n {2}build \([\d.]+ s, bubblewrap\): g\+\+ -std=c\+\+17 -O2 -o candidate harness\.cpp biquad\.cpp\n {2}test .*\n {2}PASSED: KISYSTEM_VERDICT: PASS/);
    // The wrong answer: the checker's whole verdict line, with what was expected, as the model reads it.
    expect(out).toMatch(/\| First error: KISYSTEM_VERDICT: FAIL case \d+: .*expected [-\d.e]+/);
    expect(out).toContain('| ## Your previous attempt failed (LOGIC in TEST, severity 2)');
    expect(out).toContain('| ## Your previous attempt failed (COMPILATION in BUILD, severity 2)');
    expect(out).toContain("too many initializers for 'BiquadCoeffs'");
    expect(out).toMatch(/biquad-filter: an answer failed .*\(exit 1\)$/);
  });

  it('runs the task\'s reference_answer when no answer is given: exit 0', async () => {
    const task = twiceTask({ 'harness.cpp': TWICE_HARNESS, 'checker.cpp': TWICE_CHECKER, 'ref.cpp': 'int twice(int x) { return x + x; }\n' }, 'reference_answer: ref.cpp\n');
    const { code, out } = await check(task, []);
    expect({ code, out }).toMatchObject({ code: CHECK_EXIT.passed });
    expect(out).toContain('reference_answer:\n');
  });

  it('a checker that does not build is the task\'s fault: exit 3', async () => {
    const task = twiceTask({ 'harness.cpp': TWICE_HARNESS, 'checker.cpp': `${TWICE_CHECKER}\nnot C++ at all;\n`, 'twice.cpp': 'int twice(int x) { return 2 * x; }\n' });
    const { code, out } = await check(task, [join(dir, 'twice.cpp')]);
    expect(code).toBe(CHECK_EXIT.taskFault);
    expect(out).toContain('TASK FAULT (CheckerBuildFailed)');
  });

  it('a misnamed checker is refused before anything runs: exit 2', async () => {
    const task = twiceTask({ 'harness.cpp': TWICE_HARNESS, 'dc_checker.cpp': TWICE_CHECKER, 'twice.cpp': 'int twice(int x) { return 2 * x; }\n' });
    const { code, out } = await check(task, [join(dir, 'twice.cpp')]);
    expect(code).toBe(CHECK_EXIT.refused);
    expect(out).toContain(`${task}: harness.files: dc_checker.cpp: is named like a checker`);
  });
});
