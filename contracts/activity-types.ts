/** Inputs and results of the activities, shared with the workflow (imported there as types only). */
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { ChatMessage } from '../policy/prompts/prompt';
import type { TaskFileContent } from '../policy/schemas/task-schema';
import type { VerdictSource } from '../policy/schemas/task-wiring';

export interface GenerateInput {
  taskId: string;
  workflowId: string;
  model: string;
  /** 1-based count of this model's answers in this task (lets scripted servers answer deterministically). */
  modelAttempt: number;
  messages: ChatMessage[];
  temperature: number;
}

export interface GenerateResult {
  reply: string;
  /** "stop" for a complete answer; "length" when the server cut it short. */
  doneReason: string;
  durationMs: number;
  /** Tokens generated, when the server says. */
  evalCount: number | null;
  /** Set when the prompt was shortened to fit the model's context window: what was cut. */
  promptNote?: string;
}

export interface HostClaim {
  hostId: string;
  hostQueue: string;
  hasGpu: boolean;
  hasNvcc: boolean;
  description: string;
}

export interface BuildInput {
  workflowId: string;
  workflowRunId: string;
  attemptNo: number;
  language: 'cuda' | 'cpp';
  harnessFiles: TaskFileContent[];
  modelFiles: ExtractedFile[];
  solutionFile: string;
  /** Translation units; default: harness .cu/.cpp/.cc files plus the solution. */
  sources?: string[];
  flags: string[];
  output: string;
  timeoutS: number;
  keepChars: number;
}

export interface BuildResult {
  ok: boolean;
  runFolder: string;
  command: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
  durationMs: number;
  host: string;
  /** The sandbox limit that ended the build ('time', 'cpu', 'memory', 'processes', 'disk'), when one did. */
  limitKill?: string | null;
  /** 'bubblewrap', or 'none' when the host runs model code unsandboxed. */
  sandbox?: string;
}

export interface TestInput {
  runFolder: string;
  command: string[];
  language: 'cuda' | 'cpp';
  timeoutS: number;
  keepChars: number;
  limits: { cpuSeconds: number; memoryMb: number; maxProcesses: number; maxFileMb: number };
  /** Seed for the harness's random inputs (KISYSTEM_SEED). */
  seed: number;
}

export interface TestResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
  durationMs: number;
  host: string;
  /** The sandbox limit that ended the test, when one did. */
  limitKill?: string | null;
  /** 'bubblewrap', or 'none' when the host runs model code unsandboxed. */
  sandbox?: string;
  /** 'checker': the task's trusted checker gave the verdict; 'self-reported': the candidate's own output did (a task without a checker). */
  verdictSource?: VerdictSource;
}

export interface RecordRunInput {
  taskId: string;
  workflowId: string;
  workflowRunId: string;
  attemptNo: number;
  domain: string;
  model: string;
  source: 'model' | 'manual';
  phase: string;
  outcome: 'success' | 'failure';
  errorType: string | null;
  severity: number | null;
  recoverable: boolean | null;
  rule: string | null;
  firstErrorLine: string | null;
  hint: string | null;
  decision: string | null;
  /** The decision's kind and rule (columns; statistics read these). Absent from older workflows: derived from the decision's kind in the activity is NOT done. */
  decisionKind?: 'retry' | 'escalate' | 'fallback' | null;
  decisionRule?: 'below-stoploss' | 'stoploss' | 'severity' | 'chain-exhausted' | 'non-recoverable' | null;
  llmMs: number;
  buildMs: number;
  testMs: number;
  startedAt: string;
  finishedAt: string;
  host: string | null;
  /** The sandbox the run's build and test ran in: 'bubblewrap', 'none' (unsandboxed), null when nothing was built. */
  sandbox?: string | null;
  /** Where the verdict came from: the task's checker, or the candidate's own line (a task without a checker). Absent from older workflows. */
  verdictSource?: VerdictSource;
  /** false: the learning leaves this run out (a self-reported verdict, config learning.include_self_reported false). Absent: counted. */
  inLearning?: boolean;
  code: string | null;
  output: string | null;
}
