/** Trimming process output to its head (first errors) and tail (the end of the run). */
import fc from 'fast-check';
import { trimOutput } from '../../policy/parsers/trim-output';

const marker = (dropped: number) => `\n... [${dropped} characters cut by kisystem] ...\n`;

describe('trimOutput', () => {
  it.each([
    ['shorter than the limit', 'abc', 10],
    ['exactly the limit', 'abcdefghij', 10],
    ['empty', '', 0],
  ])('keeps text %s unchanged', (_name, text, keep) => {
    expect(trimOutput(text, keep)).toBe(text);
  });

  it('keeps 70% from the head and 30% from the tail, and says how much was cut', () => {
    const text = 'H'.repeat(50) + 'x'.repeat(100) + 'T'.repeat(50);
    expect(trimOutput(text, 100)).toBe(`${'H'.repeat(50)}${'x'.repeat(20)}${marker(100)}${'T'.repeat(30)}`);
  });

  it('keeps the first compiler error and the last line', () => {
    const lines = ['kernel.cu(3): error: identifier "x" is undefined', ...Array.from({ length: 500 }, (_, i) => `note ${i}`), 'exit=2'];
    const trimmed = trimOutput(lines.join('\n'), 500);
    expect(trimmed.startsWith(lines[0]!)).toBe(true);
    expect(trimmed.endsWith('exit=2')).toBe(true);
  });

  it('property: at most keep + marker characters, with the head and the tail preserved', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.integer({ min: 0, max: 1500 }), (text, keep) => {
        const result = trimOutput(text, keep);
        if (text.length <= keep) {
          expect(result).toBe(text);
          return;
        }
        const head = Math.floor(keep * 0.7);
        const tail = keep - head;
        expect(result.length).toBeLessThanOrEqual(keep + marker(text.length - keep).length);
        expect(result.startsWith(text.slice(0, head))).toBe(true);
        expect(result.endsWith(text.slice(text.length - tail))).toBe(true);
        expect(result).toContain(marker(text.length - keep));
      }),
    );
  });
});
