/**
 * The stop-loss decision's kind and rule (statistics read these columns, never the text).
 * `decisionColumnsFromText` maps the display text older records carry, once, on import (the same
 * mapping as the migration 2026-11-29T1300-decision-columns). Pure.
 */
export const DECISION_KINDS = ['retry', 'escalate', 'fallback'] as const;
export const DECISION_RULES = ['below-stoploss', 'stoploss', 'severity', 'chain-exhausted', 'non-recoverable'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
export type DecisionRule = (typeof DECISION_RULES)[number];

export function decisionColumnsFromText(text: string | null): { kind: DecisionKind | null; rule: DecisionRule | null } {
  if (!text) return { kind: null, rule: null };
  if (text.startsWith('retry ')) return { kind: 'retry', rule: 'below-stoploss' };
  const escalate = /^escalate to \S+ \((stoploss|severity):/.exec(text);
  if (escalate) return { kind: 'escalate', rule: escalate[1] as DecisionRule };
  if (text.startsWith('escalate to ')) return { kind: 'escalate', rule: null };
  const fallback = /^manual fallback \((chain-exhausted|non-recoverable):/.exec(text);
  if (fallback) return { kind: 'fallback', rule: fallback[1] as DecisionRule };
  if (text.startsWith('manual fallback (')) return { kind: 'fallback', rule: null };
  return { kind: null, rule: null };
}
