/** The optimization prompt: figures from the last full profile, the best code, the last rejection. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { categorizeWrongResult } from '../../policy/parsers/categorizer';
import { parseNcuDetailsCsv } from '../../policy/parsers/ncu-report';
import { summarizeNcu } from '../../policy/parsers/ncu-summary';
import { buildOptimizePrompt } from '../../policy/prompts/optimize-prompt';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { fullProfileScore } from '../../policy/rules/two-tier';

const summary = summarizeNcu(parseNcuDetailsCsv(readFileSync(join(__dirname, '..', 'fixtures', 'h200', 'ncu_mm_tiled_details.csv'), 'utf8')));

const task: ResolvedTask = {
  id: 'matmul-tiled', title: 'Tiled matmul', domain: 'CUDA/Kernel', domainReason: 'given', language: 'cuda', goal: 'Multiply.',
  solution_file: 'matmul.cu', harnessFiles: [], interfaceFiles: [{ path: 'matmul.h', content: 'void mm();' }],
  build: { flags: [], output: 'candidate' }, test: { command: ['./candidate'] }, sourcePath: 't.yaml',
  benchmark: { command: ['./candidate', '--bench'], reference_ms: 3.68 },
};

describe('buildOptimizePrompt', () => {
  const messages = buildOptimizePrompt({
    task,
    bestCode: '__global__ void mm_tiled() {}\n',
    best: { iteration: 0, timeMs: 1.84, score: fullProfileScore(summary) },
    targetScore: 95,
    profile: { iteration: 0, score: fullProfileScore(summary), summary },
    lastFailure: { iteration: 2, categorization: categorizeWrongResult('c[3]=1 expected 2'), output: 'KISYSTEM_VERDICT: FAIL c[3]=1 expected 2' },
  });
  const user = messages[1]!.content;

  it('gives the profile as figures: speed-of-light, bottleneck, occupancy, rules with speedups', () => {
    expect(user).toContain('Task id: matmul-tiled');
    expect(user).toContain('score (speed-of-light): 91.4 of 100');
    expect(user).toContain('bottleneck: memory');
    expect(user).toMatch(/achieved occupancy: [\d.]+ %/);
    // This report's only rule has no estimated speedup (the workflow test checks one that has).
    expect(user).toContain('- profiler recommendations:\n  - SOLBottleneck: This workload is utilizing');
    expect(user).toContain('speedup so far 2x');
  });

  it('carries the best code, the interface and why the last attempt was rejected', () => {
    expect(user).toContain('__global__ void mm_tiled() {}');
    expect(user).toContain('## Interface: matmul.h');
    expect(user).toContain('was not accepted (LOGIC in TEST)');
    expect(messages[0]!.content).toContain('a faster kernel with wrong results is rejected');
  });
});
