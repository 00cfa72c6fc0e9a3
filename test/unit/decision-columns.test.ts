/** The decision's columns from the text older records carry, for every decision the workflow writes. */
import { decisionColumnsFromText } from '../../policy/rules/decision-columns';
import type { StopLossDecision } from '../../policy/rules/stop-loss';
import { decisionText } from '../../workflows/run-record';

describe('decisionColumnsFromText', () => {
  const decisions: StopLossDecision[] = [
    { kind: 'retry', model: 'm1', rule: 'below-stoploss', reason: '1 of 2 failed runs of m1' },
    { kind: 'escalate', from: 'm1', to: 'm2', rule: 'stoploss', reason: '2 of 2 failed runs of m1 -> m2' },
    { kind: 'escalate', from: 'm1', to: 'm2', rule: 'severity', reason: 'severity 4 -> m2' },
    { kind: 'fallback', from: 'm2', rule: 'chain-exhausted', reason: 'x; m2 was the last model of the chain' },
    { kind: 'fallback', from: 'm2', rule: 'non-recoverable', reason: 'ENV error is not recoverable by any model' },
  ];
  it.each(decisions.map((d) => [decisionText(d), d.kind, d.rule]))('%s -> %s / %s', (text, kind, rule) => {
    expect(decisionColumnsFromText(text)).toEqual({ kind, rule });
  });

  it.each([[null], [''], ['Stop-Loss erreicht'], ['escalated somewhere']])('%j maps to nothing', (text) => {
    expect(decisionColumnsFromText(text)).toEqual({ kind: null, rule: null });
  });
});
