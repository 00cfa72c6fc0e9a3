/**
 * Runs ended by a sandbox limit, named by what really happened (the runner knows: it polled the CPU
 * time and the disk, read the cgroup's OOM and process-limit counters, or hit the wall-clock
 * timeout). Pure: no I/O (workflow code imports it). A limit that is not the answer's fault (the
 * cgroup could not be created, the host is busy) never reaches here: the activity throws an
 * infrastructure fault instead.
 */
import type { Categorization, Phase, Severity } from '../run-types';

export const LIMIT_KINDS = ['time', 'cpu', 'memory', 'processes', 'disk'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

interface LimitText {
  severity: Severity;
  rule: string;
  test: string;
  build: string;
}

const TEXTS: Readonly<Record<LimitKind, LimitText>> = {
  time: {
    severity: 4,
    rule: 'limit-time',
    test: 'The program ran past its time limit and was stopped: look for an infinite loop, a deadlock (a lock never released, a lost wake-up, a __syncthreads() inside a divergent branch) or a far too slow algorithm.',
    build: 'The build ran past its time limit: look for template or constexpr recursion that never ends, or huge generated code.',
  },
  cpu: {
    severity: 4,
    rule: 'limit-cpu',
    test: 'The program reached its CPU time limit (the CPU seconds of every core of the machine, summed over all its threads and processes: keeping all cores busy is allowed) and was stopped: look for an infinite loop, a far too slow algorithm, or threads spinning instead of blocking waits.',
    build: 'The build used more CPU time than allowed: look for template or constexpr recursion that never ends.',
  },
  memory: {
    severity: 4,
    rule: 'limit-memory',
    test: 'The program used more memory than allowed (counted over all its processes) and was killed: allocate only what the task needs (check sizes in bytes, not elements squared), free what you allocate in loops, and do not keep growing containers.',
    build: 'The compiler ran out of memory and was killed: do not #include files that are not source code (devices, huge data), and avoid exploding templates or macros.',
  },
  processes: {
    severity: 4,
    rule: 'limit-processes',
    test: 'The program tried to start more processes or threads than allowed: do not fork or spawn processes, and use a bounded number of threads.',
    build: 'The build tried to start more processes than allowed.',
  },
  disk: {
    severity: 5,
    rule: 'limit-disk',
    test: 'The program wrote more to disk than allowed and was stopped: do not write files; print only the few lines the task asks for.',
    build: 'The build wrote more to disk than allowed and was stopped.',
  },
};

export function isLimitKind(value: unknown): value is LimitKind {
  return typeof value === 'string' && (LIMIT_KINDS as readonly string[]).includes(value);
}

/** The categorization of a run a limit ended, or null when no limit did. */
export function categorizeLimitKill(kind: unknown, phase: Exclude<Phase, 'GENERATE'>, lastLine = ''): Categorization | null {
  if (!isLimitKind(kind)) return null;
  const text = TEXTS[kind];
  return {
    errorType: 'RUNTIME',
    phase,
    severity: text.severity,
    recoverable: true,
    hint: phase === 'BUILD' ? text.build : text.test,
    firstErrorLine: lastLine.trim().slice(0, 300),
    rule: phase === 'PROFILE' ? `profile-${text.rule}` : text.rule,
  };
}

/**
 * A compiler driver's own report that one of its programs (the assembler, the compiler proper, the
 * linker) was killed by SIGXFSZ: the object file or assembly it wrote reached the per-file limit.
 * The program wrote into the driver's temporary folder and the driver removed the file, so no file
 * at the limit is left to find; the driver's line is the evidence. Only lines the driver prints
 * itself count (they start with its name: "g++: internal compiler error: File size limit exceeded
 * signal terminated program as", "nvcc error : 'ptxas' died due to signal 25"), never diagnostics
 * that quote the answer's source, which start with a file name and line.
 */
const DRIVER_FILE_SIZE_KILL =
  /^(?:[^\s:]*\/)?(?:g\+\+|gcc|c\+\+|cc|clang\+\+|clang|nvcc|collect2|ld)(?:-[\d.]+)?(?::| +error *:) .*(?:File size limit exceeded|signal 25\b)/m;

export function compilerFileSizeKill(output: string): boolean {
  return DRIVER_FILE_SIZE_KILL.test(output);
}
