/**
 * The categorizer tells the task's faults from the answer's on real g++ 12 output
 * (test/fixtures/toolchain, captured on this machine): two harness files with a main() each, a
 * build source that is not there, against a solution that defines main() itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { categorize, isTaskFault } from '../../policy/parsers/categorizer';
import type { ProcessOutcome } from '../../policy/run-types';

function build(fixture: string, partial: Partial<ProcessOutcome>): ProcessOutcome {
  const lines = readFileSync(join(__dirname, '..', 'fixtures', 'toolchain', fixture), 'utf8').trimEnd().split('\n');
  const status = /^exit=(\d+)/.exec(lines[lines.length - 1] ?? '');
  if (status) lines.pop();
  return { phase: 'BUILD', exitCode: status ? Number(status[1]) : 1, signal: null, timedOut: false, output: lines.join('\n'), solutionFile: 'sol.cpp', harnessFiles: ['harness.cpp'], ...partial };
}

describe('task faults in the build', () => {
  it.each([
    ['two harness files define main() (a checker not named checker*)', build('gxx_harness_two_mains.txt', { harnessFiles: ['harness.cpp', 'dc_checker.cpp'] }), 'harness-link', 'dc_checker.cpp and harness.cpp'],
    ['a build source that is not in the run folder', build('gxx_missing_source.txt', { harnessFiles: ['harness.cpp', 'checker_x.cpp'] }), 'harness-file-missing', 'checker_x.cpp'],
    [
      'nvcc cannot open a source',
      { ...build('gxx_missing_source.txt', {}), output: "nvcc fatal   : Could not open input file 'ref.cu'" },
      'harness-file-missing',
      'ref.cu',
    ],
    [
      'the harness itself does not compile',
      { ...build('gxx_missing_source.txt', {}), output: 'harness.cpp:1:10: fatal error: checker.h: No such file or directory\ncompilation terminated.' },
      'harness-broken',
      'checker.h',
    ],
  ])('%s: the task, not the answer', (_name, outcome, rule, names) => {
    const c = categorize(outcome);
    expect(c).toMatchObject({ rule, severity: 5, recoverable: false, errorType: 'COMPILATION' });
    expect(`${c.firstErrorLine} ${c.hint}`).toContain(names);
    expect(isTaskFault(c)).toBe(true);
  });

  it.each([
    ['the solution defines main() next to the harness', build('gxx_solution_defines_main.txt', { solutionFile: 'sol2.cpp' }), 'link-multiple-definition'],
    [
      'a header solution defined twice through two harness files',
      { ...build('gxx_harness_two_mains.txt', { solutionFile: 'queue.h', harnessFiles: ['harness.cpp', 'dc_checker.cpp'] }) },
      'link-multiple-definition',
    ],
    ['the solution file itself is missing (it never is: the model wrote it)', { ...build('gxx_missing_source.txt', { solutionFile: 'checker_x.cpp' }) }, 'build-failed'],
    [
      'a compile error in the solution',
      { ...build('gxx_missing_source.txt', {}), output: "sol.cpp:3:1: error: expected ';' before '}' token" },
      'gxx-compile',
    ],
  ])('%s: the answer', (_name, outcome, rule) => {
    const c = categorize(outcome);
    expect(c.rule).toBe(rule);
    expect(isTaskFault(c)).toBe(false);
  });
});

describe('the verdict line the model reads', () => {
  const long = `KISYSTEM_VERDICT: FAIL case 3: biquad_process(fs=48000, fc=1000, q=0.7071) block split ${'[64, 128, 7, 301] '.repeat(12)}: out[517] = 0.412345678, expected 0.398765432 (tolerance 1e-5 relative)`;

  it('is shown whole when it fits the limit, with its "expected ..." part', () => {
    const line = 'KISYSTEM_VERDICT: FAIL case 1: lowpass_coeffs(fs=48000, fc=1000, q=0.7071): b0 = 0.004277569313, expected 0.003916126661';
    const c = categorize({ phase: 'TEST', exitCode: 1, signal: null, timedOut: false, output: `[verdict of the task's trusted checker]\n${line}`, solutionFile: 'biquad.cpp', harnessFiles: ['harness.cpp'] });
    expect(c.firstErrorLine).toBe(line);
    expect(c.hint).toContain('b0 = 0.004277569313, expected 0.003916126661');
  });

  it('loses its middle, never its end, past the limit', () => {
    const c = categorize({ phase: 'TEST', exitCode: 1, signal: null, timedOut: false, output: long, solutionFile: 'biquad.cpp', harnessFiles: ['harness.cpp'] });
    expect(c.firstErrorLine.length).toBeLessThanOrEqual(300);
    expect(c.firstErrorLine).toMatch(/^KISYSTEM_VERDICT: FAIL case 3: biquad_process/);
    expect(c.firstErrorLine).toMatch(/expected 0\.398765432 \(tolerance 1e-5 relative\)$/);
    expect(c.hint).toContain('expected 0.398765432');
  });
});
