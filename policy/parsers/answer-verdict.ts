/**
 * What a build and a test of one answer come to, as the task workflow and `kisystem check-task`
 * both read them: passed, failed by the answer (charged to its model), or failed by the task's own
 * files (charged to no one; the task stops). Pure.
 */
import type { Categorization } from '../run-types';
import type { ResolvedTask } from '../schemas/task-schema';
import { categorize, isTaskFault, testPassed } from './categorizer';

/** How a build or test process ended (the host activities' results carry these). */
export interface RanProcess {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
  limitKill?: string | null;
}

export type AnswerVerdict =
  | { kind: 'passed' }
  | { kind: 'answer-failed'; categorization: Categorization }
  | { kind: 'task-fault'; categorization: Categorization };

type TaskFiles = Pick<ResolvedTask, 'solution_file' | 'harnessFiles'>;

export type FailedVerdict = Exclude<AnswerVerdict, { kind: 'passed' }>;

function verdictOf(categorization: Categorization): FailedVerdict {
  return isTaskFault(categorization) ? { kind: 'task-fault', categorization } : { kind: 'answer-failed', categorization };
}

/** A build that failed. */
export function judgeBuild(task: TaskFiles, build: RanProcess): FailedVerdict {
  const { exitCode, signal, timedOut, output, limitKill } = build;
  return verdictOf(categorize({ phase: 'BUILD', exitCode, signal, timedOut, output, limitKill, solutionFile: task.solution_file, harnessFiles: task.harnessFiles.map((f) => f.path) }));
}

/** A test that ran. */
export function judgeTest(task: TaskFiles, test: RanProcess): AnswerVerdict {
  if (testPassed(test)) return { kind: 'passed' };
  const { exitCode, signal, timedOut, output, limitKill } = test;
  return verdictOf(categorize({ phase: 'TEST', exitCode, signal, timedOut, output, limitKill, solutionFile: task.solution_file, harnessFiles: task.harnessFiles.map((f) => f.path) }));
}
