/** The messages sent to a model: the goal, the harness interface, and after a failure what went wrong. */
import type { Categorization } from '../run-types';
import type { ResolvedTask } from '../schemas/task-schema';
import { isCheckerFile } from '../schemas/task-wiring';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What the model should learn from the previous failed run. */
export interface PreviousFailure {
  model: string;
  /** The code that failed ("" when the reply held none). */
  code: string;
  /** Trimmed compiler/test output, or the reason the reply was refused. */
  output: string;
  categorization: Categorization;
}

export const LANGUAGE_NAME = { cuda: 'CUDA C++', cpp: 'C++17' } as const;

/** The fence tag of a task's code blocks. */
export function codeFence(task: Pick<ResolvedTask, 'language'>): 'cuda' | 'cpp' {
  return task.language === 'cuda' ? 'cuda' : 'cpp';
}

/** The lines every prompt opens with; the "Task id:" line lets logs and scripted servers tell tasks apart. */
export function taskHeaderLines(task: ResolvedTask): string[] {
  return [`Task id: ${task.id}`, `Title: ${task.title}`, `Domain: ${task.domain}`, '', '## Goal', task.goal.trim()];
}

/** The interface files, shown as given and not to be changed; never the trusted checker (it holds the reference). */
export function interfaceLines(task: ResolvedTask): string[] {
  const fence = codeFence(task);
  return task.interfaceFiles.filter((file) => !isCheckerFile(file.path)).flatMap((file) => ['', `## Interface: ${file.path} (given, do not change)`, '```' + fence, file.content.trimEnd(), '```']);
}

/** What the model is told about its failed answer: the verdict, the hint, its code and the output (`kisystem check-task` prints the same). */
export function previousFailureLines(task: ResolvedTask, previous: PreviousFailure): string[] {
  const fence = codeFence(task);
  const c = previous.categorization;
  const parts = [
    '',
    `## Your previous attempt failed (${c.errorType} in ${c.phase}, severity ${c.severity})`,
    `First error: ${c.firstErrorLine || '(none)'}`,
    `Hint: ${c.hint}`,
  ];
  if (previous.code.trim()) parts.push('', 'Previous code:', '```' + fence, previous.code.trimEnd(), '```');
  if (previous.output.trim()) parts.push('', 'Output:', '```text', previous.output.trimEnd(), '```');
  parts.push('', `Fix the problem and answer with the complete corrected ${task.solution_file}.`);
  return parts;
}

/** Builds the chat messages for one generation. */
export function buildPrompt(task: ResolvedTask, previous?: PreviousFailure): ChatMessage[] {
  const fence = codeFence(task);
  const system = [
    `You are an expert ${LANGUAGE_NAME[task.language]} engineer. You write complete, compilable source files.`,
    `Answer with exactly one fenced code block (\`\`\`${fence}) holding the whole file ${task.solution_file}.`,
    'Do not change the interface files; do not write a main() unless the goal asks for one.',
  ].join('\n');
  const parts = [...taskHeaderLines(task), '', `## File to write: ${task.solution_file}`, ...interfaceLines(task)];
  if (previous) parts.push(...previousFailureLines(task, previous));
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n') },
  ];
}
