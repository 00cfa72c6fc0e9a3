/**
 * The error categorizer on real tool output (test/fixtures, copied from shared/fixtures: nvcc 13.0,
 * g++ 12.2, ASan, CUDA 13.0 runtime and compute-sanitizer on an H200), plus synthetic cases for what
 * no fixture covers, and a property test that it never throws.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  MAX_LINE_LENGTH,
  categorize,
  categorizePerformance,
  categorizeWrongResult,
  parseVerdict,
  testPassed,
} from '../../policy/parsers/categorizer';
import { clip } from '../../policy/parsers/categorizer/context';
import { ERROR_TYPES, type Categorization, type ProcessOutcome } from '../../policy/run-types';

const FIXTURES = join(__dirname, '..', 'fixtures');

/**
 * Reads a fixture as (output, exitCode). The capture scripts appended the exit status as a last
 * line `exit=N ...` or `rc=N`; that line is not part of the program's output.
 */
function readFixture(name: string): { output: string; exitCode: number | null } {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').replace(/\s+$/, '').split('\n');
  const status = /^(?:exit|rc)=(\d+)/.exec(lines[lines.length - 1] ?? '');
  if (status) lines.pop();
  return { output: lines.join('\n').trim(), exitCode: status ? Number(status[1]) : null };
}

function outcome(partial: Partial<ProcessOutcome>): ProcessOutcome {
  return {
    phase: 'TEST',
    exitCode: 1,
    signal: null,
    timedOut: false,
    output: '',
    solutionFile: 'solution.cu',
    harnessFiles: ['harness.cu', 'solution.h'],
    ...partial,
  };
}

function fromFixture(name: string, partial: Partial<ProcessOutcome>): ProcessOutcome {
  const { output, exitCode } = readFixture(name);
  return outcome({ output, exitCode, ...partial });
}

interface Expected {
  errorType: Categorization['errorType'];
  severity: Categorization['severity'];
  recoverable: boolean;
  rule: string;
  /** Substring of firstErrorLine ("" to require an empty line). */
  line: string;
  /** Substring of hint. */
  hint: string;
}

function expectCategorization(actual: Categorization, phase: ProcessOutcome['phase'], e: Expected): void {
  expect({ ...actual, hint: undefined, firstErrorLine: undefined }).toEqual({
    errorType: e.errorType,
    phase,
    severity: e.severity,
    recoverable: e.recoverable,
    rule: e.rule,
    hint: undefined,
    firstErrorLine: undefined,
  });
  if (e.line === '') expect(actual.firstErrorLine).toBe('');
  else expect(actual.firstErrorLine).toContain(e.line);
  expect(actual.hint).toContain(e.hint);
}

describe('readFixture', () => {
  it('splits off the recorded exit status', () => {
    expect(readFixture('toolchain/segv_run.txt')).toEqual({ output: '', exitCode: 139 });
    expect(readFixture('h200/bad_launch_run.txt')).toEqual({
      output: 'CUDA error: invalid argument (cudaErrorInvalidValue)',
      exitCode: 1,
    });
    expect(readFixture('toolchain/nvcc_compile_error.txt').exitCode).toBe(2);
  });
});

describe('categorize: real tool output', () => {
  type Row = [string, Partial<ProcessOutcome>, Expected];
  const rows: Row[] = [
    // ---- BUILD ----
    [
      'toolchain/nvcc_compile_error.txt',
      { phase: 'BUILD', solutionFile: 'syntax.cu', harnessFiles: ['harness.cu'] },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'nvcc-compile', line: 'syntax.cu(1): error: identifier "undefined_var" is undefined', hint: 'syntax.cu line 1' },
    ],
    [
      // The same errors, but located in the task's harness and not in the solution: the task is broken.
      'toolchain/nvcc_compile_error.txt',
      { phase: 'BUILD', solutionFile: 'kernel.cu', harnessFiles: ['src/syntax.cu'] },
      { errorType: 'COMPILATION', severity: 5, recoverable: false, rule: 'harness-broken', line: 'syntax.cu(1): error', hint: 'harness does not compile' },
    ],
    [
      // A header solution is compiled only inside the harness: its errors may surface there.
      'toolchain/nvcc_compile_error.txt',
      { phase: 'BUILD', solutionFile: 'kernel.cuh', harnessFiles: ['syntax.cu'] },
      { errorType: 'COMPILATION', severity: 3, recoverable: true, rule: 'harness-error', line: 'syntax.cu(1): error', hint: 'with your header' },
    ],
    [
      'toolchain/gxx_template_error.txt',
      { phase: 'BUILD', solutionFile: 'tmpl.cpp', harnessFiles: ['main.cpp'] },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'template-instantiation', line: 'tmpl.cpp:2:85: error: request for member', hint: '[with T = int]' },
    ],
    [
      'toolchain/gxx_link_error_cudart.txt',
      { phase: 'BUILD', solutionFile: 'link.cpp', harnessFiles: ['harness.cpp'] },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'link-cudart', line: "undefined reference to `cudaMalloc'", hint: 'Add -lcudart to linker flags' },
    ],
    [
      // A linker error located in a harness file is still the solution's business: never harness-broken.
      'toolchain/gxx_link_error_cudart.txt',
      { phase: 'BUILD', solutionFile: 'solution.cpp', harnessFiles: ['link.cpp'] },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'link-cudart', line: 'cudaMalloc', hint: 'Add -lcudart to linker flags' },
    ],
    // ---- TEST ----
    [
      'toolchain/segv_run.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'signal-11', line: '', hint: 'null or dangling pointer' },
    ],
    [
      'toolchain/uncaught_exception_run.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'uncaught-exception', line: "instance of 'std::out_of_range'", hint: 'std::out_of_range' },
    ],
    [
      'toolchain/asan_stack_overflow_read.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'asan', line: '==10154==ERROR: AddressSanitizer: stack-buffer-overflow', hint: 'READ of size 4, stack-buffer-overflow' },
    ],
    [
      'h200/oob_illegal_address_run.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-illegal-address', line: 'cudaErrorIllegalAddress', hint: 'out of bounds' },
    ],
    [
      'h200/oob_invalid_address_space_run.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-invalid-address-space', line: 'cudaErrorInvalidAddressSpace', hint: 'if (i < n)' },
    ],
    [
      'h200/bad_launch_run.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-invalid-value', line: 'CUDA error: invalid argument (cudaErrorInvalidValue)', hint: 'at most 1024 threads per block' },
    ],
    [
      // The sanitizer's first report wins over the sticky cudaErrorLaunchFailure printed after it.
      'h200/oob_memcheck.txt',
      { phase: 'TEST' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'compute-sanitizer', line: 'Invalid __global__ write of size 4 bytes', hint: 'oob.cu:3' },
    ],
    // ---- PROFILE: the same runtime errors keep their type, the phase is PROFILE ----
    [
      'h200/oob_illegal_address_run.txt',
      { phase: 'PROFILE' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-illegal-address', line: 'an illegal memory access', hint: 'out of bounds' },
    ],
    [
      'toolchain/segv_run.txt',
      { phase: 'PROFILE' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'signal-11', line: '', hint: 'segmentation fault' },
    ],
  ];

  it.each(rows)('%s %j', (fixture, partial, expected) => {
    const input = fromFixture(fixture, partial);
    expectCategorization(categorize(input), input.phase, expected);
  });

  it('names where the compute-sanitizer report points (thread and block)', () => {
    const c = categorize(fromFixture('h200/oob_memcheck.txt', {}));
    expect(c.firstErrorLine).toBe('Invalid __global__ write of size 4 bytes');
    expect(c.hint).toContain('by thread (0,0,0) in block (8,0,0)');
  });

  it('gives the guide example exactly: undefined reference to cudaMalloc', () => {
    const c = categorize(fromFixture('toolchain/gxx_link_error_cudart.txt', { phase: 'BUILD', solutionFile: 'link.cpp' }));
    expect(c).toMatchObject({ errorType: 'COMPILATION', phase: 'BUILD', severity: 2, recoverable: true });
    expect(c.hint.startsWith('Add -lcudart to linker flags')).toBe(true);
  });
});

describe('categorize: synthetic cases', () => {
  type Row = [string, Partial<ProcessOutcome>, Expected];
  const rows: Row[] = [
    // ---- BUILD ----
    [
      'build timeout',
      { phase: 'BUILD', timedOut: true, exitCode: null, signal: 'SIGKILL', output: 'compiling...' },
      { errorType: 'COMPILATION', severity: 4, recoverable: true, rule: 'build-timeout', line: 'compiling...', hint: 'time limit' },
    ],
    [
      'compiler killed for memory',
      { phase: 'BUILD', exitCode: 1, output: 'g++: fatal error: Killed signal terminated program cc1plus\ncompilation terminated.' },
      { errorType: 'COMPILATION', severity: 4, recoverable: true, rule: 'build-killed', line: 'Killed signal terminated program cc1plus', hint: 'out of memory' },
    ],
    [
      'g++ syntax error in the solution',
      {
        phase: 'BUILD',
        solutionFile: 'src/solution.cpp',
        harnessFiles: ['harness.cpp'],
        output: "src/solution.cpp:7:3: error: expected ';' before 'return'\n    7 |   return s;\n      |   ^~~~~~",
      },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'gxx-compile', line: "error: expected ';' before 'return'", hint: "(solution.cpp line 7): expected ';'" },
    ],
    [
      'errors in harness and solution: the first solution error is reported',
      {
        phase: 'BUILD',
        solutionFile: 'solution.cu',
        harnessFiles: ['harness.cu'],
        output: 'harness.cu(10): error: identifier "scale" is undefined\nsolution.cu(3): error: expected a ";"',
      },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'nvcc-compile', line: 'solution.cu(3): error: expected a ";"', hint: 'solution.cu line 3' },
    ],
    [
      'harness-broken (g++ style, paths compared by basename)',
      {
        phase: 'BUILD',
        solutionFile: 'solution.cpp',
        harnessFiles: ['tests/harness.cpp', 'tests/check.h'],
        output: "/runs/42/harness.cpp:12:5: error: 'expct' was not declared in this scope\n/runs/42/check.h:3:1: error: 'x' does not name a type",
      },
      { errorType: 'COMPILATION', severity: 5, recoverable: false, rule: 'harness-broken', line: "'expct' was not declared", hint: 'needs a person' },
    ],
    [
      'the harness cannot include the solution: the model wrote the wrong file',
      {
        phase: 'BUILD',
        solutionFile: 'kernel.cuh',
        harnessFiles: ['harness.cu'],
        output: 'harness.cu:2:10: fatal error: kernel.cuh: No such file or directory\n    2 | #include "kernel.cuh"\ncompilation terminated.',
      },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'solution-not-found', line: 'kernel.cuh: No such file', hint: 'exactly kernel.cuh' },
    ],
    [
      'missing header in the solution',
      {
        phase: 'BUILD',
        solutionFile: 'solution.cu',
        output: 'solution.cu:3:10: fatal error: helper_cuda.h: No such file or directory\ncompilation terminated.',
      },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'missing-header', line: 'helper_cuda.h', hint: 'Header "helper_cuda.h" does not exist' },
    ],
    [
      'nvcc front end cannot open an include',
      { phase: 'BUILD', solutionFile: 'solution.cu', output: 'solution.cu(2): catastrophic error: cannot open source file "cub_ext.cuh"' },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'missing-header', line: 'cub_ext.cuh', hint: '"cub_ext.cuh"' },
    ],
    [
      'undefined reference to a function the solution must define (in a harness object)',
      {
        phase: 'BUILD',
        solutionFile: 'solution.cu',
        harnessFiles: ['harness.cu'],
        output:
          "/usr/bin/ld: /tmp/harness.o: in function `main':\nharness.cu:(.text+0x5a): undefined reference to `saxpy(int, float, float const*, float*)'\ncollect2: error: ld returned 1 exit status",
      },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'link-undefined', line: 'undefined reference to `saxpy', hint: 'define it in solution.cu' },
    ],
    [
      'cuBLAS symbol not linked',
      { phase: 'BUILD', output: "main.cpp:(.text+0x1f): undefined reference to `cublasCreate_v2'\ncollect2: error: ld returned 1 exit status" },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'link-cuda-library', line: 'cublasCreate_v2', hint: 'Add -lcublas to linker flags' },
    ],
    [
      'multiple definition of main',
      { phase: 'BUILD', output: "/usr/bin/ld: /tmp/solution.o: in function `main':\nsolution.cu:(.text+0x0): multiple definition of `main'; /tmp/harness.o:harness.cu:(.text+0x0): first defined here\ncollect2: error: ld returned 1 exit status" },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'link-multiple-definition', line: 'multiple definition of `main', hint: 'do not define main()' },
    ],
    [
      'ptxas shared memory overflow',
      { phase: 'BUILD', output: "ptxas error   : Entry function '_Z4tilePf' uses too much shared data (0x10000 bytes, 0xc000 max)" },
      { errorType: 'COMPILATION', severity: 2, recoverable: true, rule: 'ptxas-error', line: 'uses too much shared data', hint: 'shared memory' },
    ],
    [
      'failed build without a recognizable error',
      { phase: 'BUILD', exitCode: 1, output: 'make: *** [Makefile:3: candidate] Error 1' },
      { errorType: 'COMPILATION', severity: 3, recoverable: true, rule: 'build-failed', line: 'Error 1', hint: 'most telling line' },
    ],
    [
      'clean build',
      { phase: 'BUILD', exitCode: 0, output: '' },
      { errorType: 'COMPILATION', severity: 1, recoverable: true, rule: 'build-ok', line: '', hint: 'no error' },
    ],
    // ---- TEST ----
    [
      'test timeout',
      { timedOut: true, exitCode: null, signal: 'SIGKILL', output: 'iteration 1\niteration 2' },
      { errorType: 'RUNTIME', severity: 4, recoverable: true, rule: 'test-timeout', line: 'iteration 2', hint: 'infinite loop' },
    ],
    [
      'SIGXFSZ by name: escalate at once, still recoverable',
      { exitCode: null, signal: 'SIGXFSZ', output: 'x'.repeat(50) },
      { errorType: 'RUNTIME', severity: 5, recoverable: true, rule: 'signal-25', line: '', hint: 'file size limit' },
    ],
    [
      'SIGXFSZ as exit 153',
      { exitCode: 153, output: '' },
      { errorType: 'RUNTIME', severity: 5, recoverable: true, rule: 'signal-25', line: '', hint: 'SIGXFSZ' },
    ],
    [
      'SIGKILL without a limit kill (the runner names those): not blamed on memory',
      { exitCode: 137, output: 'Killed' },
      { errorType: 'RUNTIME', severity: 4, recoverable: true, rule: 'signal-9', line: 'Killed', hint: 'without reaching any of its limits' },
    ],
    [
      'SIGXCPU (CPU time limit)',
      { exitCode: null, signal: 'SIGXCPU', output: '' },
      { errorType: 'RUNTIME', severity: 4, recoverable: true, rule: 'signal-24', line: '', hint: 'CPU time limit' },
    ],
    [
      'SIGSEGV by name with the shell message',
      { exitCode: null, signal: 'SIGSEGV', output: 'Segmentation fault (core dumped)' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'signal-11', line: 'Segmentation fault', hint: 'SIGSEGV' },
    ],
    [
      'SIGFPE',
      { exitCode: 136, output: '' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'signal-8', line: '', hint: 'division' },
    ],
    [
      'failed assert',
      { exitCode: 134, output: "candidate: harness.cpp:40: int main(): Assertion `n > 0' failed.\nAborted (core dumped)" },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'assertion-failed', line: 'Assertion `n > 0', hint: 'assert() failed' },
    ],
    [
      'double free',
      { exitCode: 134, output: 'free(): double free detected in tcache 2\nAborted (core dumped)' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'heap-corruption', line: 'double free detected', hint: 'free each allocation exactly once' },
    ],
    [
      'bad launch configuration',
      { output: 'kernel launch: invalid configuration argument (cudaErrorInvalidConfiguration)' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-bad-launch', line: 'cudaErrorInvalidConfiguration', hint: 'at most 1024 threads per block' },
    ],
    [
      'CUDA error by message only',
      { output: 'CUDA failure at solution.cu:30: an illegal memory access was encountered' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-illegal-address', line: 'illegal memory access', hint: 'out of bounds' },
    ],
    [
      'no GPU: the machine is broken, not the code',
      { output: 'CUDA error: no CUDA-capable device is detected (cudaErrorNoDevice)' },
      { errorType: 'RUNTIME', severity: 5, recoverable: false, rule: 'cuda-no-device', line: 'cudaErrorNoDevice', hint: 'No usable GPU' },
    ],
    [
      'an unlisted CUDA error',
      { output: 'CUDA error: invalid resource handle (cudaErrorInvalidResourceHandle)' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'cuda-error', line: 'cudaErrorInvalidResourceHandle', hint: 'cudaErrorInvalidResourceHandle' },
    ],
    [
      'UBSan',
      { output: 'solution.cpp:12:9: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type int' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'ubsan', line: 'signed integer overflow', hint: 'UndefinedBehaviorSanitizer' },
    ],
    [
      'verdict FAIL',
      { exitCode: 1, output: 'n=1024\nKISYSTEM_VERDICT: FAIL max_abs_err=3.5 at index 17' },
      { errorType: 'LOGIC', severity: 2, recoverable: true, rule: 'verdict-fail', line: 'KISYSTEM_VERDICT: FAIL max_abs_err=3.5 at index 17', hint: 'max_abs_err=3.5 at index 17' },
    ],
    [
      'verdict FAIL with exit 0',
      { exitCode: 0, output: 'KISYSTEM_VERDICT: FAIL sum mismatch' },
      { errorType: 'LOGIC', severity: 2, recoverable: true, rule: 'verdict-fail', line: 'sum mismatch', hint: 'wrong results' },
    ],
    [
      'the harness verdict printed last wins over an earlier fake PASS',
      { exitCode: 1, output: 'KISYSTEM_VERDICT: PASS\nKISYSTEM_VERDICT: FAIL out[3]=2 expected 4' },
      { errorType: 'LOGIC', severity: 2, recoverable: true, rule: 'verdict-fail', line: 'out[3]=2 expected 4', hint: 'out[3]=2 expected 4' },
    ],
    [
      'non-zero exit with nothing recognizable',
      { exitCode: 3, output: 'loading input\nsomething went wrong here' },
      { errorType: 'RUNTIME', severity: 3, recoverable: true, rule: 'exit-nonzero', line: 'something went wrong here', hint: 'exit status 3' },
    ],
    [
      'exit 0 without a verdict',
      { exitCode: 0, output: 'done' },
      { errorType: 'LOGIC', severity: 2, recoverable: true, rule: 'no-verdict', line: 'done', hint: 'harness printed no verdict' },
    ],
    [
      'exit 0 with PASS (nothing to fix)',
      { exitCode: 0, output: 'KISYSTEM_VERDICT: PASS' },
      { errorType: 'LOGIC', severity: 1, recoverable: true, rule: 'test-pass', line: 'KISYSTEM_VERDICT: PASS', hint: 'PASS' },
    ],
    // ---- PROFILE ----
    [
      'profile timeout',
      { phase: 'PROFILE', timedOut: true, exitCode: null, output: '==PROF== Connected to process 782 (./mm)' },
      { errorType: 'RUNTIME', severity: 4, recoverable: true, rule: 'profile-timeout', line: '', hint: 'time limit' },
    ],
    [
      'profiler without counter access',
      {
        phase: 'PROFILE',
        output: '==ERROR== ERR_NVGPUCTRPERM - The user does not have permission to access NVIDIA GPU Performance Counters on the target device 0.',
      },
      { errorType: 'RUNTIME', severity: 5, recoverable: false, rule: 'profiler-permission', line: 'ERR_NVGPUCTRPERM', hint: 'administrator' },
    ],
    [
      'no kernels profiled',
      { phase: 'PROFILE', exitCode: 0, output: '==PROF== Connected to process 9 (./candidate)\n==PROF== Disconnected from process 9\n==WARNING== No kernels were profiled.' },
      { errorType: 'PERFORMANCE', severity: 3, recoverable: true, rule: 'profile-no-kernels', line: 'No kernels were profiled', hint: 'kernel name' },
    ],
    [
      'wrong result during the profile run is LOGIC',
      { phase: 'PROFILE', exitCode: 1, output: 'KISYSTEM_VERDICT: FAIL fresh inputs: max_abs_err=1e3' },
      { errorType: 'LOGIC', severity: 2, recoverable: true, rule: 'verdict-fail', line: 'fresh inputs', hint: 'fresh inputs' },
    ],
    [
      'profile run with no measurement',
      { phase: 'PROFILE', exitCode: 0, output: '==PROF== Disconnected from process 9' },
      { errorType: 'PERFORMANCE', severity: 2, recoverable: true, rule: 'profile-no-data', line: '', hint: 'no usable measurement' },
    ],
  ];

  it.each(rows)('%s', (_name, partial, expected) => {
    const input = outcome(partial);
    expectCategorization(categorize(input), input.phase, expected);
  });

  it('cuts firstErrorLine to 300 characters', () => {
    const long = `solution.cu(1): error: ${'x'.repeat(1000)}`;
    const c = categorize(outcome({ phase: 'BUILD', output: long }));
    expect(c.rule).toBe('nvcc-compile');
    expect(c.firstErrorLine.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
    expect(c.firstErrorLine.startsWith('solution.cu(1): error:')).toBe(true);
  });
});

describe('testPassed', () => {
  it.each([
    [0, false, 'KISYSTEM_VERDICT: PASS', true],
    [0, false, 'ok\nKISYSTEM_VERDICT: PASS\n', true],
    [1, false, 'KISYSTEM_VERDICT: PASS', false],
    [0, true, 'KISYSTEM_VERDICT: PASS', false],
    [null, false, 'KISYSTEM_VERDICT: PASS', false],
    [0, false, 'KISYSTEM_VERDICT: FAIL C[0][0] wrong', false],
    [0, false, 'all good', false],
  ] as const)('exit %p, timed out %p, output %p -> %p', (exitCode, timedOut, output, expected) => {
    expect(testPassed({ exitCode, timedOut, output })).toBe(expected);
  });
});

describe('parseVerdict', () => {
  it.each([
    ['KISYSTEM_VERDICT: PASS', 'PASS', 'KISYSTEM_VERDICT: PASS'],
    ['a\n  KISYSTEM_VERDICT: FAIL bad sum  \nb', 'FAIL', 'KISYSTEM_VERDICT: FAIL bad sum'],
    ['KISYSTEM_VERDICT: FAIL x\nKISYSTEM_VERDICT: PASS', 'PASS', 'KISYSTEM_VERDICT: PASS'],
    ['KISYSTEM_VERDICT: PASS\r\nKISYSTEM_VERDICT: FAIL y\r\n', 'FAIL', 'KISYSTEM_VERDICT: FAIL y'],
    // A malformed verdict line does not count; the last well-formed one does.
    ['KISYSTEM_VERDICT: PASS\nKISYSTEM_VERDICT: MAYBE', 'PASS', 'KISYSTEM_VERDICT: PASS'],
    ['KISYSTEM_VERDICT: PASSED', 'NONE', ''],
    ['all good', 'NONE', ''],
    ['', 'NONE', ''],
  ])('%j -> %s', (output, verdict, line) => {
    expect(parseVerdict(output)).toEqual({ verdict, line });
  });
});

describe('helpers', () => {
  it('categorizeWrongResult is LOGIC severity 2', () => {
    expect(categorizeWrongResult('out[0]=1 expected 2')).toEqual({
      errorType: 'LOGIC',
      phase: 'TEST',
      severity: 2,
      recoverable: true,
      rule: 'verdict-fail',
      hint: expect.stringContaining('out[0]=1 expected 2'),
      firstErrorLine: 'out[0]=1 expected 2',
    });
  });

  it('categorizePerformance: regression before below-target', () => {
    expect(categorizePerformance({ score: 62, target: 80, previousScore: 70 })).toMatchObject({
      errorType: 'PERFORMANCE',
      phase: 'PROFILE',
      severity: 2,
      recoverable: true,
      rule: 'score-regression',
    });
    const below = categorizePerformance({ score: 62.04, target: 80, previousScore: 55 });
    expect(below).toMatchObject({ errorType: 'PERFORMANCE', rule: 'score-below-target', firstErrorLine: 'score 62 < target 80' });
  });

  it('the categorizer imports nothing but its own files and pure sibling policy modules (workflow code imports it)', () => {
    const folder = join(__dirname, '..', '..', 'policy', 'parsers', 'categorizer');
    const files = readdirSync(folder).filter((f) => f.endsWith('.ts'));
    const own = new Set(files.map((f) => `./${f.replace(/\.ts$/, '')}`));
    const imports = files.flatMap((f) =>
      [...readFileSync(join(folder, f), 'utf8').matchAll(/(?:from|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!),
    );
    const outside = [...new Set(imports.filter((i) => !own.has(i)))].sort();
    expect(outside).toEqual(['../../run-types', '../limit-kill']); // limit-kill.ts: pure too
    expect(files).toContain('index.ts');
  });
});

describe('categorize: properties', () => {
  const interesting = fc.constantFrom(
    'syntax.cu(1): error: identifier "x" is undefined',
    "harness.cpp:3:4: error: 'y' was not declared in this scope",
    'fatal error: a.h: No such file or directory',
    "x.cpp:(.text+0x1): undefined reference to `cudaFree'",
    'undefined reference to `',
    '==1==ERROR: AddressSanitizer: heap-use-after-free',
    'SUMMARY: AddressSanitizer: ',
    '========= COMPUTE-SANITIZER',
    '========= Invalid __shared__ read of size 4 bytes',
    '=========     at k()+0x10 in a.cu:3',
    '========= ERROR SUMMARY: 3 errors',
    'CUDA error: (cudaErrorFoo)',
    'cuda out of memory',
    "terminate called after throwing an instance of '",
    'what(): ',
    'KISYSTEM_VERDICT: FAIL',
    'KISYSTEM_VERDICT: PASS',
    'KISYSTEM_VERDICT:',
    '==WARNING== No kernels were profiled.',
    '==ERROR== ERR_NVGPUCTRPERM',
    'ptxas fatal   : ',
    "Assertion `' failed",
    '',
  );
  const output = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.array(fc.oneof(interesting, fc.string({ maxLength: 40 })), { maxLength: 12 }).map((ls) => ls.join('\n')),
  );
  const file = fc.oneof(fc.constantFrom('solution.cu', 'harness.cu', 'a.h', 'syntax.cu', ''), fc.string({ maxLength: 20 }));
  const arbitraryOutcome: fc.Arbitrary<ProcessOutcome> = fc.record({
    phase: fc.constantFrom('BUILD' as const, 'TEST' as const, 'PROFILE' as const),
    exitCode: fc.oneof(fc.constant(null), fc.integer({ min: -300, max: 300 }), fc.constantFrom(0, 1, 2, 134, 137, 139, 152, 153)),
    signal: fc.oneof(fc.constant(null), fc.constantFrom('SIGSEGV', 'SIGKILL', 'SIGXFSZ', 'SIGXCPU', 'SIGABRT', 'SIGWINCH', 'segv'), fc.string({ maxLength: 8 })),
    timedOut: fc.boolean(),
    output,
    solutionFile: file,
    harnessFiles: fc.array(file, { maxLength: 3 }),
  });

  it('never throws and always answers within range', () => {
    fc.assert(
      fc.property(arbitraryOutcome, (input) => {
        const c = categorize(input);
        expect(ERROR_TYPES).toContain(c.errorType);
        expect(c.phase).toBe(input.phase);
        expect([1, 2, 3, 4, 5]).toContain(c.severity);
        expect(typeof c.recoverable).toBe('boolean');
        expect(c.hint.trim().length).toBeGreaterThan(0);
        expect(c.rule.length).toBeGreaterThan(0);
        expect(c.firstErrorLine.length).toBeLessThanOrEqual(MAX_LINE_LENGTH);
        expect(c.firstErrorLine).toBe(c.firstErrorLine.trim());
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic (workflow replay needs the same answer twice)', () => {
    fc.assert(
      fc.property(arbitraryOutcome, (input) => {
        expect(categorize(input)).toEqual(categorize(input));
      }),
      { numRuns: 200 },
    );
  });
});

describe('a first error line cut to its limit keeps what was expected', () => {
  it('keeps the head and the "expected ..." part', () => {
    const line = `FAIL: checksum mismatch after ${'step '.repeat(100)}got 0x1f2e, expected 0x1f2f`;
    const cut = clip(line, 120);
    expect(cut.length).toBeLessThanOrEqual(120);
    expect(cut.startsWith('FAIL: checksum mismatch after step')).toBe(true);
    expect(cut.endsWith('expected 0x1f2f')).toBe(true);
    expect(cut).toContain('… ');
  });

  it('cuts a line without an expected part at its end', () => {
    expect(clip('a'.repeat(400), 300)).toBe(`${'a'.repeat(299)}…`);
  });
});
