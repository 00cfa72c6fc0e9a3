import { categorize } from '../../policy/parsers/categorizer';
import { categorizeLimitKill, compilerFileSizeKill, LIMIT_KINDS } from '../../policy/parsers/limit-kill';

const outcome = { phase: 'TEST' as const, exitCode: 137, signal: null, timedOut: false, output: 'working...\n', solutionFile: 's.cpp', harnessFiles: [] };

it.each([
  ['cpu', /CPU time/, /memory/],
  ['memory', /memory/, /CPU/],
  ['processes', /processes or threads/, /memory/],
  ['disk', /disk/, /CPU/],
  ['time', /time limit/, /memory/],
] as const)('a %s kill is named by what happened', (kind, says, never) => {
  const c = categorize({ ...outcome, limitKill: kind });
  expect(c).toMatchObject({ errorType: 'RUNTIME', phase: 'TEST', rule: `limit-${kind}`, recoverable: true });
  expect(c.hint).toMatch(says);
  expect(c.hint).not.toMatch(never);
  expect(c.severity).toBeGreaterThanOrEqual(4);
});

it('a build killed for memory (#include "/dev/zero") blames the include, a profile kill has its own rule name', () => {
  expect(categorizeLimitKill('memory', 'BUILD')!.hint).toMatch(/#include/);
  expect(categorizeLimitKill('cpu', 'PROFILE')!.rule).toBe('profile-limit-cpu');
});

it('no or an unknown limit leaves the ordinary rules in charge', () => {
  expect(categorizeLimitKill(null, 'TEST')).toBeNull();
  expect(categorizeLimitKill('gpu', 'TEST')).toBeNull();
  expect(categorize({ ...outcome, exitCode: 1, output: 'KISYSTEM_VERDICT: FAIL wrong\n' }).errorType).toBe('LOGIC');
  expect(LIMIT_KINDS).toHaveLength(5);
});

it.each([
  ['g++: internal compiler error: File size limit exceeded signal terminated program as\nPlease submit a full bug report.', true],
  ['/usr/bin/g++-12: fatal error: cc1plus terminated with signal 25 [File size limit exceeded]', true],
  ["nvcc error   : 'ptxas' died due to signal 25", true],
  ['collect2: fatal error: ld terminated with signal 25 [File size limit exceeded]', true],
  // Diagnostics quoting the answer start with its file name: the answer cannot claim the limit.
  ['solution.cpp:3:2: error: #error "g++: internal compiler error: File size limit exceeded"', false],
  ['    3 | g++: File size limit exceeded', false],
  ['solution.cpp:1:1: error: expected unqualified-id', false],
  ['g++: internal compiler error: Killed (program cc1plus)', false],
])('a driver line names a program killed for its file size: %s -> %s', (output, killed) => {
  expect(compilerFileSizeKill(output)).toBe(killed);
});
