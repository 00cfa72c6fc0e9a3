/** The task workflow's queries and updates, and the shapes of its state and result. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { Categorization } from '../policy/run-types';
import type { StopLossDecision } from '../policy/rules/stop-loss';
import type { StartDecision } from '../policy/rules/hybrid-decision';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import type { VerdictSource } from '../policy/schemas/task-wiring';

export type TaskStatus =
  | 'starting'
  | 'generating'
  | 'building'
  | 'testing'
  | 'optimizing'
  | 'waiting_for_person'
  | 'waiting_for_model_server'
  | 'succeeded'
  | 'exhausted'
  | 'gave_up'
  | 'failed'
  | 'cancelled';

/** Where the workflow sends its activities (defaults: `kisystem-gpu`). */
export interface TaskQueues {
  /** LLM calls and host claims of C++ tasks. */
  gpu: string;
  /** Host claims of CUDA tasks: only hosts with a GPU and nvcc poll it. */
  cuda: string;
}

export interface TaskWorkflowInput {
  task: ResolvedTask;
  /** The validated config, frozen into the task at submission. */
  config: KisystemConfig;
  queues: TaskQueues;
  /** Set by the queue workflow: the task signals the queue (its latest run) when it ends. */
  notifyQueue?: { workflowId: string; key: string };
}

/** One run as the workflow reports it (the learning history holds the same, and more). */
export interface RunSummary {
  attemptNo: number;
  model: string;
  source: 'model' | 'manual';
  outcome: 'success' | 'failure';
  phase: string;
  categorization: Categorization | null;
  /** What stop-loss decided after this run (absent after a success). */
  decision: StopLossDecision | null;
  host: string | null;
  llmMs: number;
  buildMs: number;
  testMs: number;
  /** The sandbox the run's build and test ran in: 'bubblewrap', 'none' (unsandboxed); null when nothing was built. */
  sandbox?: string | null;
  /** Where the verdict came from: 'checker' (trusted) or 'self-reported' (the candidate's own line, forgeable). */
  verdictSource?: VerdictSource;
}

/** One iteration of the optimization phase. */
export interface OptimizationIteration {
  /** 0: the baseline (the first passing candidate), 1..max_optimization_iterations: new candidates. */
  iteration: number;
  /** The run (attemptNo) of the candidate. */
  attemptNo: number;
  model: string;
  /** The profile tier that counted; null when the candidate never got to profiling (build/test/generation failure). */
  tier: 0 | 1 | null;
  /** The trigger rule of policy/rules/two-tier.ts decideTier (null without profiling). */
  rule: string | null;
  /** decideTier's summary, e.g. "iteration 3: tier 1, score +6 > 5" (or why it was rejected). */
  summary: string;
  /** Score that counted (full-profile score at tier 1, the estimate at tier 0); null without profiling. */
  score: number | null;
  /** Median microbenchmark time in ms; null without profiling. */
  timeMs: number | null;
  /** Became the best candidate (the baseline always does). */
  accepted: boolean;
  /** Why it was not accepted: "LOGIC", "COMPILATION", "PERFORMANCE" (slower than the best), ...; null when accepted. */
  rejectedAs: string | null;
}

export interface OptimizationSummary {
  iterations: OptimizationIteration[];
  bestScore: number;
  bestIteration: number;
  bestTimeMs: number;
  /** Wall time of the microbenchmark activities (tier 0), ms. */
  profileMsTier0: number;
  /** Wall time of the full-profile activities (tier 1), ms. */
  profileMsTier1: number;
  /** Why the phase ended: target reached, iterations used up, stop-loss, or a profiling error. */
  stopReason: string;
  /** Set when the profiler that ran is not the one asked for (e.g. nsys asked, ncu ran). */
  fellBack: string | null;
  /** Stop-loss escalations of the optimization phase (its own counter). */
  escalations: EscalationEvent[];
}

export interface EscalationEvent {
  afterAttempt: number;
  from: string;
  to: string;
  rule: string;
  reason: string;
}

/** What an attempt is doing; in the optimization phase shown beside the status 'optimizing'. */
export type TaskStep = 'generating' | 'building' | 'testing';

/** A durable, visible wait for a model server that is down or lacks the model: an outage is never a run and never counted against the model. */
export interface ModelServerWait {
  kind: 'model_server';
  /** The server's base URL as the LLM activity reports it. */
  server: string;
  model: string;
  /** When the outage began (ISO); the outage budget counts from here. */
  since: string;
  /** The last error. */
  error: string;
  /** What a person can do, e.g. "run: ollama pull qwen2.5-coder:32b". */
  hint: string | null;
  /** When the generation is asked for again (ISO). */
  nextTry: string;
}

export interface TaskState {
  taskId: string;
  title: string;
  domain: string;
  domainReason: string;
  status: TaskStatus;
  chain: string[];
  chainReason: string;
  /** How the start model was chosen, with every input (Meta-Supervisor bias, complexity, failure state). */
  start: StartDecision;
  /** The domain's Meta-Supervisor priority when the task started (null without history). */
  priority: { score: number; runs: number; successRate: number } | null;
  currentModel: string;
  failuresOfCurrent: number;
  runs: RunSummary[];
  escalations: EscalationEvent[];
  /** The optimization phase so far (null for a task without a benchmark, or before it starts). */
  optimization: OptimizationSummary | null;
  /** Set while the workflow waits for a person. */
  fallback: { reason: string; waitingSince: string; deadline: string } | null;
  /** The optimization phase's current step (null outside the phase). */
  step: TaskStep | null;
  /** Set while the workflow waits for the model server. */
  waiting: ModelServerWait | null;
  /** Where the task's verdicts come from: its trusted checker, or the candidate's own (forgeable) line. Absent in older tasks. */
  verdictSource?: VerdictSource;
  /** How the task ended, in a sentence (the result's message, or the failure's); absent while it runs. */
  endMessage?: string;
}

export interface TaskResult {
  taskId: string;
  status: 'succeeded' | 'exhausted' | 'gave_up';
  /** The model whose code passed ("manual" for a person's). */
  winningModel: string | null;
  /** Models in the order they were used. */
  escalationPath: string[];
  /** How the first model was chosen. */
  start: StartDecision;
  runs: RunSummary[];
  escalations: EscalationEvent[];
  /** The passing code (absent when nothing passed); after optimization the best correct candidate. */
  finalCode: ExtractedFile[] | null;
  /** The optimization phase; null when it did not run (no benchmark in the task, or max_optimization_iterations 0). */
  optimization: OptimizationSummary | null;
  message: string;
}

export interface ManualSolution {
  /** The whole solution file. */
  code: string;
  /** Who hands it in (free text, for the history). */
  author?: string;
}

export interface ManualOutcome {
  attemptNo: number;
  outcome: 'success' | 'failure';
  categorization: Categorization | null;
}

export const stateQuery = defineQuery<TaskState>('state');
/** A person hands in code at the fallback; answered after it was built and tested. */
export const submitSolutionUpdate = defineUpdate<ManualOutcome, [ManualSolution]>('submitSolution');
/** A person gives up at the fallback. */
export const giveUpUpdate = defineUpdate<void, [string]>('giveUp');

/** Largest manual solution accepted (characters). */
export const MAX_MANUAL_CODE = 512 * 1024;
