/** Shared shapes of a run's outcome: what the categorizer returns and the activities report. */

/** The guide's four error types, plus GENERATION for a model reply that holds no usable code. */
export const ERROR_TYPES = ['COMPILATION', 'RUNTIME', 'PERFORMANCE', 'LOGIC', 'GENERATION'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** Where a run failed. GENERATE: the model's reply itself (cut short, no code, bad file name). */
export const PHASES = ['GENERATE', 'BUILD', 'TEST', 'PROFILE'] as const;
export type Phase = (typeof PHASES)[number];

export type Severity = 1 | 2 | 3 | 4 | 5;

/** The error categorizer's verdict (guide section 6), plus the line a person should read first. */
export interface Categorization {
  errorType: ErrorType;
  phase: Phase;
  /** 1 minor .. 5 critical; >= 4 escalates to the next model at once. */
  severity: Severity;
  /** false: no model can fix this (the task itself is broken); the task goes to the manual fallback. */
  recoverable: boolean;
  /** Recovery hint passed to the next prompt. */
  hint: string;
  /** The most telling line of the output, for the Web UI and the history ("" when none). */
  firstErrorLine: string;
  /** Short name of the rule that matched, for tests and for people ("nvcc-syntax", "signal-11"). */
  rule: string;
}

/** What the categorizer reads: real process output and how the process ended. */
export interface ProcessOutcome {
  phase: 'BUILD' | 'TEST' | 'PROFILE';
  /** Exit status, or null when killed by a signal. */
  exitCode: number | null;
  /** Signal name such as "SIGSEGV", or null. */
  signal: string | null;
  /** true when kisystem killed it for running past its timeout. */
  timedOut: boolean;
  /** stdout and stderr together (already trimmed). */
  output: string;
  /** The file the model wrote, so that errors in the task's own harness can be told apart. */
  solutionFile: string;
  /** The task's harness files (errors located only in them mean the task itself is broken). */
  harnessFiles: readonly string[];
  /** The sandbox limit that ended the run ('time', 'cpu', 'memory', 'processes', 'disk'), when one did. */
  limitKill?: string | null;
}
