/**
 * One attempt: generate (or take a person's code), build, test, categorize. Its outcome is one of
 * three: the reply was refused (no usable code), the build failed, or the candidate was tested
 * (passed or not). Infrastructure faults throw; a cancellation propagates.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { judgeBuild, judgeTest } from '../policy/parsers/answer-verdict';
import { extractFiles, type ExtractedFile } from '../policy/parsers/extract-code';
import { categorizeReply } from '../policy/parsers/generation-failure';
import type { ChatMessage } from '../policy/prompts/prompt';
import type { Categorization } from '../policy/run-types';
import { buildAndTest, type CandidateContext } from './candidate';
import { generateWaitingOutOutages } from './model-server-wait';
import type { TaskActivities } from './task-activities';
import type { TaskStateStore } from './task-state';
import { taskBroken } from './task-fault';

interface AttemptFacts {
  attemptNo: number;
  model: string;
  startedAt: string;
  files: ExtractedFile[];
  /** The reply (refused), the build output (build failed) or the test output (tested). */
  output: string;
  llmMs: number;
}

/** Built and tested on a host: where the binary lives (the optimization phase profiles it there). */
interface OnHost {
  buildMs: number;
  testMs: number;
  host: string;
  runFolder: string;
  hostQueue: string;
  /** The sandbox the build and test ran in ('bubblewrap', or 'none': unsandboxed). */
  sandbox: string | null;
}

export type RefusedAttempt = AttemptFacts & { kind: 'refused'; categorization: Categorization };
export type BuildFailedAttempt = AttemptFacts & {
  kind: 'build_failed';
  categorization: Categorization;
  buildMs: number;
  host: string;
  sandbox: string | null;
};
export type PassedAttempt = AttemptFacts & OnHost & { kind: 'tested'; passed: true; categorization: null };
export type FailedTestAttempt = AttemptFacts & OnHost & { kind: 'tested'; passed: false; categorization: Categorization };
export type AttemptOutcome = RefusedAttempt | BuildFailedAttempt | PassedAttempt | FailedTestAttempt;

export function isPassed(outcome: AttemptOutcome): outcome is PassedAttempt {
  return outcome.kind === 'tested' && outcome.passed;
}

/** Runs attempts for one task; counts each model's answers (the scripted server's and the history's model attempt). */
export class TaskAttempts {
  private readonly modelAnswers = new Map<string, number>();

  constructor(
    private readonly ctx: CandidateContext,
    private readonly llm: TaskActivities['llm'],
    private readonly store: TaskStateStore,
  ) {}

  /** Asks `model` with `messages` (waiting out model-server outages), then builds and tests the code. */
  async generated(attemptNo: number, model: string, messages: ChatMessage[]): Promise<AttemptOutcome> {
    const { task, config } = this.ctx;
    const startedAt = new Date().toISOString();
    const label = `#${attemptNo} ${model}`;
    this.store.beginStep('generating');
    const modelAttempt = (this.modelAnswers.get(model) ?? 0) + 1;
    this.modelAnswers.set(model, modelAttempt);
    const reply = await generateWaitingOutOutages(
      this.llm,
      this.store,
      config.llm.outage_budget_seconds,
      {
        taskId: task.id,
        workflowId: this.ctx.workflowId,
        model,
        modelAttempt,
        messages,
        temperature: config.llm.temperature,
      },
      `${label}: generate`,
    );
    const extraction = extractFiles(
      reply.reply,
      task.solution_file,
      task.language,
      task.harnessFiles.map((f) => f.path),
      task,
    );
    const facts = { attemptNo, model, startedAt, llmMs: reply.durationMs };
    const refused = categorizeReply(reply.doneReason, extraction.ok ? null : extraction);
    if (refused) return { ...facts, kind: 'refused', categorization: refused, files: [], output: reply.reply.slice(0, config.output_keep_chars) };
    if (!extraction.ok)
      throw ApplicationFailure.nonRetryable(`categorizeReply accepted a reply without code (${extraction.reason})`, 'UnreadableReply');
    return this.buildAndTest(facts, extraction.files);
  }

  /** A person's code, built and tested like any answer. */
  manual(attemptNo: number, code: string): Promise<AttemptOutcome> {
    const facts = { attemptNo, model: 'manual', startedAt: new Date().toISOString(), llmMs: 0 };
    return this.buildAndTest(facts, [{ path: this.ctx.task.solution_file, content: code }]);
  }

  private async buildAndTest(facts: Omit<AttemptFacts, 'files' | 'output'>, files: ExtractedFile[]): Promise<AttemptOutcome> {
    const { task } = this.ctx;
    this.store.beginStep('building');
    const seed = Math.floor(Math.random() * 2 ** 31);
    // New publish points ('testing', a build again on another host): tasks started before them replay without them.
    const onStep = (step: 'building' | 'testing') => {
      if (patched('kisystem-status-testing')) this.store.beginStep(step);
    };
    const run = await buildAndTest(this.ctx, facts.attemptNo, files, seed, `#${facts.attemptNo} ${facts.model}`, onStep);
    const b = run.build;
    if (run.stage === 'build') {
      const verdict = judgeBuild(task, b);
      // Only the answer is charged: a build the task's own files break ends the task, no run recorded.
      if (verdict.kind === 'task-fault' && patched('kisystem-task-fault')) taskBroken(verdict.categorization, facts.model, facts.attemptNo);
      return {
        ...facts,
        kind: 'build_failed',
        categorization: verdict.categorization,
        files,
        output: b.output,
        buildMs: b.durationMs,
        host: b.host,
        sandbox: b.sandbox ?? null,
      };
    }
    const t = run.test;
    const onHost = {
      files,
      output: t.output,
      buildMs: b.durationMs,
      testMs: t.durationMs,
      host: t.host,
      runFolder: b.runFolder,
      hostQueue: run.hostQueue,
      sandbox: t.sandbox ?? null,
    };
    const verdict = judgeTest(task, t);
    if (verdict.kind === 'passed') return { ...facts, ...onHost, kind: 'tested', passed: true, categorization: null };
    return { ...facts, ...onHost, kind: 'tested', passed: false, categorization: verdict.categorization };
  }
}
