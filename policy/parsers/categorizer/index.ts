/**
 * The error categorizer (guide section 6): turns the real output of a build, test or profile run into
 * `{ errorType, phase, severity, recoverable, hint }` plus the line a person should read first.
 *
 * Pure: no I/O and no Node built-ins, because Temporal workflow code imports it.
 *
 * Rules are tried in order and the first match wins; each has a short name (`Categorization.rule`).
 * Severity follows the guide: 1 minor .. 5 critical, and >= 4 escalates to the next model at once.
 * `recoverable: false` means no model can fix it (the task or the machine is broken).
 * decisions.md: timeouts and signals (exit 128+N) are RUNTIME, wrong results are LOGIC, a score
 * below target or a regression is PERFORMANCE.
 */
import type { Categorization, ErrorType, ProcessOutcome, Severity } from '../../run-types';
import { categorizeLimitKill } from '../../limit-kill';

/** `firstErrorLine` is at most this long. */
export const MAX_LINE_LENGTH = 300;

/** The marker the task's harness prints: `KISYSTEM_VERDICT: PASS` or `KISYSTEM_VERDICT: FAIL <reason>`. */
export const VERDICT_MARKER = 'KISYSTEM_VERDICT:';

type RunPhase = ProcessOutcome['phase'];

/** What a rule reads: the outcome, its output split into trimmed lines, and the signal that ended it. */
interface Context {
  outcome: ProcessOutcome;
  phase: RunPhase;
  lines: string[];
  signal: SignalInfo | null;
  /** Located compiler errors, in output order (parsed once; BUILD only). */
  errors: LocatedError[];
}

/** A rule returns a categorization when it recognizes the outcome, else null. */
type Rule = (ctx: Context) => Categorization | null;

interface Finding {
  errorType: ErrorType;
  severity: Severity;
  rule: string;
  hint: string;
  line: string;
  recoverable?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Categorizes one finished build, test or profile run from its real output and exit status.
 * Never throws; meant for runs that did not succeed (a clean run still gets a severity-1 answer).
 */
export function categorize(outcome: ProcessOutcome): Categorization {
  const ctx = makeContext(outcome);
  // A sandbox limit that ended the run is named by what happened (policy/limit-kill.ts).
  const killed = categorizeLimitKill(outcome.limitKill, ctx.phase, lastMeaningfulLine(ctx.lines));
  if (killed) return killed;
  const rules = ctx.phase === 'BUILD' ? BUILD_RULES : ctx.phase === 'PROFILE' ? PROFILE_RULES : TEST_RULES;
  for (const rule of rules) {
    const found = rule(ctx);
    if (found) return found;
  }
  // Unreachable: every rule list ends with a rule that always answers. Kept so the type is total.
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'unknown',
    hint: 'The run failed for an unknown reason; read the output and fix the first error it shows.',
    line: lastMeaningfulLine(ctx.lines),
  });
}

/**
 * Reads the harness verdict. The last well-formed `KISYSTEM_VERDICT: PASS|FAIL ...` line wins, so a
 * verdict the program printed early is overridden by the harness's final one.
 * `line` is that line, trimmed and at most {@link MAX_LINE_LENGTH} characters ("" for NONE).
 */
/** Whether a test run passed: exit 0, not timed out, and a `KISYSTEM_VERDICT: PASS` line. */
export function testPassed(run: { exitCode: number | null; timedOut: boolean; output: string }): boolean {
  return run.exitCode === 0 && !run.timedOut && parseVerdict(run.output).verdict === 'PASS';
}

export function parseVerdict(output: string): { verdict: 'PASS' | 'FAIL' | 'NONE'; line: string } {
  const found = lastVerdict(splitLines(output));
  return found ? { verdict: found.verdict, line: found.line } : { verdict: 'NONE', line: '' };
}

/**
 * A wrong result (the harness or the test activity found a mismatch): LOGIC, severity 2, recoverable.
 * `reason` is what was wrong; `line` the output line that says so (defaults to the reason).
 */
export function categorizeWrongResult(reason: string, phase: 'TEST' | 'PROFILE' = 'TEST', line?: string): Categorization {
  const why = clip(reason) || 'the results do not match the reference';
  return {
    errorType: 'LOGIC',
    phase,
    severity: 2,
    recoverable: true,
    rule: 'verdict-fail',
    hint:
      `The harness reported wrong results: ${clip(why, 200)}. ` +
      'Recheck the algorithm against the task (indexing, boundary elements, accumulator type, every element written).',
    firstErrorLine: clip(line ?? why),
  };
}

/**
 * A kernel that runs correctly but too slowly (decisions.md: PERFORMANCE). A regression against the
 * previous iteration's score wins over "below target", since undoing the last change is the clearest advice.
 */
export function categorizePerformance(p: { score: number; target: number; previousScore?: number | null }): Categorization {
  const score = formatScore(p.score);
  const base = { errorType: 'PERFORMANCE' as const, phase: 'PROFILE' as const, severity: 2 as const, recoverable: true };
  if (p.previousScore != null && Number.isFinite(p.previousScore) && p.score < p.previousScore) {
    return {
      ...base,
      rule: 'score-regression',
      hint: `The score fell from ${formatScore(p.previousScore)} to ${score}: the last change made the kernel slower; undo it and try a different optimization.`,
      firstErrorLine: `score ${score} < previous ${formatScore(p.previousScore)}`,
    };
  }
  return {
    ...base,
    rule: 'score-below-target',
    hint:
      `The kernel is correct but scores ${score} of the target ${formatScore(p.target)}: ` +
      'improve memory coalescing, reuse data through shared memory or registers, and keep enough threads busy.',
    firstErrorLine: `score ${score} < target ${formatScore(p.target)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// BUILD rules
// ---------------------------------------------------------------------------------------------

/** A compiler error with a location: nvcc `file(line): error: msg`, g++ `file:line:col: error: msg`. */
interface LocatedError {
  file: string;
  lineNo: number;
  message: string;
  /** The whole output line. */
  text: string;
}

// Anchored, and the file part cannot contain the delimiter that follows it, so matching stays linear.
const NVCC_ERROR = /^(\S[^()]*)\((\d+)\): (?:catastrophic |fatal )?error(?: #[\w-]+)?: ?(.*)$/;
const GCC_ERROR = /^(\S[^:]*):(\d+):(?:\d+:)? (?:fatal )?error: ?(.*)$/;
const MISSING_HEADER = /^(.+?): No such file or directory$|^cannot open source file "(.+)"$/;
const INSTANTIATION = /In instantiation of (.+?):?$|instantiation of "(.+?)"/;
const UNDEFINED_REFERENCE = /undefined reference to [`'‘"]([^`'’"]+)|undefined symbol: (.+)$/;
const MULTIPLE_DEFINITION = /multiple definition of [`'‘"]([^`'’"]+)/;
const PTXAS_ERROR = /ptxas (?:error|fatal)\s*: (.*)$/;

/** Libraries whose symbols a CUDA program links against, by symbol prefix (first match wins). */
const CUDA_LIBRARIES: ReadonlyArray<{ symbol: RegExp; flag: string }> = [
  { symbol: /^(?:cuda[A-Z_]|__cuda)/, flag: '-lcudart' },
  { symbol: /^cublas/, flag: '-lcublas' },
  { symbol: /^cufft/, flag: '-lcufft' },
  { symbol: /^curand/, flag: '-lcurand' },
  { symbol: /^cusparse/, flag: '-lcusparse' },
  { symbol: /^cusolver/, flag: '-lcusolver' },
  { symbol: /^cu[A-Z]/, flag: '-lcuda' },
];

/** A build that ran past its time limit: the code makes the compiler work far too hard. */
const buildTimeout: Rule = (ctx) =>
  ctx.outcome.timedOut
    ? finish(ctx, {
        errorType: 'COMPILATION',
        severity: 4,
        rule: 'build-timeout',
        hint: 'The build ran past its time limit: avoid deep template or constexpr recursion, huge constant tables and unbounded #pragma unroll.',
        line: lastMeaningfulLine(ctx.lines),
      })
    : null;

/** The compiler itself was killed (usually out of memory): same advice as a build timeout. */
const buildKilled: Rule = (ctx) => {
  const line = ctx.lines.find((l) => /Killed signal terminated program|internal compiler error: Killed/.test(l));
  if (!line && !ctx.signal) return null;
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 4,
    rule: 'build-killed',
    hint: 'The compiler was killed, most likely for running out of memory: avoid huge constant tables, deep template recursion and heavy unrolling.',
    line: line ?? '',
  });
};

/**
 * Errors located only in the task's harness files (never in the solution) mean the harness itself
 * does not compile: no model can fix that. Exceptions, where the solution is to blame after all:
 * the message names the solution file (the harness cannot include it), or the solution is a header,
 * which is compiled only inside the harness, so its mistakes surface there.
 */
const harnessErrors: Rule = (ctx) => {
  const errors = ctx.errors;
  if (errors.length === 0) return null;
  const solution = basename(ctx.outcome.solutionFile);
  const harness = new Set(ctx.outcome.harnessFiles.map(basename));
  const inHarnessOnly = errors.every((e) => harness.has(basename(e.file)) && basename(e.file) !== solution);
  if (!inHarnessOnly) return null;

  const first = errors[0]!;
  const namesSolution = solution !== '' ? errors.find((e) => e.message.includes(solution)) : undefined;
  if (namesSolution) {
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 2,
      rule: 'solution-not-found',
      hint: `The harness cannot use the solution file: ${clip(namesSolution.message, 200)}. Write the code to exactly ${ctx.outcome.solutionFile}.`,
      line: namesSolution.text,
    });
  }
  if (isHeader(solution)) {
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 3,
      rule: 'harness-error',
      hint: `The harness fails to compile with your header (${where(first)}): ${clip(first.message, 200)}. Declare exactly the types and functions the interface names, with the same signatures.`,
      line: first.text,
    });
  }
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 5,
    rule: 'harness-broken',
    recoverable: false,
    hint: `The task's own harness does not compile (${where(first)}): ${clip(first.message, 200)}. No model can fix this; the task needs a person.`,
    line: first.text,
  });
};

/** A `#include` the toolchain cannot find. */
const missingHeader: Rule = (ctx) => {
  const primary = primaryError(ctx);
  const m = primary ? MISSING_HEADER.exec(primary.message) : null;
  if (!primary || !m) return null;
  const header = m[1] ?? m[2] ?? 'the header';
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 2,
    rule: 'missing-header',
    hint: `Header "${clip(header, 100)}" does not exist here (${where(primary)}): include only the C++ standard library and CUDA toolkit headers, or write the code into ${solutionName(ctx)} itself.`,
    line: primary.text,
  });
};

/** An error while instantiating a template; the "required from here" note points at the call. */
const templateInstantiation: Rule = (ctx) => {
  const primary = primaryError(ctx);
  const inst = ctx.lines.map((l) => INSTANTIATION.exec(l)).find((m) => m !== null);
  if (!primary || !inst) return null;
  const what = clip(inst[1] ?? inst[2] ?? '', 120);
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 2,
    rule: 'template-instantiation',
    hint: `A template instantiation fails (${where(primary)}): ${clip(primary.message, 160)}${what ? ` while instantiating ${what}` : ''}. Check the types it is used with ("required from here" marks the call).`,
    line: primary.text,
  });
};

/** Ordinary syntax and type errors from nvcc or g++: fix the first one, the rest often follow from it. */
const compileError: Rule = (ctx) => {
  const primary = primaryError(ctx);
  if (!primary) return null;
  const nvcc = NVCC_ERROR.test(primary.text);
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 2,
    rule: nvcc ? 'nvcc-compile' : 'gxx-compile',
    hint: `Fix the first compiler error (${where(primary)}): ${clip(primary.message, 200)}.`,
    line: primary.text,
  });
};

/** ptxas rejects device code, typically for too much shared memory or too many registers. */
const ptxasError: Rule = (ctx) => {
  const line = ctx.lines.find((l) => PTXAS_ERROR.test(l));
  if (!line) return null;
  const message = PTXAS_ERROR.exec(line)?.[1] ?? line;
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 2,
    rule: 'ptxas-error',
    hint: `ptxas rejected the device code: ${clip(message, 200)}. Use less shared memory or fewer registers per kernel (at most 48 KB static shared memory per block).`,
    line,
  });
};

/** Linker errors: a missing CUDA library gives the guide's hint, other symbols must come from the solution. */
const linkError: Rule = (ctx) => {
  const undefinedLine = ctx.lines.find((l) => UNDEFINED_REFERENCE.test(l));
  if (undefinedLine) {
    const m = UNDEFINED_REFERENCE.exec(undefinedLine)!;
    const symbol = (m[1] ?? m[2] ?? '').trim();
    const library = CUDA_LIBRARIES.find((lib) => lib.symbol.test(symbol));
    if (library) {
      return finish(ctx, {
        errorType: 'COMPILATION',
        severity: 2,
        rule: library.flag === '-lcudart' ? 'link-cudart' : 'link-cuda-library',
        hint: `Add ${library.flag} to linker flags (\`${clip(symbol, 100)}\` is not linked).`,
        line: undefinedLine,
      });
    }
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 2,
      rule: 'link-undefined',
      hint: `Nothing defines \`${clip(symbol, 150)}\`: define it in ${solutionName(ctx)} with exactly the declared name, parameter types and namespace (extern "C" if the interface says so).`,
      line: undefinedLine,
    });
  }
  const multipleLine = ctx.lines.find((l) => MULTIPLE_DEFINITION.test(l));
  if (multipleLine) {
    const symbol = MULTIPLE_DEFINITION.exec(multipleLine)![1] ?? '';
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 2,
      rule: 'link-multiple-definition',
      hint: `\`${clip(symbol, 150)}\` is defined twice: do not define main() or anything the harness already defines, and make helper functions static or inline.`,
      line: multipleLine,
    });
  }
  const ldLine = ctx.lines.find((l) => /(?:^|\/)ld(?:\.\w+)?: |collect2: error|ld returned \d+ exit status/.test(l));
  if (!ldLine) return null;
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 2,
    rule: 'link-error',
    hint: `The program does not link: ${clip(ldLine, 200)}.`,
    line: ldLine,
  });
};

/** A failed build with no error we recognize: show the most error-like line. */
const buildFailed: Rule = (ctx) => {
  const line = ctx.lines.find((l) => /\b(?:error|fatal)\b/i.test(l)) ?? lastMeaningfulLine(ctx.lines);
  if (ctx.outcome.exitCode === 0 && !/\b(?:error|fatal)\b/i.test(line)) {
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 1,
      rule: 'build-ok',
      hint: 'The build reported no error; nothing to fix in the build.',
      line: '',
    });
  }
  return finish(ctx, {
    errorType: 'COMPILATION',
    severity: 3,
    rule: 'build-failed',
    hint: line
      ? `The build failed without a recognizable compiler error; the most telling line is: ${clip(line, 200)}`
      : `The build failed (${exitText(ctx)}) without printing an error; check that ${solutionName(ctx)} is complete, valid code.`,
    line,
  });
};

const BUILD_RULES: readonly Rule[] = [
  buildTimeout,
  buildKilled,
  harnessErrors,
  missingHeader,
  templateInstantiation,
  compileError,
  ptxasError,
  linkError,
  buildFailed,
];

// ---------------------------------------------------------------------------------------------
// TEST and PROFILE rules
// ---------------------------------------------------------------------------------------------

/** A run killed for running past its time limit. */
const runTimeout: Rule = (ctx) =>
  ctx.outcome.timedOut
    ? finish(ctx, {
        errorType: 'RUNTIME',
        severity: 4,
        rule: ctx.phase === 'PROFILE' ? 'profile-timeout' : 'test-timeout',
        hint:
          'The program ran past its time limit: look for an infinite loop, a deadlock (a __syncthreads() inside a divergent branch, ' +
          'a spin-wait on memory no one writes) or a far too slow algorithm.',
        line: lastMeaningfulLine(ctx.lines),
      })
    : null;

/**
 * Signals the kernel sends for resource limits (and SIGTERM from outside). Escalate at once: the
 * same model tends to repeat the design that blew the limit. SIGXFSZ is critical (5) since runaway
 * output fills the disk of the machine, not just the task's share.
 */
const resourceLimitSignal: Rule = (ctx) => {
  const sig = ctx.signal;
  if (!sig) return null;
  const known: Record<string, { severity: Severity; hint: string }> = {
    SIGKILL: {
      severity: 4,
      hint: 'The program was killed (SIGKILL), most likely for exceeding its memory limit: allocate only what the task needs and free what you allocate in loops.',
    },
    SIGXCPU: {
      severity: 4,
      hint: 'The program exceeded its CPU time limit (SIGXCPU): look for an infinite loop or a far too slow host-side algorithm.',
    },
    SIGTERM: {
      severity: 4,
      hint: 'The program was terminated from outside (SIGTERM), usually for running too long: look for an infinite loop or a deadlock.',
    },
    SIGXFSZ: {
      severity: 5,
      hint: 'The program exceeded the file size limit (SIGXFSZ): it writes far too much output; never print inside loops, print only the few lines the task asks for.',
    },
  };
  const entry = known[sig.name];
  if (!entry) return null;
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: entry.severity,
    rule: signalRuleName(sig),
    hint: entry.hint,
    line: signalLine(ctx.lines),
  });
};

/** Nsight Compute may not read the GPU counters on this machine: not the code's fault. */
const profilerPermission: Rule = (ctx) => {
  const line = ctx.lines.find((l) => /ERR_NVGPUCTRPERM/.test(l));
  if (ctx.phase !== 'PROFILE' || !line) return null;
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 5,
    rule: 'profiler-permission',
    recoverable: false,
    hint: 'The profiler may not access the GPU performance counters on this machine; no model can fix this, an administrator must allow it.',
    line,
  });
};

/** Sanitizer reports say what went wrong and where, so they win over the signal that follows them. */
const sanitizerReport: Rule = (ctx) => computeSanitizer(ctx) ?? hostSanitizer(ctx);

/** compute-sanitizer: `========= Invalid __global__ write of size 4 bytes`, then indented details. */
function computeSanitizer(ctx: Context): Categorization | null {
  if (!ctx.lines.some((l) => l.startsWith('========= COMPUTE-SANITIZER') || /^========= ERROR SUMMARY: [1-9]/.test(l))) return null;
  const isHead = (l: string) =>
    /^========= \S/.test(l) &&
    !/^========= (?:COMPUTE-SANITIZER|ERROR SUMMARY|LEAK SUMMARY|Target application returned|Program finished|No .* errors? detected)/.test(l);
  const headIndex = ctx.lines.findIndex(isHead);
  if (headIndex < 0) return null;
  const head = stripSanitizerPrefix(ctx.lines[headIndex]!);
  // The indented lines below the head hold the location and the thread/block.
  const details: string[] = [];
  for (let i = headIndex + 1; i < ctx.lines.length && details.length < 2; i++) {
    const l = ctx.lines[i]!;
    if (!/^=========\s{2,}\S/.test(l)) break;
    const d = stripSanitizerPrefix(l);
    if (/^(?:at |by thread )/.test(d)) details.push(d);
  }
  const advice = /Race reported|race/i.test(head)
    ? 'threads race on shared memory: add __syncthreads() between writing and reading it'
    : /Uninitialized/i.test(head)
      ? 'memory is read before anything writes it: initialize it or copy the input first'
      : /Barrier error|divergent/i.test(head)
        ? 'a __syncthreads() is reached by only part of a block: move it out of divergent branches'
        : /^Program hit/i.test(head)
          ? 'a CUDA API call failed: check its arguments'
          : 'an index goes out of bounds: guard each access with if (i < n) and check the grid and index arithmetic';
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'compute-sanitizer',
    hint: `compute-sanitizer: ${clip(head, 120)}${details.length ? ` (${clip(details.join(', '), 140)})` : ''}: ${advice}.`,
    line: head,
  });
}

/** AddressSanitizer, LeakSanitizer, ThreadSanitizer and UndefinedBehaviorSanitizer on host code. */
function hostSanitizer(ctx: Context): Categorization | null {
  const patterns: ReadonlyArray<{ re: RegExp; rule: string }> = [
    { re: /^==\d+==ERROR: AddressSanitizer/, rule: 'asan' },
    { re: /^==\d+==ERROR: LeakSanitizer/, rule: 'lsan' },
    { re: /^WARNING: ThreadSanitizer/, rule: 'tsan' },
    { re: /: runtime error: /, rule: 'ubsan' },
  ];
  for (const { re, rule } of patterns) {
    const index = ctx.lines.findIndex((l) => re.test(l));
    if (index < 0) continue;
    const head = ctx.lines[index]!;
    const summary = ctx.lines.find((l) => /^SUMMARY: \w+Sanitizer: /.test(l));
    const access = ctx.lines.slice(index + 1, index + 3).find((l) => /^(?:READ|WRITE) of size \d+/.test(l));
    const kind = (summary ?? head).replace(/^.*?Sanitizer: /, '');
    const what = clip([access?.replace(/ at 0x.*$/, '').replace(/ thread T\d+$/, ''), kind].filter(Boolean).join(', '), 200);
    return finish(ctx, {
      errorType: 'RUNTIME',
      severity: 3,
      rule,
      hint: `${rule === 'ubsan' ? 'UndefinedBehaviorSanitizer' : (/(\w+Sanitizer)/.exec(head)?.[1] ?? 'The sanitizer')} reports ${what}: ${sanitizerAdvice(kind)}.`,
      line: head,
    });
  }
  return null;
}

function sanitizerAdvice(kind: string): string {
  if (/overflow|out-of-bounds|out of bounds/.test(kind)) return 'an index runs past the end of a buffer; check loop bounds and buffer sizes';
  if (/use-after-free|use-after-return|use-after-scope/.test(kind)) return 'memory is used after it was freed or went out of scope';
  if (/double-free|bad-free|invalid-free|alloc-dealloc-mismatch/.test(kind)) return 'memory is freed twice or with the wrong function (delete vs delete[] vs free)';
  if (/leak/.test(kind)) return 'free everything you allocate';
  if (/data race/.test(kind)) return 'threads access the same data without synchronization';
  if (/SEGV/.test(kind)) return 'a null or wild pointer is dereferenced';
  return 'fix the reported access';
}

/** How a CUDA runtime error line reads: by error name, or by its message on a line that mentions CUDA. */
interface CudaErrorKind {
  names: readonly string[];
  message: string;
  rule: string;
  severity: Severity;
  recoverable?: boolean;
  hint: string;
}

const OUT_OF_BOUNDS_ADVICE =
  'guard every index with if (i < n), check the grid-size and index arithmetic, and pass device (not host) pointers to kernels.';

/** The CUDA runtime errors we give specific advice for; any other cudaError* falls back to `cuda-error`. */
const CUDA_ERRORS: readonly CudaErrorKind[] = [
  {
    names: ['cudaErrorIllegalAddress', 'CUDA_ERROR_ILLEGAL_ADDRESS'],
    message: 'an illegal memory access was encountered',
    rule: 'cuda-illegal-address',
    severity: 3,
    hint: `A kernel accessed memory out of bounds (an illegal memory access): ${OUT_OF_BOUNDS_ADVICE}`,
  },
  {
    names: ['cudaErrorInvalidAddressSpace', 'CUDA_ERROR_INVALID_ADDRESS_SPACE'],
    message: 'operation not supported on global/shared address space',
    rule: 'cuda-invalid-address-space',
    severity: 3,
    hint: `A kernel accessed an address far outside its buffers (invalid address space): ${OUT_OF_BOUNDS_ADVICE}`,
  },
  {
    names: ['cudaErrorInvalidConfiguration', 'CUDA_ERROR_INVALID_CONFIGURATION'],
    message: 'invalid configuration argument',
    rule: 'cuda-bad-launch',
    severity: 3,
    hint: 'The kernel launch configuration is invalid: use at most 1024 threads per block (blockDim.x*y*z <= 1024), a non-zero grid, and dynamic shared memory within the limit.',
  },
  {
    names: ['cudaErrorInvalidValue', 'CUDA_ERROR_INVALID_VALUE'],
    message: 'invalid argument',
    rule: 'cuda-invalid-value',
    severity: 3,
    hint: 'A CUDA call got an invalid argument: for a kernel launch use at most 1024 threads per block (blockDim.x*y*z <= 1024) and a non-zero grid; for cudaMemcpy/cudaMalloc check sizes in bytes, pointers and the copy direction.',
  },
  {
    names: ['cudaErrorLaunchOutOfResources', 'CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES'],
    message: 'too many resources requested for launch',
    rule: 'cuda-launch-resources',
    severity: 3,
    hint: 'The kernel needs more registers or shared memory than a block can have: use fewer threads per block (e.g. 256) or fewer registers and less shared memory per thread.',
  },
  {
    names: ['cudaErrorMisalignedAddress', 'CUDA_ERROR_MISALIGNED_ADDRESS'],
    message: 'misaligned address',
    rule: 'cuda-misaligned-address',
    severity: 3,
    hint: 'A kernel used a misaligned address: vector loads (float4, int2) and reinterpret_casts need addresses aligned to their size.',
  },
  {
    names: ['cudaErrorAssert', 'CUDA_ERROR_ASSERT'],
    message: 'device-side assert triggered',
    rule: 'cuda-device-assert',
    severity: 3,
    hint: 'An assert() in device code failed: the kernel reached a state its own checks forbid; check indices and inputs.',
  },
  {
    names: ['cudaErrorMemoryAllocation', 'CUDA_ERROR_OUT_OF_MEMORY'],
    message: 'out of memory',
    rule: 'cuda-out-of-memory',
    severity: 3,
    hint: 'GPU memory ran out: allocate only what the task needs (check sizes in bytes, not elements squared) and free buffers allocated in loops.',
  },
  {
    names: ['cudaErrorLaunchTimeout', 'CUDA_ERROR_LAUNCH_TIMEOUT'],
    message: 'the launch timed out and was terminated',
    rule: 'cuda-launch-timeout',
    severity: 4,
    hint: 'A kernel ran so long that the driver stopped it: look for an infinite loop or a deadlock in the kernel.',
  },
  {
    names: ['cudaErrorLaunchFailure', 'CUDA_ERROR_LAUNCH_FAILED'],
    message: 'unspecified launch failure',
    rule: 'cuda-launch-failure',
    severity: 3,
    hint: `A kernel crashed (unspecified launch failure), usually by an out-of-bounds access: ${OUT_OF_BOUNDS_ADVICE}`,
  },
  {
    names: ['cudaErrorNoDevice', 'cudaErrorInsufficientDriver', 'CUDA_ERROR_NO_DEVICE'],
    message: 'no CUDA-capable device is detected',
    rule: 'cuda-no-device',
    severity: 5,
    recoverable: false,
    hint: 'No usable GPU on this machine (no device or a driver too old); no model can fix this, the machine needs a person.',
  },
];

const CUDA_ERROR_NAME = /\b(cudaError[A-Z]\w*|CUDA_ERROR_[A-Z_]+)\b/;

/**
 * CUDA runtime errors. The first one printed is the cause; later ones are usually the same sticky
 * error reported again by later calls.
 */
const cudaRuntimeError: Rule = (ctx) => {
  for (const line of ctx.lines) {
    const name = CUDA_ERROR_NAME.exec(line)?.[1];
    const mentionsCuda = /cuda/i.test(line);
    if (!name && !mentionsCuda) continue;
    const kind = CUDA_ERRORS.find((k) => (name ? k.names.includes(name) : line.includes(k.message)));
    if (kind) {
      return finish(ctx, { errorType: 'RUNTIME', severity: kind.severity, rule: kind.rule, hint: kind.hint, line, recoverable: kind.recoverable });
    }
    if (name && name !== 'cudaErrorNotReady') {
      return finish(ctx, {
        errorType: 'RUNTIME',
        severity: 3,
        rule: 'cuda-error',
        hint: `A CUDA call failed with ${name}: check the arguments of the CUDA call that reported it and of the kernel launch before it.`,
        line,
      });
    }
  }
  return null;
};

/** `terminate called after throwing an instance of 'X'` (exit 134): name the exception and its what(). */
const uncaughtException: Rule = (ctx) => {
  const index = ctx.lines.findIndex((l) => /^terminate called after throwing an instance of /.test(l));
  if (index < 0) return null;
  const line = ctx.lines[index]!;
  const type = /instance of ['‘]?([^'’]+)['’]?/.exec(line)?.[1] ?? 'an exception';
  const what = ctx.lines.slice(index + 1, index + 3).find((l) => l.startsWith('what():'));
  const advice = /out_of_range/.test(type)
    ? 'check every index against the container size before at()'
    : /bad_alloc/.test(type)
      ? 'an allocation is far too large; check the sizes you allocate'
      : /length_error/.test(type)
        ? 'a container was given an impossible size; check the sizes'
        : 'find where it is thrown and fix the cause, or catch it';
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'uncaught-exception',
    hint: `The program threw ${clip(type, 80)} and never caught it${what ? ` (${clip(what, 140)})` : ''}: ${advice}.`,
    line,
  });
};

/** abort() with a message: a failed assert() or glibc's heap-corruption checks. */
const abortMessage: Rule = (ctx) => {
  const assertLine = ctx.lines.find((l) => /Assertion [`'‘].*['’] failed/.test(l));
  if (assertLine) {
    return finish(ctx, {
      errorType: 'RUNTIME',
      severity: 3,
      rule: 'assertion-failed',
      hint: `An assert() failed: ${clip(assertLine, 200)}. The program reached a state its own checks forbid.`,
      line: assertLine,
    });
  }
  const heapLine = ctx.lines.find((l) =>
    /double free|free\(\): invalid|malloc\(\): |corrupted (?:size|double-linked|top size)|\*\*\* stack smashing detected/.test(l),
  );
  if (!heapLine) return null;
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'heap-corruption',
    hint: `The C library detected memory corruption (${clip(heapLine, 120)}): a buffer overflow or a double or invalid free; check buffer sizes and free each allocation exactly once.`,
    line: heapLine,
  });
};

/** Any other signal (exit 128+N): a crash of the program itself. */
const crashSignal: Rule = (ctx) => {
  const sig = ctx.signal;
  if (!sig) return null;
  const hints: Record<string, string> = {
    SIGSEGV:
      'The program crashed with a segmentation fault (SIGSEGV): a null or dangling pointer dereference or an out-of-bounds access on the host, or a device pointer read on the host; check allocation sizes and indices.',
    SIGBUS: 'The program crashed with a bus error (SIGBUS): a misaligned or invalid memory access; check pointer casts and buffer sizes.',
    SIGFPE: 'The program crashed with an arithmetic exception (SIGFPE): an integer division or modulo by zero; check divisors.',
    SIGILL: 'The program executed an illegal instruction (SIGILL): often a function that should return a value and does not; check every return path.',
    SIGABRT: 'The program called abort() (SIGABRT), usually from a failed check or a corrupted heap; look at its last messages.',
  };
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: signalRuleName(sig),
    hint: hints[sig.name] ?? `The program was killed by ${sig.name}; look at its last messages for the cause.`,
    line: signalLine(ctx.lines),
  });
};

/** The harness compared results and says FAIL: a wrong result (LOGIC). */
const verdictFail: Rule = (ctx) => {
  const verdict = lastVerdict(ctx.lines);
  if (verdict?.verdict !== 'FAIL') return null;
  return categorizeWrongResult(verdict.reason || 'no reason given', ctx.phase === 'PROFILE' ? 'PROFILE' : 'TEST', verdict.line);
};

/** Nsight Compute's own complaints, after the program's errors have had their turn. */
const profilerOutput: Rule = (ctx) => {
  if (ctx.phase !== 'PROFILE') return null;
  const noKernels = ctx.lines.find((l) => /^==WARNING== No kernels were profiled/.test(l));
  if (noKernels) {
    return finish(ctx, {
      errorType: 'PERFORMANCE',
      severity: 3,
      rule: 'profile-no-kernels',
      hint: 'The profiler saw no kernel launch: keep the kernel name the task asks for and make sure the program launches it on the GPU.',
      line: noKernels,
    });
  }
  const error = ctx.lines.find((l) => /^==ERROR==/.test(l) && !/The application returned an error code/.test(l));
  if (!error) return null;
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'profiler-error',
    hint: `The profiler failed: ${clip(error.replace(/^==ERROR==\s*/, ''), 200)}.`,
    line: error,
  });
};

/** A non-zero exit with nothing recognizable: show the most error-like line. */
const nonZeroExit: Rule = (ctx) => {
  if (ctx.outcome.exitCode === 0) return null;
  const line = ctx.lines.filter((l) => /error|fail|exception|abort/i.test(l)).pop() ?? lastMeaningfulLine(ctx.lines);
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'exit-nonzero',
    hint:
      `The program ended with ${exitText(ctx)} and no recognizable error` +
      (line ? `; its most telling line is: ${clip(line, 160)}` : '') +
      '. Check the return values of CUDA and library calls, and return 0 from main on success.',
    line,
  });
};

/** Exit 0: PASS is success; no verdict at all means the harness check never ran or never printed. */
const cleanExit: Rule = (ctx) => {
  const verdict = lastVerdict(ctx.lines);
  if (ctx.phase === 'PROFILE') {
    return finish(ctx, {
      errorType: 'PERFORMANCE',
      severity: 2,
      rule: 'profile-no-data',
      hint: 'The profiled run ended normally but gave no usable measurement: launch the kernel the task names and print the timing lines the task asks for.',
      line: lastMeaningfulLine(ctx.lines),
    });
  }
  if (verdict?.verdict === 'PASS') {
    return finish(ctx, {
      errorType: 'LOGIC',
      severity: 1,
      rule: 'test-pass',
      hint: 'The harness reported PASS; nothing to fix.',
      line: verdict.line,
    });
  }
  return finish(ctx, {
    errorType: 'LOGIC',
    severity: 2,
    rule: 'no-verdict',
    hint: `The harness printed no verdict (no "${VERDICT_MARKER} PASS" line): do not define main(), call exit() or return early in the solution, and do not print text that looks like a verdict.`,
    line: lastMeaningfulLine(ctx.lines),
  });
};

const TEST_RULES: readonly Rule[] = [
  runTimeout,
  resourceLimitSignal,
  sanitizerReport,
  cudaRuntimeError,
  uncaughtException,
  abortMessage,
  crashSignal,
  verdictFail,
  nonZeroExit,
  cleanExit,
];

const PROFILE_RULES: readonly Rule[] = [
  runTimeout,
  resourceLimitSignal,
  profilerPermission,
  sanitizerReport,
  cudaRuntimeError,
  uncaughtException,
  abortMessage,
  crashSignal,
  verdictFail,
  profilerOutput,
  nonZeroExit,
  cleanExit,
];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface SignalInfo {
  name: string;
  number: number;
}

/** Linux signal numbers (x86-64 and arm64 agree on these). */
const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
};

/**
 * The signal that ended the process: the signal name when the runner saw one, else a shell-style
 * exit status 128+N (decisions.md), or a negative status -N as some runners report it.
 */
function resolveSignal(outcome: ProcessOutcome): SignalInfo | null {
  if (typeof outcome.signal === 'string' && outcome.signal.trim() !== '') {
    const raw = outcome.signal.trim().toUpperCase();
    const name = raw.startsWith('SIG') ? raw : `SIG${raw}`;
    const entry = Object.entries(SIGNALS).find(([, n]) => n === name);
    return { name, number: entry ? Number(entry[0]) : 0 };
  }
  const code = outcome.exitCode;
  if (typeof code !== 'number' || !Number.isInteger(code)) return null;
  const n = code > 128 && code < 128 + 65 ? code - 128 : code < 0 && code > -65 ? -code : 0;
  if (n === 0) return null;
  return { name: SIGNALS[n] ?? `SIG${n}`, number: n };
}

/** `signal-11` for known numbers, `signal-SIGWINCH` when only the name is known. */
function signalRuleName(sig: SignalInfo): string {
  return `signal-${sig.number > 0 ? sig.number : sig.name}`;
}

function makeContext(outcome: ProcessOutcome): Context {
  const phase: RunPhase = outcome.phase === 'BUILD' || outcome.phase === 'PROFILE' ? outcome.phase : 'TEST';
  const safe: ProcessOutcome = {
    ...outcome,
    phase,
    output: typeof outcome.output === 'string' ? outcome.output : '',
    solutionFile: typeof outcome.solutionFile === 'string' ? outcome.solutionFile : '',
    harnessFiles: Array.isArray(outcome.harnessFiles) ? outcome.harnessFiles.filter((f) => typeof f === 'string') : [],
  };
  const lines = splitLines(safe.output);
  return { outcome: safe, phase, lines, signal: resolveSignal(safe), errors: phase === 'BUILD' ? locatedErrors(lines) : [] };
}

/** Non-empty, trimmed lines. */
function splitLines(output: string): string[] {
  return String(output ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function locatedErrors(lines: readonly string[]): LocatedError[] {
  const errors: LocatedError[] = [];
  for (const text of lines) {
    if (!text.includes('error')) continue; // cheap filter before the regexes
    const m = NVCC_ERROR.exec(text) ?? GCC_ERROR.exec(text);
    if (m) errors.push({ file: m[1]!, lineNo: Number(m[2]), message: (m[3] ?? '').trim(), text });
  }
  return errors;
}

/** The error to report: the first one in the solution file (the model can act on it), else the first. */
function primaryError(ctx: Context): LocatedError | undefined {
  const errors = ctx.errors;
  const solution = basename(ctx.outcome.solutionFile);
  return errors.find((e) => solution !== '' && basename(e.file) === solution) ?? errors[0];
}

/** The last well-formed verdict line, with the FAIL reason. */
function lastVerdict(lines: readonly string[]): { verdict: 'PASS' | 'FAIL'; line: string; reason: string } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const at = line.indexOf(VERDICT_MARKER);
    if (at < 0) continue;
    const m = /^\s*(PASS|FAIL)\b(.*)$/.exec(line.slice(at + VERDICT_MARKER.length));
    if (m) return { verdict: m[1] as 'PASS' | 'FAIL', line: clip(line), reason: (m[2] ?? '').trim() };
  }
  return null;
}

function signalLine(lines: readonly string[]): string {
  return lines.find((l) => /segmentation fault|core dumped|bus error|floating point exception|illegal instruction|aborted|killed/i.test(l)) ?? '';
}

/** The last line that is not the sanitizer's or profiler's framing; "" when there is none. */
function lastMeaningfulLine(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (!/^(?:==PROF==|=========\s*$)/.test(l)) return l;
  }
  return '';
}

function stripSanitizerPrefix(line: string): string {
  return line.replace(/^=========\s*/, '').trim();
}

function basename(path: string): string {
  const parts = String(path ?? '').split(/[\\/]/);
  return (parts[parts.length - 1] ?? '').trim();
}

function isHeader(file: string): boolean {
  return /\.(?:h|hh|hpp|hxx|cuh|inl)$/i.test(file);
}

function where(e: LocatedError): string {
  return `${basename(e.file)} line ${e.lineNo}`;
}

function solutionName(ctx: Context): string {
  return ctx.outcome.solutionFile || 'the solution file';
}

function exitText(ctx: Context): string {
  const code = ctx.outcome.exitCode;
  return typeof code === 'number' ? `exit status ${code}` : 'an unknown exit status';
}

function formatScore(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : String(n);
}

/** Trims and cuts to `max` characters (the last one an ellipsis when cut). */
function clip(text: string, max: number = MAX_LINE_LENGTH): string {
  const t = String(text ?? '').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

function finish(ctx: Context, f: Finding): Categorization {
  return {
    errorType: f.errorType,
    phase: ctx.phase,
    severity: f.severity,
    recoverable: f.recoverable ?? true,
    // Tool output pads with runs of spaces ("what():  msg"); one space reads better in a prompt.
    hint: clip(f.hint.replace(/\s+/g, ' '), 600) || 'Read the output and fix the first error it shows.',
    firstErrorLine: clip(f.line),
    rule: f.rule,
  };
}
