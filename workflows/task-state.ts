/**
 * The task's state in one place: what the `state` query answers, what the Web UI's details show and
 * what the search attributes say. Every change goes through this class, and `publish()` is the one
 * place that upserts the search attributes and renders the details.
 *
 * Replay note: each `publish()` is an UpsertWorkflowSearchAttributes command, and Temporal checks
 * their number and position on replay (not their values). The phases publish at the points the
 * workflow always did; a new publish point goes behind a patch (see `TaskAttempts` for 'testing').
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { StartDecision } from '../policy/rules/hybrid-decision';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { currentModel, type EscalationState } from '../policy/rules/stop-loss';
import { renderDetails } from './details';
import { verdictSourceOf } from '../policy/schemas/task-wiring';
import type {
  EscalationEvent,
  ModelServerWait,
  OptimizationSummary,
  RunSummary,
  TaskResult,
  TaskState,
  TaskStatus,
  TaskStep,
} from '../contracts/task-messages';
import { CURRENT_MODEL, DOMAIN, ESCALATIONS, STATUS, TASK_ID } from '../contracts/search-attributes';

export interface TaskStateInit {
  task: ResolvedTask;
  chain: readonly string[];
  chainReason: string;
  start: StartDecision;
  priority: TaskState['priority'];
  escalation: EscalationState;
}

export class TaskStateStore {
  readonly state: TaskState;
  private readonly task: ResolvedTask;
  /** The stop-loss state that names the current model: the model phase's, or the optimization phase's while it runs. */
  private escalation: EscalationState;
  /** The status to return to when a wait for the model server ends. */
  private statusBeforeWait: TaskStatus | null = null;

  constructor(init: TaskStateInit) {
    this.task = init.task;
    this.escalation = init.escalation;
    this.state = {
      taskId: init.task.id,
      title: init.task.title,
      domain: init.task.domain,
      domainReason: init.task.domainReason,
      status: 'starting',
      step: null,
      chain: [...init.chain],
      chainReason: init.chainReason,
      start: init.start,
      priority: init.priority,
      currentModel: currentModel(init.escalation),
      failuresOfCurrent: 0,
      runs: [],
      escalations: [],
      optimization: null,
      fallback: null,
      waiting: null,
      verdictSource: verdictSourceOf(init.task),
    };
  }

  get status(): TaskStatus {
    return this.state.status;
  }

  /** Upserts the search attributes and renders the Web UI details from the state as it is now. */
  publish(): void {
    const s = this.state;
    s.currentModel = s.status === 'waiting_for_person' ? 'manual' : currentModel(this.escalation);
    s.failuresOfCurrent = this.escalation.failuresOfCurrent;
    upsertSearchAttributes([
      { key: TASK_ID, value: this.task.id },
      { key: DOMAIN, value: this.task.domain },
      { key: CURRENT_MODEL, value: s.currentModel },
      { key: STATUS, value: s.status },
      { key: ESCALATIONS, value: s.escalations.length },
    ]);
    setCurrentDetails(renderDetails(s));
  }

  setStatus(status: TaskStatus): void {
    this.state.status = status;
    // The step belongs to the optimization phase; a wait for the model server keeps it.
    if (status !== 'optimizing' && status !== 'waiting_for_model_server') this.state.step = null;
    this.publish();
  }

  /**
   * A step of an attempt begins. In the model phase and the manual fallback the step is the status;
   * in the optimization phase the status stays 'optimizing' and the step is shown beside it.
   */
  beginStep(step: TaskStep): void {
    if (this.state.status === 'optimizing') {
      this.state.step = step;
      this.publish();
    } else {
      this.setStatus(step);
    }
  }

  /** Sets the stop-loss state whose model is current (does not publish). */
  setEscalation(escalation: EscalationState): void {
    this.escalation = escalation;
  }

  addRun(run: RunSummary): void {
    this.state.runs.push(run);
  }

  addEscalation(event: EscalationEvent): void {
    this.state.escalations.push(event);
  }

  setOptimization(summary: OptimizationSummary): void {
    this.state.optimization = summary;
  }

  waitForPerson(fallback: NonNullable<TaskState['fallback']>): void {
    this.state.fallback = fallback;
    this.setStatus('waiting_for_person');
  }

  /** The model server is down or lacks the model: shown until `modelServerBack`. */
  waitForModelServer(wait: ModelServerWait): void {
    if (this.state.status !== 'waiting_for_model_server') this.statusBeforeWait = this.state.status;
    this.state.waiting = wait;
    this.setStatus('waiting_for_model_server');
  }

  modelServerBack(): void {
    if (this.state.waiting === null) return;
    this.state.waiting = null;
    const back = this.statusBeforeWait ?? 'generating';
    this.statusBeforeWait = null;
    this.setStatus(back);
  }

  /**
   * The task ends cancelled or failed: the details say so (no step, no wait). The search attribute
   * is the caller's to upsert: that command stands behind a patch, the details are no command.
   */
  endWithout(status: 'cancelled' | 'failed', message: string): void {
    Object.assign(this.state, { status, step: null, waiting: null, fallback: null, endMessage: message });
    setCurrentDetails(renderDetails(this.state));
  }

  /** The task's result; publishes its final status. */
  finish(status: TaskResult['status'], winningModel: string | null, message: string, finalCode: ExtractedFile[] | null): TaskResult {
    this.state.endMessage = message;
    this.setStatus(status);
    const path: string[] = [];
    for (const run of this.state.runs) if (path[path.length - 1] !== run.model) path.push(run.model);
    const s = this.state;
    return {
      taskId: s.taskId,
      status,
      winningModel,
      escalationPath: path,
      start: s.start,
      runs: s.runs,
      escalations: s.escalations,
      finalCode,
      optimization: s.optimization,
      message,
    };
  }
}
