/** The messages sent to a model: the goal, the harness interface, and after a failure what went wrong. */
import type { Categorization } from './run-types';
import type { ResolvedTask } from './task-schema';

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

const LANGUAGE_NAME = { cuda: 'CUDA C++', cpp: 'C++17' } as const;

/** Builds the chat messages for one generation. The "Task id:" line lets logs and scripted servers tell tasks apart. */
export function buildPrompt(task: ResolvedTask, previous?: PreviousFailure): ChatMessage[] {
  const fence = task.language === 'cuda' ? 'cuda' : 'cpp';
  const system = [
    `You are an expert ${LANGUAGE_NAME[task.language]} engineer. You write complete, compilable source files.`,
    `Answer with exactly one fenced code block (\`\`\`${fence}) holding the whole file ${task.solution_file}.`,
    'Do not change the interface files; do not write a main() unless the goal asks for one.',
  ].join('\n');
  const parts = [
    `Task id: ${task.id}`,
    `Title: ${task.title}`,
    `Domain: ${task.domain}`,
    '',
    '## Goal',
    task.goal.trim(),
    '',
    `## File to write: ${task.solution_file}`,
  ];
  for (const file of task.interfaceFiles) {
    parts.push('', `## Interface: ${file.path} (given, do not change)`, '```' + fence, file.content.trimEnd(), '```');
  }
  if (previous) {
    const c = previous.categorization;
    parts.push(
      '',
      `## Your previous attempt failed (${c.errorType} in ${c.phase}, severity ${c.severity})`,
      `First error: ${c.firstErrorLine || '(none)'}`,
      `Hint: ${c.hint}`,
    );
    if (previous.code.trim()) parts.push('', 'Previous code:', '```' + fence, previous.code.trimEnd(), '```');
    if (previous.output.trim()) parts.push('', 'Output:', '```text', previous.output.trimEnd(), '```');
    parts.push('', `Fix the problem and answer with the complete corrected ${task.solution_file}.`);
  }
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n') },
  ];
}
