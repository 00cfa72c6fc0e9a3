/**
 * Stop-loss escalation (guide section 2): the guide's
 * example flow and the edge cases as a table, then properties over random chains and failures:
 * never back in the chain, no model twice, no model skipped, escalation after exactly `stoploss`
 * ordinary failures, fallback only at the end of the chain or on a non-recoverable error.
 */
import fc from 'fast-check';
import { afterFailure, currentModel, startEscalation, type EscalationState, type StopLossDecision } from '../../policy/rules/stop-loss';
import { ERROR_TYPES, type Categorization, type Severity } from '../../policy/run-types';

type Failure = Pick<Categorization, 'severity' | 'recoverable' | 'errorType'>;

const CUDA_CHAIN = ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b'];

/** `'2'` = recoverable RUNTIME failure of severity 2; `'x3'` = non-recoverable failure of severity 3. */
function failure(code: string): Failure {
  const recoverable = !code.startsWith('x');
  return { severity: Number(code.replace('x', '')) as Severity, recoverable, errorType: 'RUNTIME' };
}

/** One line per decision: `retry A`, `escalate A>B stoploss`, `fallback A chain-exhausted`. */
function summary(decision: StopLossDecision): string {
  switch (decision.kind) {
    case 'retry':
      return `retry ${decision.model}`;
    case 'escalate':
      return `escalate ${decision.from}>${decision.to} ${decision.rule}`;
    case 'fallback':
      return `fallback ${decision.from} ${decision.rule}`;
  }
}

interface Step {
  before: EscalationState;
  failure: Failure;
  after: EscalationState;
  decision: StopLossDecision;
}

/** Feeds failures one by one, as the workflow does, until the fallback ends the loop. */
function simulate(chain: readonly string[], stoploss: number, failures: readonly Failure[], startIndex = 0): Step[] {
  const steps: Step[] = [];
  let state = startEscalation(chain, startIndex);
  for (const f of failures) {
    const { state: after, decision } = afterFailure(state, f, stoploss);
    steps.push({ before: state, failure: f, after, decision });
    state = after;
    if (decision.kind === 'fallback') break;
  }
  return steps;
}

describe('startEscalation / currentModel', () => {
  it('starts at the first model with no failures', () => {
    const state = startEscalation(CUDA_CHAIN);
    expect(state).toEqual({ chain: CUDA_CHAIN, index: 0, failuresOfCurrent: 0 });
    expect(currentModel(state)).toBe('qwen2.5-coder:32b');
  });

  it('can start later in the chain (bias or hybrid start)', () => {
    expect(currentModel(startEscalation(CUDA_CHAIN, 2))).toBe('deepseek-coder-v2:16b');
  });

  it.each([
    ['an empty chain', [], 0],
    ['a negative start index', ['a'], -1],
    ['a start index past the end', ['a', 'b'], 2],
  ])('refuses %s', (_name, chain: string[], start: number) => {
    expect(() => startEscalation(chain, start)).toThrow(/startEscalation/);
  });
});

describe('afterFailure: failure sequences', () => {
  it.each<[string, string[], number, string[], string[]]>([
    [
      "guide's flow: qwen2.5-coder fails twice at TEST (severity 2, 3) -> deepseek-r1",
      CUDA_CHAIN, 2, ['2', '3'],
      ['retry qwen2.5-coder:32b', 'escalate qwen2.5-coder:32b>deepseek-r1:32b stoploss'],
    ],
    ['severity 4 escalates at once', CUDA_CHAIN, 2, ['4'], ['escalate qwen2.5-coder:32b>deepseek-r1:32b severity']],
    ['severity 5 escalates at once', CUDA_CHAIN, 2, ['5'], ['escalate qwen2.5-coder:32b>deepseek-r1:32b severity']],
    ['severity 4 after one ordinary failure', ['a', 'b'], 3, ['2', '4'], ['retry a', 'escalate a>b severity']],
    ['non-recoverable goes to the fallback', CUDA_CHAIN, 2, ['x2'], ['fallback qwen2.5-coder:32b non-recoverable']],
    ['non-recoverable wins over severity 5', CUDA_CHAIN, 2, ['x5'], ['fallback qwen2.5-coder:32b non-recoverable']],
    ['non-recoverable after an escalation', ['a', 'b', 'c'], 2, ['1', '1', 'x1'], ['retry a', 'escalate a>b stoploss', 'fallback b non-recoverable']],
    [
      'end of the chain -> chain-exhausted',
      ['a', 'b'], 2, ['2', '2', '2', '2', '2'],
      ['retry a', 'escalate a>b stoploss', 'retry b', 'fallback b chain-exhausted'],
    ],
    ['severity 4 at the last model -> chain-exhausted', ['a', 'b'], 2, ['4', '4'], ['escalate a>b severity', 'fallback b chain-exhausted']],
    ['a one-model chain', ['a'], 2, ['1', '3'], ['retry a', 'fallback a chain-exhausted']],
    ['stoploss 1: every failure moves on', ['a', 'b', 'c'], 1, ['1', '2', '3'], ['escalate a>b stoploss', 'escalate b>c stoploss', 'fallback c chain-exhausted']],
    [
      'stoploss 3',
      ['a', 'b'], 3, ['1', '2', '3', '3', '2', '1'],
      ['retry a', 'retry a', 'escalate a>b stoploss', 'retry b', 'retry b', 'fallback b chain-exhausted'],
    ],
    [
      'the failure count starts again after an escalation',
      ['a', 'b', 'c'], 2, ['1', '5', '1', '1'],
      ['retry a', 'escalate a>b severity', 'retry b', 'escalate b>c stoploss'],
    ],
  ])('%s', (_name, chain, stoploss, codes, expected) => {
    expect(simulate(chain, stoploss, codes.map(failure)).map((s) => summary(s.decision))).toEqual(expected);
  });

  it("guide's flow in detail: the state after each failure and the reasons", () => {
    const [first, second] = simulate(CUDA_CHAIN, 2, [failure('2'), failure('3')]);
    expect(first!.after).toEqual({ chain: CUDA_CHAIN, index: 0, failuresOfCurrent: 1 });
    expect(first!.decision).toMatchObject({ kind: 'retry', model: 'qwen2.5-coder:32b', rule: 'below-stoploss' });
    expect(first!.decision.reason).toContain('1 of 2');
    expect(second!.after).toEqual({ chain: CUDA_CHAIN, index: 1, failuresOfCurrent: 0 });
    expect(currentModel(second!.after)).toBe('deepseek-r1:32b');
    expect(second!.decision).toMatchObject({ kind: 'escalate', from: 'qwen2.5-coder:32b', to: 'deepseek-r1:32b', rule: 'stoploss' });
    expect(second!.decision.reason).toContain('deepseek-r1:32b');
  });

  it('does not change the state it is given', () => {
    const state = startEscalation(['a', 'b']);
    const copy = JSON.parse(JSON.stringify(state));
    afterFailure(state, failure('5'), 2);
    expect(state).toEqual(copy);
  });
});

describe('afterFailure: properties', () => {
  const chainArb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 });
  const failureArb = (maxSeverity: number, recoverableOnly: boolean): fc.Arbitrary<Failure> =>
    fc.record({
      severity: fc.integer({ min: 1, max: maxSeverity }).map((n) => n as Severity),
      // Mostly recoverable, as in practice: one in ten is not.
      recoverable: recoverableOnly ? fc.constant(true) : fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
      errorType: fc.constantFrom(...ERROR_TYPES),
    });
  const scenario = (maxSeverity = 5, recoverableOnly = false) =>
    fc
      .record({
        chain: chainArb,
        stoploss: fc.integer({ min: 1, max: 5 }),
        failures: fc.array(failureArb(maxSeverity, recoverableOnly), { maxLength: 40 }),
        start: fc.nat(),
      })
      .map((s) => ({ ...s, start: s.start % s.chain.length }));

  it('never moves back in the chain, and each escalation moves exactly one model on (no model skipped)', () => {
    fc.assert(
      fc.property(scenario(), ({ chain, stoploss, failures, start }) => {
        for (const { before, after, decision } of simulate(chain, stoploss, failures, start)) {
          expect(after.index).toBeGreaterThanOrEqual(before.index);
          expect(after.chain).toEqual(chain);
          if (decision.kind === 'escalate') {
            expect(after.index).toBe(before.index + 1);
            expect(decision.from).toBe(chain[before.index]);
            expect(decision.to).toBe(chain[before.index + 1]);
            expect(after.failuresOfCurrent).toBe(0);
          } else {
            expect(after.index).toBe(before.index);
            expect(after.failuresOfCurrent).toBe(before.failuresOfCurrent + 1);
          }
          if (decision.kind === 'retry') expect(decision.model).toBe(currentModel(before));
        }
      }),
    );
  });

  it('uses no model in two separate stretches (no loops)', () => {
    fc.assert(
      fc.property(scenario(), ({ chain, stoploss, failures, start }) => {
        const used = simulate(chain, stoploss, failures, start).map((s) => currentModel(s.before));
        const stretches = used.filter((model, i) => i === 0 || used[i - 1] !== model);
        expect(new Set(stretches).size).toBe(stretches.length);
      }),
    );
  });

  it('escalates after exactly `stoploss` failures when all are recoverable with severity < 4', () => {
    fc.assert(
      fc.property(scenario(3, true), ({ chain, stoploss, failures, start }) => {
        simulate(chain, stoploss, failures, start).forEach(({ before, decision }, i) => {
          const nth = (i % stoploss) + 1; // the nth failure of the current model
          expect(before.failuresOfCurrent).toBe(nth - 1);
          expect(before.index).toBe(start + Math.floor(i / stoploss));
          if (nth < stoploss) expect(decision.kind).toBe('retry');
          else if (before.index < chain.length - 1) expect(decision).toMatchObject({ kind: 'escalate', rule: 'stoploss' });
          else expect(decision).toMatchObject({ kind: 'fallback', rule: 'chain-exhausted' });
        });
      }),
    );
  });

  it('falls back only at the last model or on a non-recoverable error; severity >= 4 elsewhere escalates at once', () => {
    fc.assert(
      fc.property(scenario(), ({ chain, stoploss, failures, start }) => {
        for (const { before, failure: f, decision } of simulate(chain, stoploss, failures, start)) {
          const last = before.index === chain.length - 1;
          if (!f.recoverable) {
            expect(decision).toMatchObject({ kind: 'fallback', rule: 'non-recoverable', from: currentModel(before) });
          } else if (decision.kind === 'fallback') {
            expect(decision.rule).toBe('chain-exhausted');
            expect(last).toBe(true);
          } else if (f.severity >= 4) {
            expect(last).toBe(false);
            expect(decision).toMatchObject({ kind: 'escalate', rule: 'severity' });
          }
        }
      }),
    );
  });
});
