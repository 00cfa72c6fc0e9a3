/**
 * The one line people read about an "expected-cost" start (Web UI, `start_decisions.summary`), e.g.
 * "start qwen2.5-coder:32b: expected 520 s vs 1380 s at deepseek-r1:32b; 12 runs at 0.81; hybrid
 * 0.62 -> qwen2.5-coder:32b (recorded only)". Pure; the workflow only passes the decision on.
 */
import { formatScore, type StartDecision, type StartPosition } from '../rules/hybrid-decision';

function seconds(value: number): string {
  return `${Math.round(value)} s`;
}

function evidence(p: StartPosition): string {
  return p.runs === 0 || p.agedRate === null ? 'no runs yet' : `${p.runs} ${p.runs === 1 ? 'run' : 'runs'} at ${formatScore(p.agedRate)}`;
}

export function startSummary(decision: StartDecision): string {
  const positions = decision.positions ?? [];
  const chosen = positions[decision.startIndex];
  const hybrid = `hybrid ${formatScore(decision.finalScore)} -> ${decision.scoreModel}`;
  const head = decision.chain[0]!;
  if (decision.rule === 'cold-tier-jump') {
    return `start ${decision.model}: no runs in the domain yet; ${hybrid}, a more capable tier than ${head}`;
  }
  if (decision.rule === 'cold-start') {
    return `start ${decision.model}: no runs in the domain yet, chain head; ${hybrid} (moves a cold start only to a more capable tier later in the chain)`;
  }
  if (!chosen) return `start ${decision.model}: ${hybrid}`;
  // The runner-up by drawn cost among the allowed positions (else among all), and a cheaper position the evidence rules out.
  const others = positions.filter((_, i) => i !== decision.startIndex);
  const cheapest = (list: StartPosition[]) => list.reduce<StartPosition | undefined>((best, p) => (!best || p.drawnSeconds < best.drawnSeconds ? p : best), undefined);
  const other = cheapest(others.filter((p) => p.allowed)) ?? cheapest(others);
  const blocked = cheapest(others.filter((p) => !p.allowed && p.drawnSeconds < chosen.drawnSeconds));
  const versus = other ? ` vs ${seconds(other.drawnSeconds)} at ${other.model}${other.allowed ? '' : ` (not allowed: ${other.blockedBy})`}` : '';
  const ruledOut = blocked && blocked !== other ? `; ${blocked.model} ${seconds(blocked.drawnSeconds)} but not allowed (${blocked.blockedBy})` : '';
  return `start ${decision.model}: expected ${seconds(chosen.drawnSeconds)}${versus}; ${evidence(chosen)}${ruledOut}; ${hybrid} (recorded only)`;
}
