/**
 * A task with a reference_answer runs it once on a host before any model is asked: a checker that
 * fails a known-good answer (or harness files that do not build with it) would fail every model's
 * answer too, so the task stops there as the task's fault and no model is charged. Nothing is
 * recorded in the learning history: the reference is no model's answer.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { judgeBuild, judgeTest } from '../policy/parsers/answer-verdict';
import { buildAndTest, type CandidateContext } from './candidate';
import { infrastructureFault } from './faults';
import { TASK_BROKEN } from './task-fault';

/** The run number of the reference answer's build and test (models' runs count from 1). */
export const REFERENCE_ATTEMPT = 0;

export async function checkReferenceAnswer(ctx: CandidateContext): Promise<void> {
  const { task } = ctx;
  if (task.referenceAnswer === undefined) return;
  const files = [{ path: task.solution_file, content: task.referenceAnswer }];
  const seed = Math.floor(Math.random() * 2 ** 31);
  const run = await buildAndTest(ctx, REFERENCE_ATTEMPT, files, seed, 'reference answer').catch((e) => infrastructureFault(e, 'the reference answer'));
  const verdict = run.stage === 'build' ? judgeBuild(task, run.build) : judgeTest(task, run.test);
  if (verdict.kind === 'passed') return;
  const c = verdict.categorization;
  const what = run.stage === 'build' ? 'does not build with the harness' : "fails the task's own checker";
  throw ApplicationFailure.create({
    type: TASK_BROKEN,
    nonRetryable: true,
    message: `the task is broken, not the answer (no model was asked): its reference_answer ${what}: ${c.firstErrorLine || c.rule}. ${c.hint}`,
  });
}
