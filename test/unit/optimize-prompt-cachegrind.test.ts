/** The optimization prompt of a C++ task shows cachegrind's facts (real recording of the transpose example). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCachegrindOut, summarizeCachegrind } from '../../policy/parsers/cachegrind-report';
import { profileFeedbackLines } from '../../policy/prompts/optimize-prompt';
import { cachegrindScore } from '../../policy/rules/two-tier';

const text = readFileSync(join(__dirname, '..', 'fixtures', 'cachegrind', 'it00_baseline.cachegrind.out'), 'utf8');

it('names the profiler, the score, where the cycles go, the rates and the hot functions and lines', () => {
  const summary = summarizeCachegrind(parseCachegrindOut(text), { kernelRegex: 'transpose', solutionFile: 'transpose.cpp' });
  const lines = profileFeedbackLines({ iteration: 0, score: cachegrindScore(summary, summary.instructions), tool: 'cachegrind', summary });
  const prompt = lines.join('\n');
  expect(lines[0]).toMatch(/^Full profile of iteration 0 \(cachegrind, simulated caches I1 32768 B, D1 32768 B, LL 8388608 B; functions transpose\(float const\*, float\*, int, int\)\):$/);
  expect(prompt).toContain('- score: 4.9 of 100');
  expect(prompt).toMatch(/estimated cycles: 9\.79 G \(instructions 4\.9 %, L1 misses 8\.\d %, LL misses 86\.\d %/);
  expect(prompt).toContain('- bottleneck: memory');
  expect(prompt).toMatch(/- hot source lines:\n {2}- transpose\.cpp:7 \(transpose\(float const\*, float\*, int, int\)\): [\d.]+ %, [\d.]+ M D1 misses/);
});
