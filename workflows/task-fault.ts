/**
 * A task whose own files are at fault ends the task, never a model's run: only the answer is ever
 * charged to a model. Two ways in: a task whose wiring is wrong (refused before anything runs, for
 * a task started other than by `submit` or `queue add`), and a build or test that failed because
 * of the task (harness files that do not build or link together, a source that is missing, a
 * checker that does not build or cannot judge).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { Categorization } from '../policy/run-types';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { checkTaskWiring, formatWiringProblem, wiringOfTask } from '../policy/schemas/task-wiring';

/** The failure type a broken task ends with (its runs so far stay recorded; none is added for it). */
export const TASK_BROKEN = 'TaskBroken';

/** Refuses a task whose wiring is wrong, with every problem's field and file. */
export function refuseMiswiredTask(task: ResolvedTask): void {
  const report = checkTaskWiring(wiringOfTask(task), task.harnessFiles.map((f) => f.path));
  if (report.errors.length === 0) return;
  const lines = report.errors.map((p) => formatWiringProblem(task.sourcePath, p)).join('\n');
  throw ApplicationFailure.create({ type: TASK_BROKEN, nonRetryable: true, message: `the task's files are not wired right (no model was asked):\n${lines}` });
}

/** Ends the task for a failure the categorizer blames on the task, not on the answer of `model`. */
export function taskBroken(categorization: Categorization, model: string, attemptNo: number): never {
  throw ApplicationFailure.create({
    type: TASK_BROKEN,
    nonRetryable: true,
    message:
      `the task is broken, not the answer (run #${attemptNo} of ${model} is not counted against it): ` +
      `${categorization.firstErrorLine || categorization.rule}. ${categorization.hint}`,
  });
}
