/**
 * The prompt of one optimization iteration: the best correct code so far, and feedback
 * from the last full profile as figures (speed-of-light, bottleneck, occupancy, the profiler's top
 * rules with their estimated speedups), not a raw log. Pure: no I/O.
 */
import type { NcuSummary } from '../parsers/ncu-report';
import { codeFence, interfaceLines, LANGUAGE_NAME, taskHeaderLines, type ChatMessage } from './prompt';
import type { Categorization } from '../run-types';
import type { ResolvedTask } from '../schemas/task-schema';

export interface OptimizeFeedback {
  /** The iteration whose full profile this is. */
  iteration: number;
  score: number;
  summary: NcuSummary;
}

export interface OptimizePromptInput {
  task: ResolvedTask;
  /** The best correct code so far (the whole solution file). */
  bestCode: string;
  best: { iteration: number; timeMs: number; score: number };
  targetScore: number;
  /** The last full profile (of the best or of a later candidate). */
  profile: OptimizeFeedback | null;
  /** What went wrong with the last candidate, when it was not accepted. */
  lastFailure?: { iteration: number; categorization: Categorization; output: string } | null;
}

function pct(value: number | null): string {
  return value === null ? 'n/a' : `${Math.round(value * 10) / 10} %`;
}

function ms(value: number): string {
  return `${Number(value.toPrecision(4))} ms`;
}

/** The profile as a few lines of figures. */
export function profileFeedbackLines(p: OptimizeFeedback): string[] {
  const s = p.summary;
  const lines = [
    `Full profile of iteration ${p.iteration} (Nsight Compute, kernel ${s.kernelName}, ${s.launches} launch(es)):`,
    `- score (speed-of-light): ${Math.round(p.score * 10) / 10} of 100`,
    `- compute (SM) throughput: ${pct(s.smThroughputPct)} of peak; memory throughput: ${pct(s.memoryThroughputPct)} of peak; DRAM throughput: ${pct(s.dramThroughputPct)}`,
    `- bottleneck: ${s.bottleneck}`,
    `- achieved occupancy: ${pct(s.achievedOccupancyPct)}`,
    `- kernel duration (median): ${ms(s.medianDurationNs / 1e6)}`,
  ];
  if (s.topRules.length) {
    lines.push('- profiler recommendations:');
    for (const r of s.topRules) {
      const speedup = r.estimatedSpeedupPct === null ? '' : ` (estimated speedup ${Math.round(r.estimatedSpeedupPct * 10) / 10} %${r.estimatedSpeedupType ? `, ${r.estimatedSpeedupType}` : ''})`;
      const text = r.description.replace(/\s+/g, ' ').trim();
      lines.push(`  - ${r.name}${speedup}: ${text.length > 400 ? `${text.slice(0, 400)}...` : text}`);
    }
  }
  return lines;
}

export function buildOptimizePrompt(input: OptimizePromptInput): ChatMessage[] {
  const { task } = input;
  const fence = codeFence(task);
  const system = [
    `You are an expert ${LANGUAGE_NAME[task.language]} performance engineer. You write complete, compilable source files.`,
    `Answer with exactly one fenced code block (\`\`\`${fence}) holding the whole file ${task.solution_file}.`,
    'Keep the interface and the results exactly the same: a faster kernel with wrong results is rejected.',
  ].join('\n');
  const parts = [
    ...taskHeaderLines(task),
    '',
    '## Optimize',
    `The code below is correct. Make it faster. Best so far: iteration ${input.best.iteration}, ${ms(input.best.timeMs)} per run, score ${Math.round(input.best.score * 10) / 10} of the target ${input.targetScore}.`,
  ];
  if (task.benchmark?.reference_ms !== undefined) {
    parts.push(`The reference implementation takes ${ms(task.benchmark.reference_ms)} (speedup so far ${Math.round((task.benchmark.reference_ms / input.best.timeMs) * 100) / 100}x).`);
  }
  if (input.profile) parts.push('', ...profileFeedbackLines(input.profile));
  if (input.lastFailure) {
    const c = input.lastFailure.categorization;
    parts.push(
      '',
      `## Your last attempt (iteration ${input.lastFailure.iteration}) was not accepted (${c.errorType} in ${c.phase})`,
      `First error: ${c.firstErrorLine || '(none)'}`,
      `Hint: ${c.hint}`,
    );
    if (input.lastFailure.output.trim()) parts.push('', 'Output:', '```text', input.lastFailure.output.trimEnd().slice(-2000), '```');
  }
  parts.push(...interfaceLines(task));
  parts.push('', `## Current best ${task.solution_file}`, '```' + fence, input.bestCode.trimEnd(), '```', '', `Answer with the complete faster ${task.solution_file}.`);
  return [
    { role: 'system', content: system },
    { role: 'user', content: parts.join('\n') },
  ];
}
