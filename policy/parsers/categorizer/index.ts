/**
 * The error categorizer (guide section 6): turns the real output of a build, test or profile run into
 * `{ errorType, phase, severity, recoverable, hint }` plus the line a person should read first.
 *
 * Pure: no I/O and no Node built-ins, because Temporal workflow code imports it.
 *
 * Rules are tried in order and the first match wins; each has a short name (`Categorization.rule`).
 * Severity follows the guide: 1 minor .. 5 critical, and >= 4 escalates to the next model at once.
 * `recoverable: false` means no model can fix it (the task or the machine is broken).
 * Timeouts and signals (exit 128+N) are RUNTIME, wrong results are LOGIC, a score
 * below target or a regression is PERFORMANCE.
 */
import type { Categorization, ProcessOutcome } from '../../run-types';
import { categorizeLimitKill } from '../limit-kill';
import { BUILD_RULES } from './build-rules';
import { makeContext, splitLines, lastVerdict, lastMeaningfulLine, formatProfileScore, finish } from './context';
import { TEST_RULES, PROFILE_RULES } from './run-rules';

export { MAX_LINE_LENGTH, VERDICT_MARKER } from './context';
export { categorizeWrongResult } from './run-rules';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Categorizes one finished build, test or profile run from its real output and exit status.
 * Never throws; meant for runs that did not succeed (a clean run still gets a severity-1 answer).
 */
export function categorize(outcome: ProcessOutcome): Categorization {
  const ctx = makeContext(outcome);
  // A sandbox limit that ended the run is named by what happened (policy/parsers/limit-kill.ts).
  const killed = categorizeLimitKill(outcome.limitKill, ctx.phase, lastMeaningfulLine(ctx.lines));
  if (killed) return killed;
  const rules = ctx.phase === 'BUILD' ? BUILD_RULES : ctx.phase === 'PROFILE' ? PROFILE_RULES : TEST_RULES;
  for (const rule of rules) {
    const found = rule(ctx);
    if (found) return found;
  }
  // Unreachable: every rule list ends with a rule that always answers. Kept so the type is total.
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'unknown',
    hint: 'The run failed for an unknown reason; read the output and fix the first error it shows.',
    line: lastMeaningfulLine(ctx.lines),
  });
}

/** The rules that blame the task's own files (harness, build wiring), never the answer. */
export const TASK_FAULT_RULES: ReadonlySet<string> = new Set(['harness-broken', 'harness-file-missing', 'harness-link']);

/**
 * Whether a failed run is the task's fault rather than the answer's: the task stops with the reason
 * and no run is charged to the model (a checker that does not build or cannot judge is reported by
 * the host activities as a failure of its own, never categorized).
 */
export function isTaskFault(c: Categorization): boolean {
  return TASK_FAULT_RULES.has(c.rule);
}

/**
 * Reads the harness verdict. The last well-formed `KISYSTEM_VERDICT: PASS|FAIL ...` line wins, so a
 * verdict the program printed early is overridden by the harness's final one.
 * `line` is that line, trimmed and at most {@link MAX_LINE_LENGTH} characters ("" for NONE).
 */
/** Whether a test run passed: exit 0, not timed out, and a `KISYSTEM_VERDICT: PASS` line. */
export function testPassed(run: { exitCode: number | null; timedOut: boolean; output: string; limitKill?: string | null }): boolean {
  // A run that a sandbox limit cut into (an OOM-killed child) never passes, whatever it printed.
  return run.exitCode === 0 && !run.timedOut && !run.limitKill && parseVerdict(run.output).verdict === 'PASS';
}

export function parseVerdict(output: string): { verdict: 'PASS' | 'FAIL' | 'NONE'; line: string } {
  const found = lastVerdict(splitLines(output));
  return found ? { verdict: found.verdict, line: found.line } : { verdict: 'NONE', line: '' };
}

/**
 * A kernel that runs correctly but too slowly: PERFORMANCE. A regression against the
 * previous iteration's score wins over "below target", since undoing the last change is the clearest advice.
 */
export function categorizePerformance(p: { score: number; target: number; previousScore?: number | null }): Categorization {
  const score = formatProfileScore(p.score);
  const base = { errorType: 'PERFORMANCE' as const, phase: 'PROFILE' as const, severity: 2 as const, recoverable: true };
  if (p.previousScore != null && Number.isFinite(p.previousScore) && p.score < p.previousScore) {
    return {
      ...base,
      rule: 'score-regression',
      hint: `The score fell from ${formatProfileScore(p.previousScore)} to ${score}: the last change made the kernel slower; undo it and try a different optimization.`,
      firstErrorLine: `score ${score} < previous ${formatProfileScore(p.previousScore)}`,
    };
  }
  return {
    ...base,
    rule: 'score-below-target',
    hint:
      `The kernel is correct but scores ${score} of the target ${formatProfileScore(p.target)}: ` +
      'improve memory coalescing, reuse data through shared memory or registers, and keep enough threads busy.',
    firstErrorLine: `score ${score} < target ${formatProfileScore(p.target)}`,
  };
}
