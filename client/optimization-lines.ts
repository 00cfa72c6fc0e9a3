/** The optimization phase as `kisystem status` prints it: the best so far, the profiling time per tier, and every iteration's tier decision. */
import type { OptimizationSummary } from '../contracts/task-messages';

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function optimizationLines(o: OptimizationSummary): string[] {
  const lines = [
    `optimization: best score ${o.bestScore.toFixed(1)} at iteration ${o.bestIteration} (${Number(o.bestTimeMs.toPrecision(4))} ms); profiling ${secs(o.profileMsTier0)} at tier 0, ${secs(o.profileMsTier1)} at tier 1${o.stopReason ? `; stopped: ${o.stopReason}` : ''}${o.fellBack ? `; ${o.fellBack}` : ''}`,
  ];
  for (const it of o.iterations) {
    const figures = it.tier === null ? '' : `, rule ${it.rule}, score ${it.score === null ? '-' : it.score.toFixed(1)}, ${it.timeMs === null ? '-' : Number(it.timeMs.toPrecision(4))} ms`;
    const kept = it.accepted ? 'kept' : `rejected${it.rejectedAs ? ` (${it.rejectedAs})` : ''}`;
    lines.push(`  iteration ${it.iteration} (run ${it.attemptNo}, ${it.model}): ${it.tier === null ? 'not profiled' : `tier ${it.tier}`}${figures}, ${kept}: ${it.summary}`);
  }
  return lines;
}
