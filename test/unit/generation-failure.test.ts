/** Categorizing a model reply that cannot become a candidate (cut short, no code, unsafe file name). */
import { categorizeReply } from '../../policy/parsers/generation-failure';
import { extractFiles } from '../../policy/parsers/extract-code';
import { afterFailure, startEscalation } from '../../policy/rules/stop-loss';

describe('categorizeReply', () => {
  it.each<[string, string, { reason: string; unsafePath?: string } | null, string | null, number]>([
    ['a reply cut short (length)', 'length', null, 'reply-cut-short', 2],
    ['a reply cut short (incomplete), even without code', 'incomplete', { reason: 'the reply holds no fenced code block' }, 'reply-cut-short', 2],
    ['a complete reply with code', 'stop', null, null, 0],
    ['a reply without code', 'stop', { reason: 'the reply holds no fenced code block' }, 'no-code', 2],
    ['a reply naming a file outside the folder', 'stop', { reason: 'outside', unsafePath: '../../etc/passwd' }, 'unsafe-file-name', 5],
    ['an empty unsafe path', '', { reason: 'outside', unsafePath: '' }, 'unsafe-file-name', 5],
  ])('%s', (_name, doneReason, problem, rule, severity) => {
    const result = categorizeReply(doneReason, problem);
    if (rule === null) {
      expect(result).toBeNull();
      return;
    }
    expect(result).toMatchObject({ errorType: 'GENERATION', phase: 'GENERATE', rule, severity, recoverable: true });
    expect(result!.hint.length).toBeGreaterThan(0);
  });

  it('reports the done reason and the extraction problem as the first error line', () => {
    expect(categorizeReply('length', null)!.firstErrorLine).toContain('length');
    expect(categorizeReply('stop', { reason: 'the reply holds no CUDA code block' })!.firstErrorLine).toBe('the reply holds no CUDA code block');
  });

  it('an unsafe file name in a reply moves on to the next model at once', () => {
    const extraction = extractFiles('```cuda\n// file: ../../etc/passwd\nx\n```', 'solution.cu', 'cuda', []);
    expect(extraction.ok).toBe(false);
    const categorization = categorizeReply('stop', extraction.ok ? null : extraction)!;
    expect(categorization.rule).toBe('unsafe-file-name');
    const { decision } = afterFailure(startEscalation(['a', 'b']), categorization, 2);
    expect(decision).toMatchObject({ kind: 'escalate', from: 'a', to: 'b', rule: 'severity' });
  });

  it('a reply without code counts as an ordinary failure of the model', () => {
    const extraction = extractFiles('Sorry, no code today.', 'solution.cu', 'cuda', []);
    const categorization = categorizeReply('stop', extraction.ok ? null : extraction)!;
    expect(afterFailure(startEscalation(['a', 'b']), categorization, 2).decision.kind).toBe('retry');
  });
});
