/**
 * Only the answer is charged to a model, on a real Temporal dev server, a real Postgres database and
 * real g++: a task whose own files break the build (two harness files with a main() each), whose
 * checker does not build, or whose wiring is wrong (a task started without `submit`) ends as
 * TaskBroken with the reason, and no run lands in the learning history. The same task with its
 * files fixed records the answer's run.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { TaskResult } from '../../contracts/task-messages';
import { runsOfWorkflow } from '../../db/runs-repository';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { twiceTask, useRealTaskWorld } from '../helpers/real-task-run';
import { TWICE_CHECKER } from '../helpers/sandboxed-host';

jest.setTimeout(180_000);

const world = useRealTaskWorld('task-fault');

const task = twiceTask;
const runTask = (t: ResolvedTask) => world.run(t);

function taskBroken(outcome: TaskResult | Error): string {
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  const cause = (outcome as WorkflowFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe('TaskBroken');
  return cause.message;
}

describe('a task-side failure charges no model', () => {
  it('the well-wired task records the answer\'s run (the control)', async () => {
    const run = await runTask(task);
    expect(run.outcome).toMatchObject({ status: 'succeeded' });
    expect((await runsOfWorkflow(world.db(), run.workflowId)).map((r) => [r.model, r.outcome])).toEqual([['deepseek-coder-v2:16b', 'success']]);
  });

  it('two harness files that both define main(): TaskBroken, no run recorded', async () => {
    const broken = { ...task, harnessFiles: [...task.harnessFiles, { path: 'driver.cpp', content: 'int main() { return 0; }\n' }] };
    const run = await runTask(broken);
    expect(taskBroken(run.outcome)).toMatch(/the task is broken, not the answer .*multiple definition of `main'/s);
    expect(run.generated).toBe(1);
    expect(await runsOfWorkflow(world.db(), run.workflowId)).toEqual([]);
  });

  it('a checker that does not build: TaskBroken, no run recorded', async () => {
    const broken = { ...task, harnessFiles: [task.harnessFiles[0]!, { path: 'checker.cpp', content: `${TWICE_CHECKER}\nthis is not C++;\n` }] };
    const run = await runTask(broken);
    expect(taskBroken(run.outcome)).toContain('CheckerBuildFailed');
    expect(await runsOfWorkflow(world.db(), run.workflowId)).toEqual([]);
  });

  it('a checker listed as interface, started without submit: refused before any model is asked', async () => {
    const miswired = { ...task, interfaceFiles: [task.harnessFiles[1]!] };
    const run = await runTask(miswired);
    expect(taskBroken(run.outcome)).toContain('/tasks/twice/task.yaml: harness.interface: checker.cpp: is the trusted checker');
    expect(run.generated).toBe(0);
    expect(await runsOfWorkflow(world.db(), run.workflowId)).toEqual([]);
  });
});

describe('the reference answer runs once before any model is asked', () => {
  it('a checker that fails the reference answer: TaskBroken, no model asked, no run recorded', async () => {
    const run = await runTask({ ...task, referenceAnswer: 'int twice(int x) { return 2 * x + (x % 3 == 1); }\n' });
    expect(taskBroken(run.outcome)).toMatch(/reference_answer fails the task's own checker: KISYSTEM_VERDICT: FAIL case \d+: twice\(\d+\) returned \d+/);
    expect(run.generated).toBe(0);
    expect(await runsOfWorkflow(world.db(), run.workflowId)).toEqual([]);
  });

  it('a reference answer that passes: the models are asked as usual, and only their runs are recorded', async () => {
    const run = await runTask({ ...task, referenceAnswer: 'int twice(int x) { return x << 1; }\n' });
    expect(run.outcome).toMatchObject({ status: 'succeeded' });
    expect(run.generated).toBe(1);
    expect((await runsOfWorkflow(world.db(), run.workflowId)).map((r) => [r.attempt_no, r.model])).toEqual([[1, 'deepseek-coder-v2:16b']]);
  });
});
