/**
 * The loop of one task, as the guide's flow chart draws it (guide section 2):
 *
 *   start decision -> model phase (stop-loss along the chain) -> optimization phase (a task with a
 *   benchmark, after the first pass) -> manual fallback (at the end of the chain) -> result
 *
 * This file wires the handlers and runs the phases in order; each phase is its own module with
 * explicit inputs and outputs, and the task's state lives in TaskStateStore. Deterministic: every
 * side effect is an activity. A cancellation ends the task CANCELLED; an infrastructure fault fails
 * it with the reason (in the optimization phase it ends the phase, keeping the best correct code).
 */
import { CancellationScope, getExternalWorkflowHandle, isCancellation, patched, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { startEscalation } from '../policy/rules/stop-loss';
import { TaskAttempts } from './attempt';
import type { CandidateContext } from './candidate';
import { giveUpUpdate, stateQuery, submitSolutionUpdate, type TaskResult, type TaskWorkflowInput } from '../contracts/task-messages';
import { manualFallback, ManualInbox } from './manual-fallback';
import { modelPhase } from './model-phase';
import { optimizePhase } from './optimize';
import { taskFinishedSignal, type TaskFinishedNotice } from '../contracts/queue-messages';
import { RunRecorder } from './run-record';
import { STATUS } from '../contracts/search-attributes';
import { planTaskStart, recordTaskStart } from './start-decision';
import { taskActivities } from './task-activities';
import { TaskStateStore } from './task-state';
import { refuseMiswiredTask } from './task-fault';
import { checkReferenceAnswer } from './reference-check';

export async function taskWorkflow(input: TaskWorkflowInput): Promise<TaskResult> {
  const started: { store: TaskStateStore | null } = { store: null };
  try {
    const result = await runTask(input, started);
    await tellQueue(input, result.status, result.message);
    return result;
  } catch (error) {
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    const message = status === 'cancelled' ? 'cancelled (kisystem cancel)' : error instanceof Error ? error.message : String(error);
    // The list's status says how the task ended (tasks started before this replay without it).
    if (patched('kisystem-final-status')) upsertSearchAttributes([{ key: STATUS, value: status }]);
    started.store?.endWithout(status, message);
    await tellQueue(input, status, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** A task started by a queue tells the queue how it ended, even when it was cancelled. */
async function tellQueue(input: TaskWorkflowInput, status: TaskFinishedNotice['status'], message: string): Promise<void> {
  const notify = input.notifyQueue;
  if (!notify) return;
  await CancellationScope.nonCancellable(() =>
    getExternalWorkflowHandle(notify.workflowId)
      .signal(taskFinishedSignal, { key: notify.key, workflowId: workflowInfo().workflowId, status, message })
      .catch(() => undefined),
  );
}

async function runTask(input: TaskWorkflowInput, started: { store: TaskStateStore | null }): Promise<TaskResult> {
  const { task, config } = input;
  const info = workflowInfo();
  const ctx: CandidateContext = { task, config, queues: input.queues, workflowId: info.workflowId, workflowRunId: info.runId };
  // A task started other than by `submit` or `queue add` had its wiring checked by no one: before anything runs.
  if (patched('kisystem-task-wiring')) refuseMiswiredTask(task);
  const { llm, learning, meta } = taskActivities(config, input.queues);

  // Start decision: the Meta-Supervisor's snapshot in, the start model out.
  const decided = await planTaskStart(meta, task, config, info.workflowId);
  const escalation = startEscalation(decided.start.chain, decided.start.startIndex);
  const p = decided.snapshot.priority;
  const store = new TaskStateStore({
    task,
    chain: decided.start.chain,
    chainReason: decided.chain.reason,
    start: decided.start,
    priority: p ? { score: p.priority_score, runs: p.run_count, successRate: p.success_rate } : null,
    escalation,
  });
  started.store = store;
  const inbox = new ManualInbox(store);
  setHandler(stateQuery, () => store.state);
  setHandler(submitSolutionUpdate, (solution) => inbox.submit(solution), { validator: (solution) => inbox.validateSolution(solution) });
  setHandler(giveUpUpdate, (reason) => inbox.giveUp(reason), { validator: (_reason: string) => inbox.validateGiveUp() });
  store.publish();
  // A known-good answer the task's own checker fails would fail every model: found before any is asked.
  if (task.referenceAnswer !== undefined && patched('kisystem-reference-answer')) await checkReferenceAnswer(ctx);
  await recordTaskStart(meta, task, ctx, decided);

  const attempts = new TaskAttempts(ctx, llm, store);
  const recorder = new RunRecorder(ctx, learning, store);

  // Model phase: stop-loss along the chain.
  const modelEnd = await modelPhase({ task, config, escalation, attempts, recorder, store });
  if (modelEnd.kind === 'passed') {
    const { passing } = modelEnd;
    const passed = `${passing.model} passed the tests at run #${passing.attemptNo}`;
    // Optimization phase: only for a task with a benchmark.
    if (!task.benchmark || config.max_optimization_iterations <= 0) return store.finish('succeeded', passing.model, passed, passing.files);
    const optimizeEscalation = { ...modelEnd.escalation, failuresOfCurrent: 0 };
    store.setEscalation(optimizeEscalation);
    store.setStatus('optimizing');
    const optimized = await optimizePhase({
      ctx,
      benchmark: task.benchmark,
      passing,
      escalation: optimizeEscalation,
      attempts,
      recorder,
      update: (summary, esc) => {
        store.setOptimization(summary);
        store.setEscalation(esc);
        store.publish();
      },
    });
    store.setOptimization(optimized.summary);
    const o = optimized.summary;
    return store.finish(
      'succeeded', passing.model,
      `${passed}; optimization: best score ${Math.round(o.bestScore * 10) / 10} at iteration ${o.bestIteration} (${o.stopReason})`,
      optimized.bestFiles,
    );
  }

  // Manual fallback: wait for a person's code or their giving up, until the deadline.
  const manualEnd = await manualFallback({
    config, workflowId: info.workflowId, reason: modelEnd.reason, lastAttemptNo: modelEnd.lastAttemptNo, inbox, attempts,
    recorder, store,
  });
  switch (manualEnd.kind) {
    case 'passed':
      return store.finish('succeeded', 'manual', `code handed in by ${manualEnd.author} passed the tests at run #${manualEnd.attemptNo}`, manualEnd.files);
    case 'gave_up':
      return store.finish('gave_up', null, `a person gave up: ${manualEnd.reason}`, null);
    case 'exhausted':
      return store.finish('exhausted', null, `every model failed (${modelEnd.reason}) and nobody handed in code before the deadline`, null);
  }
}
