/** The chat messages sent to a model: the task, the interface, and after a failure what went wrong. */
import { buildPrompt, type PreviousFailure } from '../../policy/prompts/prompt';
import type { ResolvedTask } from '../../policy/schemas/task-schema';

const TASK: ResolvedTask = {
  id: 'vec-add',
  title: 'Vector addition',
  domain: 'CUDA/Kernel',
  domainReason: 'given in the task file',
  language: 'cuda',
  goal: '  Write vector_add.cu: c[i] = a[i] + b[i] for 0 <= i < n.\n',
  solution_file: 'vector_add.cu',
  build: { flags: ['-O2'], output: 'candidate' },
  test: { command: ['./candidate'] },
  harnessFiles: [
    { path: 'harness.cu', content: 'int main() { return 0; }\n' },
    { path: 'vector_add.h', content: 'void vector_add(const float* a, const float* b, float* c, int n);\n' },
  ],
  interfaceFiles: [{ path: 'vector_add.h', content: 'void vector_add(const float* a, const float* b, float* c, int n);\n' }],
  sourcePath: 'examples/vector-add/task.yaml',
};

const PREVIOUS: PreviousFailure = {
  model: 'qwen2.5-coder:32b',
  code: '__global__ void add(float* c) { c[threadIdx.x] = 0; }\n',
  output: 'FAIL: c[1000] = 0, expected 3\n',
  categorization: {
    errorType: 'LOGIC',
    phase: 'TEST',
    severity: 3,
    recoverable: true,
    hint: 'Guard the index with i < n and size the grid by rounding up.',
    firstErrorLine: 'FAIL: c[1000] = 0, expected 3',
    rule: 'wrong-result',
  },
};

function user(task: ResolvedTask, previous?: PreviousFailure): string {
  const messages = buildPrompt(task, previous);
  expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
  return messages[1]!.content;
}

describe('buildPrompt', () => {
  it('states the task id, the goal, the file to write and the interface text', () => {
    const text = user(TASK);
    expect(text).toContain('Task id: vec-add');
    expect(text).toContain('Write vector_add.cu: c[i] = a[i] + b[i] for 0 <= i < n.');
    expect(text).toContain('File to write: vector_add.cu');
    expect(text).toContain('## Interface: vector_add.h');
    expect(text).toContain('void vector_add(const float* a, const float* b, float* c, int n);');
    expect(text).not.toContain('int main() { return 0; }'); // harness files that are not interface stay hidden
    expect(text).not.toMatch(/previous attempt/i);
  });

  it.each([
    ['cuda', '```cuda', 'CUDA C++'],
    ['cpp', '```cpp', 'C++17'],
  ] as const)('asks a %s task for one %s block', (language, fence, name) => {
    const [system] = buildPrompt({ ...TASK, language });
    expect(system!.role).toBe('system');
    expect(system!.content).toContain(fence);
    expect(system!.content).toContain(name);
    expect(system!.content).toContain('vector_add.cu');
  });

  it('after a failure shows the previous code, the output, the hint and the error', () => {
    const text = user(TASK, PREVIOUS);
    expect(text).toContain('Task id: vec-add');
    expect(text).toContain('LOGIC in TEST, severity 3');
    expect(text).toContain('First error: FAIL: c[1000] = 0, expected 3');
    expect(text).toContain(`Hint: ${PREVIOUS.categorization.hint}`);
    expect(text).toContain('__global__ void add(float* c) { c[threadIdx.x] = 0; }');
    expect(text).toContain('FAIL: c[1000] = 0, expected 3');
    expect(text).toMatch(/corrected vector_add\.cu/);
    expect(text.indexOf('## Goal')).toBeLessThan(text.indexOf('Previous code:'));
  });

  it('leaves out empty previous code and output, and marks a missing first error line', () => {
    const text = user(TASK, { ...PREVIOUS, code: '  \n', output: '', categorization: { ...PREVIOUS.categorization, firstErrorLine: '' } });
    expect(text).not.toContain('Previous code:');
    expect(text).not.toContain('Output:');
    expect(text).toContain('First error: (none)');
    expect(text).toContain(`Hint: ${PREVIOUS.categorization.hint}`);
  });
});
