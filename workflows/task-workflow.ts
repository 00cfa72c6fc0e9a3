/**
 * The loop of one task (guide section 2, decisions.md): pick the model, ask it for code, build,
 * test, record the run, and escalate along the domain's chain by stop-loss; at the end of the chain
 * wait durably for a person. Deterministic: every side effect is an activity.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { LearningActivities } from '../activities/learning';
import type { LlmActivities } from '../activities/llm';
import type { MetaActivities } from '../activities/meta';
import { taskComplexity, taskComplexityText } from '../policy/complexity';
import { failureStateScore } from '../policy/failure-state';
import { decideStart } from '../policy/hybrid-decision';
import { categorize, testPassed } from '../policy/categorizer';
import { extractFiles, type ExtractedFile } from '../policy/extract-code';
import { categorizeReply } from '../policy/generation-failure';
import { buildPrompt, type ChatMessage, type PreviousFailure } from '../policy/prompt';
import { chainForDomain } from '../policy/routing';
import { afterFailure, currentModel, startEscalation, type EscalationState, type StopLossDecision } from '../policy/stop-loss';
import { buildAndTest, type AttemptOutcome, type CandidateContext } from './candidate';
import { optimizePhase } from './optimize';
import { renderDetails } from './details';
import {
  giveUpUpdate,
  MAX_MANUAL_CODE,
  stateQuery,
  submitSolutionUpdate,
  type ManualOutcome,
  type OptimizationSummary,
  type RunSummary,
  type TaskResult,
  type TaskState,
  type TaskWorkflowInput,
} from './messages';
import { CURRENT_MODEL, DOMAIN, ESCALATIONS, STATUS, TASK_ID } from './search-attributes';
import { taskFinishedSignal, type TaskFinishedNotice } from './queue-messages';

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskResult> {
  // A task started by a queue tells the queue how it ended; a task without one runs exactly as before.
  if (!input.notifyQueue) return runTask(input);
  const notify = input.notifyQueue;
  const tell = (status: TaskFinishedNotice['status'], message: string) =>
    CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(notify.workflowId)
        .signal(taskFinishedSignal, { key: notify.key, workflowId: workflowInfo().workflowId, status, message })
        .catch(() => undefined),
    );
  let result: TaskResult;
  try {
    result = await runTask(input);
  } catch (error) {
    await tell(isCancellation(error) ? 'cancelled' : 'failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
  await tell(result.status, result.message);
  return result;
}

async function runTask(input: TaskWorkflowInput): Promise<TaskResult> {
  const { task, config } = input;
  const info = workflowInfo();
  const ctx: CandidateContext = { task, config, queues: input.queues, workflowId: info.workflowId, workflowRunId: info.runId };

  const llm = proxyActivities<LlmActivities>({
    taskQueue: input.queues.gpu,
    startToCloseTimeout: `${config.timeouts.llm} seconds`,
    heartbeatTimeout: `${Math.max(config.timeouts.heartbeat, 60)} seconds`,
    retry: {
      maximumAttempts: config.retry_llm + 1,
      initialInterval: '2 seconds',
      maximumInterval: '2 minutes',
      nonRetryableErrorTypes: ['LlmRequestRejected'],
    },
  });
  const learning = proxyActivities<LearningActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });

  const meta = proxyActivities<MetaActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });

  // Start decision (guide sections 1 and 3): the Meta-Supervisor's snapshot in, a deterministic choice out.
  const chain = chainForDomain(config, task.domain);
  const snapshot = await meta.loadMetaSnapshot.executeWithOptions({ summary: `Meta-Supervisor: history of ${task.domain} and task ${task.id}` }, [
    { taskId: task.id, domain: task.domain, chain: [...chain.models], settings: { meta_supervisor: config.meta_supervisor, meta_supervisor_weights: config.meta_supervisor_weights } },
  ]);
  const start = decideStart({
    domainChain: chain.models,
    bias: snapshot.bias,
    complexity: taskComplexity(task.domain, taskComplexityText(task)),
    failureState: failureStateScore(snapshot.earlierFailures, snapshot.lastErrorType),
    config,
  });
  let escalation: EscalationState = startEscalation(start.chain, start.startIndex);
  const state: TaskState = {
    taskId: task.id,
    title: task.title,
    domain: task.domain,
    domainReason: task.domainReason,
    status: 'starting',
    chain: [...start.chain],
    chainReason: chain.reason,
    start,
    priority: snapshot.priority ? { score: snapshot.priority.priority_score, runs: snapshot.priority.run_count, successRate: snapshot.priority.success_rate } : null,
    currentModel: currentModel(escalation),
    failuresOfCurrent: 0,
    runs: [],
    escalations: [],
    optimization: null,
    fallback: null,
  };
  const modelAnswers = new Map<string, number>();
  const manualQueue: { id: number; code: string; author: string }[] = [];
  const manualResults = new Map<number, ManualOutcome>();
  let manualIds = 0;
  let giveUpReason: string | null = null;
  let finalCode: ExtractedFile[] | null = null;
  let optimization: OptimizationSummary | null = null;
  /** The optimization phase's own stop-loss state (set while it runs). */
  let optimizeEscalation: EscalationState | null = null;

  setHandler(stateQuery, () => state);
  setHandler(
    submitSolutionUpdate,
    async (solution) => {
      const id = ++manualIds;
      manualQueue.push({ id, code: solution.code, author: solution.author ?? 'a person' });
      await condition(() => manualResults.has(id));
      return manualResults.get(id)!;
    },
    {
      validator: (solution) => {
        if (state.status !== 'waiting_for_person') throw new Error(`the task is ${state.status}, not waiting for a person`);
        if (typeof solution?.code !== 'string' || solution.code.trim() === '') throw new Error('code must be a non-empty string');
        if (solution.code.length > MAX_MANUAL_CODE) throw new Error(`code is larger than ${MAX_MANUAL_CODE} characters`);
      },
    },
  );
  setHandler(
    giveUpUpdate,
    (reason) => {
      giveUpReason = reason || 'given up by a person';
    },
    {
      validator: (_reason: string) => {
        if (state.status !== 'waiting_for_person') throw new Error(`the task is ${state.status}, not waiting for a person`);
      },
    },
  );

  const publish = () => {
    const active = optimizeEscalation ?? escalation;
    state.currentModel = state.status === 'waiting_for_person' ? 'manual' : currentModel(active);
    state.failuresOfCurrent = active.failuresOfCurrent;
    upsertSearchAttributes([
      { key: TASK_ID, value: task.id },
      { key: DOMAIN, value: task.domain },
      { key: CURRENT_MODEL, value: state.currentModel },
      { key: STATUS, value: state.status },
      { key: ESCALATIONS, value: state.escalations.length },
    ]);
    setCurrentDetails(renderDetails(state));
  };
  const setStatus = (status: TaskState['status']) => {
    state.status = status;
    publish();
  };

  /** Generate (or take a person's code), build, test, categorize. Infrastructure faults throw. */
  async function attempt(attemptNo: number, model: string, previous: PreviousFailure | undefined, manualCode?: string, messages?: ChatMessage[]): Promise<AttemptOutcome> {
    const startedAt = new Date().toISOString();
    const label = `#${attemptNo} ${model}`;
    let llmMs = 0;
    let files: ExtractedFile[];
    if (manualCode !== undefined) {
      files = [{ path: task.solution_file, content: manualCode }];
    } else {
      setStatus('generating');
      const modelAttempt = (modelAnswers.get(model) ?? 0) + 1;
      modelAnswers.set(model, modelAttempt);
      const reply = await llm.generateCode.executeWithOptions({ summary: `${label}: generate` }, [
        {
          taskId: task.id,
          workflowId: info.workflowId,
          model,
          modelAttempt,
          messages: messages ?? buildPrompt(task, previous),
          temperature: config.llm.temperature,
        },
      ]);
      llmMs = reply.durationMs;
      const extraction = extractFiles(reply.reply, task.solution_file, task.language, task.harnessFiles.map((f) => f.path));
      const refused = categorizeReply(reply.doneReason, extraction.ok ? null : extraction);
      if (refused || !extraction.ok) {
        return { success: false, categorization: refused, files: [], output: reply.reply.slice(0, config.output_keep_chars), llmMs, buildMs: 0, testMs: 0, host: null, startedAt, runFolder: null, hostQueue: null };
      }
      files = extraction.files;
    }
    setStatus('building');
    const seed = Math.floor(Math.random() * 2 ** 31);
    const run = await buildAndTest(ctx, attemptNo, files, seed, label);
    const harness = task.harnessFiles.map((f) => f.path);
    if (run.stage === 'build') {
      const b = run.build;
      const categorization = categorize({ phase: 'BUILD', exitCode: b.exitCode, signal: b.signal, timedOut: b.timedOut, output: b.output, solutionFile: task.solution_file, harnessFiles: harness });
      return { success: false, categorization, files, output: b.output, llmMs, buildMs: b.durationMs, testMs: 0, host: b.host, startedAt, runFolder: b.runFolder, hostQueue: run.hostQueue };
    }
    const t = run.test;
    const passed = testPassed(t);
    const categorization = passed
      ? null
      : categorize({ phase: 'TEST', exitCode: t.exitCode, signal: t.signal, timedOut: t.timedOut, output: t.output, solutionFile: task.solution_file, harnessFiles: harness });
    return { success: passed, categorization, files, output: t.output, llmMs, buildMs: run.build.durationMs, testMs: t.durationMs, host: t.host, startedAt, runFolder: run.build.runFolder, hostQueue: run.hostQueue };
  }

  /** `extra` (optimization runs only): a note before the verdict in the activity summary, and the phase of a success. */
  async function record(
    attemptNo: number,
    model: string,
    source: 'model' | 'manual',
    outcome: AttemptOutcome,
    decision: StopLossDecision | null,
    extra?: { note?: string; phase?: string },
  ): Promise<RunSummary> {
    const c = outcome.categorization;
    const summary: RunSummary = {
      attemptNo,
      model,
      source,
      outcome: outcome.success ? 'success' : 'failure',
      phase: c?.phase ?? extra?.phase ?? 'TEST',
      categorization: c,
      decision,
      host: outcome.host,
      llmMs: outcome.llmMs,
      buildMs: outcome.buildMs,
      testMs: outcome.testMs,
    };
    // The decision goes before the error line, so that a narrow timeline still shows it.
    const verdict = outcome.success ? 'passed' : `${c!.phase} ${c!.errorType} sev ${c!.severity}`;
    const next = decision ? ` => ${shortDecision(decision)}` : '';
    const line = c?.firstErrorLine ? ` | ${c.firstErrorLine.slice(0, 160)}` : '';
    const note = extra?.note ? `${extra.note} · ` : '';
    await learning.recordRun.executeWithOptions({ summary: `#${attemptNo} ${model}: ${note}${verdict}${next}${line}` }, [
      {
        taskId: task.id,
        workflowId: info.workflowId,
        workflowRunId: info.runId,
        attemptNo,
        domain: task.domain,
        model,
        source,
        phase: summary.phase,
        outcome: summary.outcome,
        errorType: c?.errorType ?? null,
        severity: c?.severity ?? null,
        recoverable: c?.recoverable ?? null,
        rule: c?.rule ?? null,
        firstErrorLine: c?.firstErrorLine ?? null,
        hint: c?.hint ?? null,
        decision: decision ? decisionText(decision) : null,
        decisionKind: decision?.kind ?? null, // issue 13: statistics read these columns, never the text
        decisionRule: decision?.rule ?? null,
        llmMs: outcome.llmMs,
        buildMs: outcome.buildMs,
        testMs: outcome.testMs,
        startedAt: outcome.startedAt,
        finishedAt: new Date().toISOString(),
        host: outcome.host,
        code: outcome.files.map((f) => (outcome.files.length > 1 ? `// file: ${f.path}\n${f.content}` : f.content)).join('\n') || null,
        output: outcome.output || null,
      },
    ]);
    state.runs.push(summary);
    return summary;
  }

  const result = (status: TaskResult['status'], winningModel: string | null, message: string): TaskResult => {
    setStatus(status);
    const path: string[] = [];
    for (const run of state.runs) if (path[path.length - 1] !== run.model) path.push(run.model);
    return { taskId: task.id, status, winningModel, escalationPath: path, start, runs: state.runs, escalations: state.escalations, finalCode, optimization, message };
  };

  publish();
  await meta.recordStartDecision.executeWithOptions({ summary: start.summary }, [
    { taskId: task.id, workflowId: info.workflowId, workflowRunId: info.runId, domain: task.domain, decision: start, decidedAt: snapshot.takenAt },
  ]);
  let attemptNo = 0;
  let previous: PreviousFailure | undefined;
  let fallbackReason = '';
  // Model phase: stop-loss along the chain.
  for (;;) {
    const model = currentModel(escalation);
    attemptNo++;
    const outcome = await attempt(attemptNo, model, previous).catch((e) => infrastructureFault(e, `run #${attemptNo} with ${model}`));
    if (outcome.success) {
      finalCode = outcome.files;
      await record(attemptNo, model, 'model', outcome, null);
      const passedMessage = `${model} passed the tests at run #${attemptNo}`;
      // Optimization (issue 4) only for a task with a benchmark: a task without one ends here, as before.
      if (task.benchmark && config.max_optimization_iterations > 0) {
        optimizeEscalation = { ...escalation, failuresOfCurrent: 0 };
        setStatus('optimizing');
        const optimized = await optimizePhase(
          ctx,
          { files: outcome.files, runFolder: outcome.runFolder!, hostQueue: outcome.hostQueue!, attemptNo, model },
          {
            escalation: optimizeEscalation,
            attempt: (no, m, messages) => attempt(no, m, undefined, undefined, messages),
            record: (no, m, o, decision, extra) => record(no, m, 'model', o, decision, extra),
            update: (summary, esc) => {
              optimization = summary;
              state.optimization = summary;
              optimizeEscalation = esc;
              publish();
            },
          },
        ).catch((e) => infrastructureFault(e, 'the optimization phase'));
        finalCode = optimized.bestFiles;
        optimization = optimized.summary;
        state.optimization = optimized.summary;
        return result(
          'succeeded',
          model,
          `${passedMessage}; optimization: best score ${Math.round(optimized.summary.bestScore * 10) / 10} at iteration ${optimized.summary.bestIteration} (${optimized.summary.stopReason})`,
        );
      }
      return result('succeeded', model, passedMessage);
    }
    const failure = outcome.categorization!;
    const next = afterFailure(escalation, failure, config.stoploss_per_model);
    await record(attemptNo, model, 'model', outcome, next.decision);
    escalation = next.state;
    previous = { model, code: outcome.files[0]?.content ?? '', output: outcome.output, categorization: failure };
    if (next.decision.kind === 'escalate') {
      state.escalations.push({ afterAttempt: attemptNo, from: next.decision.from, to: next.decision.to, rule: next.decision.rule, reason: next.decision.reason });
      // A fresh model starts from the goal and the last failure, not from a long transcript.
    }
    if (next.decision.kind === 'fallback') {
      fallbackReason = next.decision.reason;
      break;
    }
    publish();
  }

  // Manual fallback: wait for a person's code or their giving up, until the configured deadline.
  const waitMs = config.timeouts.manual_fallback * 1000;
  const deadline = Date.now() + waitMs;
  state.fallback = { reason: fallbackReason, waitingSince: new Date().toISOString(), deadline: new Date(deadline).toISOString() };
  setStatus('waiting_for_person');
  for (;;) {
    const remaining = deadline - Date.now();
    const woke = remaining > 0 && (await condition(() => manualQueue.length > 0 || giveUpReason !== null, remaining, {
      summary: `waiting for a person: kisystem resolve ${info.workflowId} --file <code>  (or --give-up)`,
    }));
    if (!woke) return result('exhausted', null, `every model failed (${fallbackReason}) and nobody handed in code before the deadline`);
    if (giveUpReason !== null) return result('gave_up', null, `given up: ${giveUpReason}`);
    const solution = manualQueue.shift()!;
    attemptNo++;
    const outcome = await attempt(attemptNo, 'manual', undefined, solution.code).catch((e) => infrastructureFault(e, `run #${attemptNo} (manual)`));
    await record(attemptNo, 'manual', 'manual', outcome, null);
    manualResults.set(solution.id, { attemptNo, outcome: outcome.success ? 'success' : 'failure', categorization: outcome.categorization });
    if (outcome.success) {
      finalCode = outcome.files;
      return result('succeeded', 'manual', `code handed in by ${solution.author} passed the tests at run #${attemptNo}`);
    }
    setStatus('waiting_for_person');
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

/** An activity that failed past its retries is an infrastructure fault: fail the task with a readable reason. */
function infrastructureFault(error: unknown, during: string): never {
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    const type = cause instanceof ApplicationFailure ? cause.type : cause?.name;
    throw ApplicationFailure.create({
      type: 'InfrastructureFault',
      message: `infrastructure fault during ${during} (not counted against any model): ${type ? `${type}: ` : ''}${cause?.message ?? error.message}`,
      nonRetryable: true,
      cause: error,
    });
  }
  throw error;
}
