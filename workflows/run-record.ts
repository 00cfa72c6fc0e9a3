/** Recording a run: the learning history (recordRun) and the task's state, with its decision. */
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { Categorization } from '../policy/run-types';
import type { StopLossDecision } from '../policy/rules/stop-loss';
import type { AttemptOutcome } from './attempt';
import type { CandidateContext } from './candidate';
import type { RunSummary } from '../contracts/task-messages';
import type { TaskActivities } from './task-activities';
import type { TaskStateStore } from './task-state';
import { verdictSourceOf } from '../policy/schemas/task-wiring';

/** A run as it is recorded: an attempt's facts with the verdict that counts (null: a success). */
export interface RunToRecord {
  attemptNo: number;
  model: string;
  source: 'model' | 'manual';
  startedAt: string;
  files: ExtractedFile[];
  output: string;
  llmMs: number;
  buildMs: number;
  testMs: number;
  host: string | null;
  /** The sandbox the run's build and test ran in; null when nothing was built. */
  sandbox: string | null;
  categorization: Categorization | null;
}

export function runOf(outcome: AttemptOutcome, source: 'model' | 'manual'): RunToRecord {
  const { attemptNo, model, startedAt, files, output, llmMs, categorization } = outcome;
  const base = { attemptNo, model, source, startedAt, files, output, llmMs, categorization };
  switch (outcome.kind) {
    case 'refused':
      return { ...base, buildMs: 0, testMs: 0, host: null, sandbox: null };
    case 'build_failed':
      return { ...base, buildMs: outcome.buildMs, testMs: 0, host: outcome.host, sandbox: outcome.sandbox };
    case 'tested':
      return { ...base, buildMs: outcome.buildMs, testMs: outcome.testMs, host: outcome.host, sandbox: outcome.sandbox };
  }
}

export function decisionText(decision: StopLossDecision): string {
  switch (decision.kind) {
    case 'retry':
      return `retry ${decision.model} (${decision.reason})`;
    case 'escalate':
      return `escalate to ${decision.to} (${decision.rule}: ${decision.reason})`;
    case 'fallback':
      return `manual fallback (${decision.rule}: ${decision.reason})`;
  }
}

function shortDecision(decision: StopLossDecision): string {
  switch (decision.kind) {
    case 'retry':
      return 'retry';
    case 'escalate':
      return `escalate to ${decision.to} (${decision.rule})`;
    case 'fallback':
      return `manual fallback (${decision.rule})`;
  }
}

export class RunRecorder {
  constructor(
    private readonly ctx: CandidateContext,
    private readonly learning: TaskActivities['learning'],
    private readonly store: TaskStateStore,
  ) {}

  /** `extra` (optimization runs): a note before the verdict in the activity summary, and the phase of a success. */
  async record(run: RunToRecord, decision: StopLossDecision | null, extra?: { note?: string; phase?: string }): Promise<RunSummary> {
    const { task, config } = this.ctx;
    const c = run.categorization;
    // A task without a checker: the answer printed its own verdict, which it can forge.
    const verdictSource = verdictSourceOf(task);
    // Configs frozen into tasks before the key existed have no `learning` section.
    const inLearning = verdictSource === 'checker' || config.learning?.include_self_reported === true;
    const summary: RunSummary = {
      attemptNo: run.attemptNo,
      model: run.model,
      source: run.source,
      outcome: c ? 'failure' : 'success',
      phase: c?.phase ?? extra?.phase ?? 'TEST',
      categorization: c,
      decision,
      host: run.host,
      llmMs: run.llmMs,
      buildMs: run.buildMs,
      testMs: run.testMs,
      sandbox: run.sandbox,
      verdictSource,
    };
    // The decision goes before the error line, so that a narrow timeline still shows it.
    const verdict = c ? `${c.phase} ${c.errorType} sev ${c.severity}` : 'passed';
    const next = decision ? ` => ${shortDecision(decision)}` : '';
    const line = c?.firstErrorLine ? ` | ${c.firstErrorLine}` : '';
    const note = extra?.note ? `${extra.note} · ` : '';
    await this.learning.recordRun.executeWithOptions({ summary: `#${run.attemptNo} ${run.model}: ${note}${verdict}${next}${line}` }, [
      {
        taskId: task.id,
        workflowId: this.ctx.workflowId,
        workflowRunId: this.ctx.workflowRunId,
        attemptNo: run.attemptNo,
        domain: task.domain,
        model: run.model,
        source: run.source,
        phase: summary.phase,
        outcome: summary.outcome,
        errorType: c?.errorType ?? null,
        severity: c?.severity ?? null,
        recoverable: c?.recoverable ?? null,
        rule: c?.rule ?? null,
        firstErrorLine: c?.firstErrorLine ?? null,
        hint: c?.hint ?? null,
        decision: decision ? decisionText(decision) : null,
        // Statistics read these columns, never the text.
        decisionKind: decision?.kind ?? null,
        decisionRule: decision?.rule ?? null,
        llmMs: run.llmMs,
        buildMs: run.buildMs,
        testMs: run.testMs,
        startedAt: run.startedAt,
        finishedAt: new Date().toISOString(),
        host: run.host,
        sandbox: run.sandbox,
        verdictSource,
        inLearning,
        code: run.files.map((f) => (run.files.length > 1 ? `// file: ${f.path}\n${f.content}` : f.content)).join('\n') || null,
        output: run.output || null,
      },
    ]);
    this.store.addRun(summary);
    return summary;
  }
}
