/** The categorizer's BUILD rules (nvcc, g++, ptxas, the linker), tried in order; the first match wins. */
import { type Rule, primaryError, lastMeaningfulLine, basename, isHeader, where, solutionName, exitText, clip, finish } from './context';
import { NVCC_ERROR, MISSING_HEADER, INSTANTIATION, UNDEFINED_REFERENCE, MULTIPLE_DEFINITION, PTXAS_ERROR, CUDA_LIBRARIES } from './patterns';

/** A build that ran past its time limit: the code makes the compiler work far too hard. */
export const buildTimeout: Rule = (ctx) =>
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
export const buildKilled: Rule = (ctx) => {
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
export const harnessErrors: Rule = (ctx) => {
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

/** A source file named on the compiler's command line that is not there (g++, cc1plus, nvcc). */
const MISSING_SOURCE = /^(?:\S*(?:g\+\+|c\+\+|cc1plus|gcc|clang\+\+)(?:-[\d.]+)?: (?:fatal )?error: (.+?): No such file or directory|nvcc fatal\s*: Could not open input file '?([^']+?)'?)$/;

/**
 * A translation unit the build names is missing. The model writes only the solution file, which is
 * always there, so a missing source is the task's wiring (a build.sources entry, a harness file that
 * was never copied): no model can fix it.
 */
export const harnessFileMissing: Rule = (ctx) => {
  for (const line of ctx.lines) {
    const m = MISSING_SOURCE.exec(line);
    const file = m ? (m[1] ?? m[2] ?? '').trim() : '';
    if (!m || basename(file) === basename(ctx.outcome.solutionFile)) continue;
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 5,
      rule: 'harness-file-missing',
      recoverable: false,
      hint: `The task's build names ${clip(file, 120)}, which is not in the run folder (build.sources or harness.files of the task). No model can fix this; the task needs a person.`,
      line,
    });
  }
  return null;
};

/** Object files named in a linker line (`x.cpp:(.text+0x0)`), without their folders. */
function linkedFiles(line: string): string[] {
  return [...line.matchAll(/([A-Za-z0-9_.\-/]+\.(?:cpp|cc|cxx|cu|c)):\(/g)].map((m) => basename(m[1]!));
}

/**
 * Two harness files that define the same symbol (two main()s: a checker that is not named
 * checker* and so was compiled into the candidate). The solution is not involved, so no model can fix it.
 */
export const harnessLink: Rule = (ctx) => {
  const solution = basename(ctx.outcome.solutionFile);
  // A header solution is compiled inside the harness files: a symbol it defines twice shows up as theirs.
  if (isHeader(solution)) return null;
  const harness = new Set(ctx.outcome.harnessFiles.map(basename));
  for (const line of ctx.lines) {
    if (!MULTIPLE_DEFINITION.test(line)) continue;
    const files = linkedFiles(line);
    if (files.length < 2 || !files.every((f) => harness.has(f) && f !== solution)) continue;
    const symbol = MULTIPLE_DEFINITION.exec(line)![1] ?? '';
    return finish(ctx, {
      errorType: 'COMPILATION',
      severity: 5,
      rule: 'harness-link',
      recoverable: false,
      hint: `The task's own harness files ${[...new Set(files)].join(' and ')} both define \`${clip(symbol, 100)}\` (a checker not named checker* is compiled into the candidate). No model can fix this; the task needs a person.`,
      line,
    });
  }
  return null;
};

/** A `#include` the toolchain cannot find. */
export const missingHeader: Rule = (ctx) => {
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
export const templateInstantiation: Rule = (ctx) => {
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
export const compileError: Rule = (ctx) => {
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
export const ptxasError: Rule = (ctx) => {
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
export const linkError: Rule = (ctx) => {
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
export const buildFailed: Rule = (ctx) => {
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

export const BUILD_RULES: readonly Rule[] = [
  buildTimeout,
  buildKilled,
  harnessErrors,
  harnessFileMissing,
  harnessLink,
  missingHeader,
  templateInstantiation,
  compileError,
  ptxasError,
  linkError,
  buildFailed,
];
