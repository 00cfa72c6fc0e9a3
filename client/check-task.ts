/**
 * `kisystem check-task <task.yaml> [--answer file]...`: a task author's test of a task before any
 * model sees it. Each answer (or the task's reference_answer) goes through the worker's own build
 * and test activities, in the worker's sandbox, with the worker's frame driver and the task's
 * checker; what comes out is judged as the workflow judges it, and what the model would be shown
 * is printed. Exit code: 0 every answer passed, 1 an answer failed (the answer's fault), 2 the task
 * file was refused, 3 the task itself is at fault (its harness or checker), 4 this host cannot run
 * it (no sandbox, no GPU or nvcc for a CUDA task).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createHostActivities } from '../activities/build-test';
import { detectHost } from '../activities/host-capabilities';
import { setUpSandbox, SandboxRefusedError } from '../activities/sandbox-host';
import { judgeBuild, judgeTest, type AnswerVerdict } from '../policy/parsers/answer-verdict';
import { parseVerdict } from '../policy/parsers/categorizer';
import { previousFailureLines } from '../policy/prompts/prompt';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { TaskFileError, type ResolvedTask } from '../policy/schemas/task-schema';
import { verdictSourceOf } from '../policy/schemas/task-wiring';
import { loadTask } from '../runtime/load-task';
import { runLocalActivity, type LocalActivityRun } from '../runtime/local-activity';
import { buildInputFor, testInputFor } from '../workflows/host-inputs';

export const CHECK_EXIT = { passed: 0, answerFailed: 1, refused: 2, taskFault: 3, cannotRun: 4 } as const;

/** Host failures that mean the task's checker is broken (the workflow ends such a task as TaskBroken). */
const CHECKER_FAULTS = new Set(['CheckerBuildFailed', 'CheckerBroken']);

interface Answer {
  name: string;
  code: string;
}

type Out = (line: string) => void;

function answersOf(task: ResolvedTask, paths: readonly string[]): Answer[] | string {
  if (paths.length > 0) {
    const answers: Answer[] = [];
    for (const path of paths) {
      try {
        answers.push({ name: path, code: readFileSync(path, 'utf8') });
      } catch (error) {
        return `--answer ${path}: ${(error as Error).message}`;
      }
    }
    return answers;
  }
  if (task.referenceAnswer !== undefined) return [{ name: 'reference_answer', code: task.referenceAnswer }];
  return 'no answer to check: give --answer <file> (as many as you like) or set reference_answer in the task file';
}

/** Runs one activity here; Ctrl-C cancels it (its processes die with their group). */
async function local<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  const run: LocalActivityRun<R> = runLocalActivity(name, fn, ...args);
  const stop = () => run.cancel();
  process.once('SIGINT', stop);
  try {
    return await run.result;
  } finally {
    process.off('SIGINT', stop);
  }
}

function printModelView(task: ResolvedTask, answer: Answer, verdict: Exclude<AnswerVerdict, { kind: 'passed' }>, output: string, out: Out): void {
  const c = verdict.categorization;
  if (verdict.kind === 'task-fault') {
    out(`  TASK FAULT (${c.rule}): the task's own files fail, whatever the answer; a workflow would stop here and charge no model.`);
    out(`  ${c.firstErrorLine}`);
    out(`  ${c.hint}`);
    out('  output:');
    for (const line of output.trimEnd().split('\n')) out(`    ${line}`);
    return;
  }
  out(`  FAILED (${c.errorType} in ${c.phase}, severity ${c.severity}, rule ${c.rule}): charged to the model that wrote it.`);
  out('  The model would be shown, in its next prompt:');
  const lines = previousFailureLines(task, { model: 'check-task', code: answer.code, output, categorization: c });
  for (const line of lines.join('\n').split('\n')) out(`  | ${line}`);
}

/** Checks one answer; returns its exit code. */
async function checkAnswer(task: ResolvedTask, config: KisystemConfig, host: ReturnType<typeof createHostActivities>, answer: Answer, attemptNo: number, out: Out): Promise<number> {
  out(`${answer.name}:`);
  const files = [{ path: task.solution_file, content: answer.code }];
  try {
    const build = await local('buildCandidate', host.buildCandidate, buildInputFor(task, config, { workflowId: 'check-task', workflowRunId: `${process.pid}` }, attemptNo, files));
    out(`  build (${(build.durationMs / 1000).toFixed(1)} s, ${build.sandbox === 'none' ? 'UNSANDBOXED' : build.sandbox}): ${build.command.join(' ')}`);
    if (!build.ok) {
      const verdict = judgeBuild(task, build);
      printModelView(task, answer, verdict, build.output, out);
      return verdict.kind === 'task-fault' ? CHECK_EXIT.taskFault : CHECK_EXIT.answerFailed;
    }
    const seed = Math.floor(Math.random() * 2 ** 31);
    const test = await local('testCandidate', host.testCandidate, testInputFor(task, config, build.runFolder, seed));
    out(`  test (${(test.durationMs / 1000).toFixed(1)} s, seed ${seed}, verdict from ${test.verdictSource === 'checker' ? "the task's checker" : 'the candidate itself (self-reported)'})`);
    const verdict = judgeTest(task, test);
    if (verdict.kind === 'passed') {
      out(`  PASSED: ${parseVerdict(test.output).line}`);
      return CHECK_EXIT.passed;
    }
    printModelView(task, answer, verdict, test.output, out);
    return verdict.kind === 'task-fault' ? CHECK_EXIT.taskFault : CHECK_EXIT.answerFailed;
  } catch (error) {
    if (error instanceof ApplicationFailure && CHECKER_FAULTS.has(error.type ?? '')) {
      out(`  TASK FAULT (${error.type}): ${error.message}`);
      out("  a workflow would stop here (TaskBroken) and charge no model; fix the checker and run check-task again.");
      return CHECK_EXIT.taskFault;
    }
    throw error;
  }
}

export interface CheckTaskOptions {
  taskPath: string;
  answers: readonly string[];
  config: KisystemConfig;
  /** Keep the run folders (printed) instead of removing them. */
  keep: boolean;
  out: Out;
}

/** Checks a task with its answers; returns the exit code (the worst outcome). */
export async function checkTask(options: CheckTaskOptions): Promise<number> {
  const { taskPath, config, out } = options;
  let task: ResolvedTask;
  try {
    task = loadTask(taskPath, out);
  } catch (error) {
    if (!(error instanceof TaskFileError)) throw error;
    out(`refused: ${error.message}`);
    return CHECK_EXIT.refused;
  }
  const answers = answersOf(task, options.answers);
  if (typeof answers === 'string') {
    out(answers);
    return CHECK_EXIT.refused;
  }
  const capabilities = await detectHost('kisystem-check-task');
  if (task.language === 'cuda' && !(capabilities.gpus.length > 0 && capabilities.nvcc)) {
    out(`${task.id}: a CUDA task needs a GPU and nvcc, and this host has ${capabilities.gpus.length > 0 ? 'a GPU but no nvcc' : 'no GPU'}: run check-task on a GPU host`);
    return CHECK_EXIT.cannotRun;
  }
  const workRoot = mkdtempSync(join(tmpdir(), `kisystem-check-${basename(task.id)}-`));
  try {
    let sandbox;
    try {
      sandbox = await setUpSandbox(config, workRoot);
    } catch (error) {
      if (!(error instanceof SandboxRefusedError)) throw error;
      out(error.message.replace('kisystem gpu worker refuses to start', 'check-task cannot run the answers as a worker would'));
      return CHECK_EXIT.cannotRun;
    }
    const host = createHostActivities({ capabilities, workRoot, sandbox });
    out(`${task.id}: ${answers.length} answer(s), built and tested as the worker does (${verdictSourceOf(task) === 'checker' ? "verdict from the task's checker" : 'NO CHECKER: self-reported verdicts'})`);
    let worst: number = CHECK_EXIT.passed;
    for (const [i, answer] of answers.entries()) {
      const code = await checkAnswer(task, config, host, answer, i + 1, out);
      worst = Math.max(worst, code);
    }
    const words = { 0: 'every answer passed', 1: 'an answer failed (the answer\'s fault)', 3: 'the task itself is at fault' } as Record<number, string>;
    out(`${task.id}: ${words[worst] ?? 'done'} (exit ${worst})`);
    return worst;
  } finally {
    if (options.keep) out(`run folders kept in ${workRoot}`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
}
