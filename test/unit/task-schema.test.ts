/**
 * The task file: errors that name the file and the field, file names that cannot leave the run
 * folder, and the defaults for build and test.
 */
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { unsafeFileName } from '../../policy/parsers/extract-code';
import { TaskFileError, parseTaskFile, relativeFileName } from '../../policy/schemas/task-schema';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

const MINIMAL = {
  id: 'vec-add',
  title: 'Vector addition',
  language: 'cuda',
  goal: 'Add two vectors.',
  solution_file: 'vector_add.cu',
  harness: { files: ['harness.cu', 'vector_add.h'] },
};

/** The TaskFileError message for `value`. */
function taskError(value: unknown, source = 'tasks/vec.yaml'): string {
  try {
    parseTaskFile(source, value);
  } catch (error) {
    expect(error).toBeInstanceOf(TaskFileError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('parseTaskFile', () => {
  it('fills in the defaults for build, test and the interface', () => {
    const task = parseTaskFile('tasks/vec.yaml', MINIMAL);
    expect(task.build).toEqual({ flags: [], output: 'candidate' });
    expect(task.build.sources).toBeUndefined();
    expect(task.test).toEqual({ command: ['./candidate'] });
    expect(task.harness.interface).toEqual([]);
    expect(task.domain).toBeUndefined();
    expect(task.priority).toBeUndefined();
  });

  it('fills in the defaults inside a partly given build or test section', () => {
    const task = parseTaskFile('t.yaml', { ...MINIMAL, build: { flags: ['-O2'] }, test: {} });
    expect(task.build).toEqual({ flags: ['-O2'], output: 'candidate' });
    expect(task.test.command).toEqual(['./candidate']);
  });

  it('keeps what is given', () => {
    const task = parseTaskFile('t.yaml', {
      ...MINIMAL,
      domain: 'CUDA/Kernel',
      harness: { files: ['harness.cu'], interface: ['vector_add.h'] },
      build: { sources: ['harness.cu', 'extra/util.cu'], flags: ['-O3'], output: 'bin/vec' },
      test: { command: ['./bin/vec', '--n', '1000'] },
      priority: 40,
    });
    expect(task).toMatchObject({
      domain: 'CUDA/Kernel',
      harness: { interface: ['vector_add.h'] },
      build: { sources: ['harness.cu', 'extra/util.cu'], output: 'bin/vec' },
      test: { command: ['./bin/vec', '--n', '1000'] },
      priority: 40,
    });
  });

  const examples = existsSync(EXAMPLES)
    ? readdirSync(EXAMPLES).filter((d) => existsSync(join(EXAMPLES, d, 'task.yaml')))
    : [];
  it.each(examples)('the example examples/%s/task.yaml is valid', (dir) => {
    const task = parseTaskFile(dir, parseYaml(readFileSync(join(EXAMPLES, dir, 'task.yaml'), 'utf8')));
    expect(task.id).toBe(dir);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['".." in the solution file', { solution_file: '../vector_add.cu' }, 'solution_file'],
    ['".." inside the solution file', { solution_file: 'src/../../vector_add.cu' }, 'solution_file'],
    ['an absolute solution file', { solution_file: '/etc/passwd' }, 'solution_file'],
    ['an empty solution file', { solution_file: '' }, 'solution_file'],
    ['".." in a harness file', { harness: { files: ['harness.cu', '../secret.h'] } }, 'harness.files.1'],
    ['an absolute interface file', { harness: { files: ['harness.cu'], interface: ['/usr/include/x.h'] } }, 'harness.interface.0'],
    ['no harness files', { harness: { files: [] } }, 'harness.files'],
    ['an unknown key in harness', { harness: { files: ['h.cu'], extra: true } }, 'harness'],
    ['".." as a build source', { build: { sources: ['ok.cu', '..'] } }, 'build.sources.1'],
    ['an absolute build output', { build: { output: '/tmp/candidate' } }, 'build.output'],
    ['an empty test command', { test: { command: [] } }, 'test.command'],
    ['an id with capitals and spaces', { id: 'Vector Add' }, 'id'],
    ['an unknown language', { language: 'python' }, 'language'],
    ['an unknown domain', { domain: 'Rust/Web' }, 'domain'],
    ['a priority above 100', { priority: 101 }, 'priority'],
    ['an empty goal', { goal: '' }, 'goal'],
    ['a missing title', { title: undefined }, 'title'],
    ['an unknown top-level key', { model: 'phi4:latest' }, '(top level)'],
  ])('refuses %s, naming the file and the field', (_name, patch, field) => {
    const message = taskError({ ...MINIMAL, ...patch }, 'tasks/vec.yaml');
    expect(message).toContain(`tasks/vec.yaml: ${field}: `);
  });

  it('refuses a value that is not an object', () => {
    expect(taskError(null, 'x.json')).toContain('x.json: (top level): ');
  });
});

describe('relativeFileName', () => {
  it.each(['solution.cu', 'src/kernel.cu', 'a-b_c.d/e.h', 'vector_add.h', './harness.cu', '_x'])('accepts %j', (name) => {
    expect(relativeFileName.safeParse(name).success).toBe(true);
  });

  it.each(['', '..', '../x.cu', 'a/../../b.cu', 'a/..', '/etc/passwd', 'a//b.cu', 'src/', 'C:\\x.cu', 'a b.cu', '~/x.cu', '-rf'])('refuses %j', (name) => {
    expect(relativeFileName.safeParse(name).success).toBe(false);
  });

  it('refuses a name longer than 200 characters', () => {
    expect(relativeFileName.safeParse('x'.repeat(200)).success).toBe(true);
    expect(relativeFileName.safeParse('x'.repeat(201)).success).toBe(false);
  });

  it('property: an accepted name never leaves the folder (and extract-code agrees it is safe)', () => {
    const part = fc.oneof(fc.constantFrom('..', '.', '', 'a', 'b.cu', '/', '\\', ' ', '~', 'C:'), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        const name = parts.join('/');
        if (!relativeFileName.safeParse(name).success) return;
        expect(name.startsWith('/')).toBe(false);
        expect(name.split('/')).not.toContain('..');
        expect(unsafeFileName(name)).toBeNull();
      }),
    );
  });
});

describe('the benchmark section', () => {
  it('is optional: a task without it has no benchmark key at all', () => {
    expect('benchmark' in parseTaskFile('tasks/vec.yaml', MINIMAL)).toBe(false);
  });

  it('takes the command, the kernel regex and the reference time', () => {
    const task = parseTaskFile('tasks/vec.yaml', { ...MINIMAL, benchmark: { command: ['./candidate', '--bench'], kernel_regex: 'vec_add', reference_ms: 0.25 } });
    expect(task.benchmark).toEqual({ command: ['./candidate', '--bench'], kernel_regex: 'vec_add', reference_ms: 0.25 });
  });

  it.each([
    [{}, 'benchmark.command'],
    [{ command: [] }, 'benchmark.command'],
    [{ command: ['./b'], reference_ms: 0 }, 'benchmark.reference_ms'],
    [{ command: ['./b'], kernel_regex: '' }, 'benchmark.kernel_regex'],
    [{ command: ['./b'], reps: 10 }, 'benchmark'],
    [{ command: ['./b'], clock: 'cycles' }, 'benchmark.clock'],
  ])('refuses %o naming %s', (benchmark, field) => {
    expect(taskError({ ...MINIMAL, benchmark })).toContain(`tasks/vec.yaml: ${field}`);
  });

  it.each(['wall', 'cpu'] as const)('takes clock %s for a C++ task', (clock) => {
    const task = parseTaskFile('tasks/fir.yaml', { ...MINIMAL, language: 'cpp', solution_file: 'fir.cpp', harness: { files: ['harness.cpp'] }, benchmark: { command: ['./b'], clock } });
    expect(task.benchmark?.clock).toBe(clock);
  });

  it('refuses clock cpu for a CUDA task: a GPU kernel\'s time is not CPU time', () => {
    expect(taskError({ ...MINIMAL, benchmark: { command: ['./b'], clock: 'cpu' } })).toMatch(/tasks\/vec\.yaml: benchmark\.clock: "cpu" times host code only/);
    expect(parseTaskFile('tasks/vec.yaml', { ...MINIMAL, benchmark: { command: ['./b'], clock: 'wall' } }).benchmark?.clock).toBe('wall');
  });
});
