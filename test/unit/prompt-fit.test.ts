/** Fitting a prompt into the context window: shortened in the stated order, or refused; never silently cut. */
import fc from 'fast-check';
import { answerReserve, estimateTokens, fitPrompt } from '../../policy/prompts/prompt-fit';
import type { ChatMessage } from '../../policy/prompts/prompt';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const block = (body: string) => '```text\n' + body + '\n```';

describe('fitPrompt', () => {
  it.each([
    ['a short prompt', 'goal', 4096],
    ['a prompt just inside the budget', 'g'.repeat((4096 - answerReserve(4096) - 8) * 3), 4096],
  ])('leaves %s as it is', (_name, content, window) => {
    expect(fitPrompt([user(content)], window)).toMatchObject({ ok: true, note: '', messages: [user(content)] });
  });

  it('cuts tool output in the middle first, keeping its head and tail, and says so', () => {
    const output = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const fit = fitPrompt([user(`## Goal\nthe goal\n\nOutput:\n${block(output)}\nFix it.`)], 2048);
    if (!fit.ok) throw new Error(fit.reason);
    const text = fit.messages[0]!.content;
    expect(text).toContain('## Goal\nthe goal');
    expect(text).toContain('line 0\n');
    expect(text).toContain('line 1999');
    expect(text).toMatch(/characters of output left out to fit the model's context window/);
    expect(text).toContain('Fix it.');
    expect(fit.note).toMatch(/2048 tokens.*1 tool output block\(s\) cut in the middle/);
    expect(estimateTokens(fit.messages)).toBeLessThanOrEqual(2048 - answerReserve(2048));
  });

  it('shortens the oldest message\'s output first', () => {
    const older = user(`old\n${block('o'.repeat(3000))}`);
    const newer = user(`new\n${block('n'.repeat(3000))}`);
    const fit = fitPrompt([older, newer], 2048 + 400);
    if (!fit.ok) throw new Error(fit.reason);
    expect(fit.messages[0]!.content.length).toBeLessThan(older.content.length);
    expect(fit.messages[1]!.content).toBe(newer.content);
  });

  it('refuses when the goal and code alone exceed the window, naming the figures and the setting', () => {
    const fit = fitPrompt([user('x'.repeat(30_000))], 4096);
    expect(fit).toMatchObject({ ok: false, window: 4096 });
    expect(!fit.ok && fit.reason).toMatch(/context window is 4096 tokens.*llm\.num_ctx/);
  });

  it('property: the result fits, or is refused; text outside tool output is never changed', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 400 }), fc.string({ maxLength: 6000 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1024, max: 8192 }), (pieces, window) => {
        const messages = pieces.map(([prose, out]) => user(`${prose.replace(/`/g, '')}\n${block(out.replace(/`/g, ''))}`));
        const fit = fitPrompt(messages, window);
        if (!fit.ok) return;
        expect(estimateTokens(fit.messages)).toBeLessThanOrEqual(window - answerReserve(window));
        fit.messages.forEach((m, i) => expect(m.content.startsWith(pieces[i]![0].replace(/`/g, ''))).toBe(true));
      }),
      { numRuns: 200 },
    );
  });
});
