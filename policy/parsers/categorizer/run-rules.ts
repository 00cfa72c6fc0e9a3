/** The categorizer's TEST and PROFILE rules, tried in order; the first match wins. */
import type { Categorization, Severity } from '../../run-types';
import { type Rule, VERDICT_MARKER, signalRuleName, lastVerdict, signalLine, lastMeaningfulLine, exitText, clip, finish } from './context';
import { CUDA_ERRORS, CUDA_ERROR_NAME } from './cuda-errors';
import { sanitizerReport } from './sanitizer-rules';

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

/** A run killed for running past its time limit. */
export const runTimeout: Rule = (ctx) =>
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
export const resourceLimitSignal: Rule = (ctx) => {
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
export const profilerPermission: Rule = (ctx) => {
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


/**
 * CUDA runtime errors. The first one printed is the cause; later ones are usually the same sticky
 * error reported again by later calls.
 */
export const cudaRuntimeError: Rule = (ctx) => {
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
export const uncaughtException: Rule = (ctx) => {
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
export const abortMessage: Rule = (ctx) => {
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
export const crashSignal: Rule = (ctx) => {
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
export const verdictFail: Rule = (ctx) => {
  const verdict = lastVerdict(ctx.lines);
  if (verdict?.verdict !== 'FAIL') return null;
  return categorizeWrongResult(verdict.reason || 'no reason given', ctx.phase === 'PROFILE' ? 'PROFILE' : 'TEST', verdict.line);
};

/** Nsight Compute's own complaints, after the program's errors have had their turn. */
export const profilerOutput: Rule = (ctx) => {
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
export const nonZeroExit: Rule = (ctx) => {
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
export const cleanExit: Rule = (ctx) => {
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

export const TEST_RULES: readonly Rule[] = [
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

export const PROFILE_RULES: readonly Rule[] = [
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
