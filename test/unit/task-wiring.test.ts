/**
 * A task's wiring, checked before any model is asked: each mistake a task author made converting a
 * task (a checker shown to the model, built into the candidate or missing) is refused with the
 * field and the file; the shipped examples pass; the worker's check of a carried task agrees.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { checkTaskWiring, isCheckerFile, wiringOfFile, wiringOfTask, type TaskWiring } from '../../policy/schemas/task-wiring';
import { TaskFileError } from '../../policy/schemas/task-schema';
import { loadTask } from '../../runtime/load-task';
import { checkQueueItem } from '../../workflows/queue-item-check';

const CHECKER = '#include "kisystem_io.h"\nvoid kio_cases(const std::string&, std::mt19937_64&, std::vector<std::vector<char>>&) {}\nKISYSTEM_CHECKER_MAIN("k", 1, 2)\n';
const HARNESS = '#include "biquad.h"\n#include "kisystem_io.h"\nint main() { return 0; }\n';
const HEADER = 'void biquad(const float* x, float* y, int n);\n';

function wiring(overrides: Partial<TaskWiring> = {}, files: Record<string, string> = {}): TaskWiring {
  const contents = new Map(Object.entries({ 'harness.cpp': HARNESS, 'biquad.h': HEADER, 'checker.cpp': CHECKER, ...files }));
  return {
    solution_file: 'biquad.cpp',
    harness: { files: ['harness.cpp', 'biquad.h', 'checker.cpp'], interface: ['biquad.h'] },
    build: { output: 'candidate' },
    test: { command: ['./candidate'] },
    contents,
    ...overrides,
  };
}

const FOLDER = ['task.yaml', 'harness.cpp', 'biquad.h', 'checker.cpp'];

describe('checkTaskWiring', () => {
  it('accepts a well-wired checked task without a warning', () => {
    expect(checkTaskWiring(wiring(), FOLDER)).toEqual({ errors: [], warnings: [] });
  });

  type Row = [string, Partial<TaskWiring>, Record<string, string>, string[], { field: string; file: string | null; says: string }];
  const rows: Row[] = [
    [
      'the checker listed under interface (it would be shown to the model)',
      { harness: { files: ['harness.cpp', 'biquad.h', 'checker.cpp'], interface: ['biquad.h', 'checker.cpp'] } },
      {},
      FOLDER,
      { field: 'harness.interface', file: 'checker.cpp', says: 'shown to the model' },
    ],
    [
      'build.sources naming a checker file (not in the candidate folder)',
      { build: { output: 'candidate', sources: ['harness.cpp', 'checker_x.cpp', 'biquad.cpp'] } },
      {},
      FOLDER,
      { field: 'build.sources', file: 'checker_x.cpp', says: 'built apart from the candidate' },
    ],
    [
      'build.sources naming a file that is neither harness nor solution',
      { build: { output: 'candidate', sources: ['harness.cpp', 'util.cpp', 'biquad.cpp'] } },
      {},
      FOLDER,
      { field: 'build.sources', file: 'util.cpp', says: 'neither a harness file nor the solution_file' },
    ],
    [
      'a checker named dc_checker.cpp (would be compiled into the candidate)',
      { harness: { files: ['harness.cpp', 'biquad.h', 'dc_checker.cpp'], interface: ['biquad.h'] } },
      { 'dc_checker.cpp': CHECKER },
      ['harness.cpp', 'biquad.h', 'dc_checker.cpp'],
      { field: 'harness.files', file: 'dc_checker.cpp', says: 'rename it to checker_dc.cpp' },
    ],
    [
      'a checker in a subfolder',
      { harness: { files: ['harness.cpp', 'biquad.h', 'ref/checker.cpp'], interface: ['biquad.h'] } },
      { 'ref/checker.cpp': CHECKER },
      ['harness.cpp', 'biquad.h', 'ref/checker.cpp'],
      { field: 'harness.files', file: 'ref/checker.cpp', says: 'subfolder' },
    ],
    [
      'checker code under another name (reference.cpp)',
      { harness: { files: ['harness.cpp', 'biquad.h', 'reference.cpp'], interface: ['biquad.h'] } },
      { 'reference.cpp': CHECKER },
      ['harness.cpp', 'biquad.h', 'reference.cpp'],
      { field: 'harness.files', file: 'reference.cpp', says: 'holds checker code' },
    ],
    [
      'a CUDA checker',
      { harness: { files: ['harness.cpp', 'biquad.h', 'checker.cu'], interface: ['biquad.h'] } },
      { 'checker.cu': CHECKER },
      ['harness.cpp', 'biquad.h', 'checker.cu'],
      { field: 'harness.files', file: 'checker.cu', says: 'host C++' },
    ],
    [
      'a missing harness file',
      {},
      {},
      ['harness.cpp', 'biquad.h'],
      { field: 'harness.files', file: 'checker.cpp', says: 'no such file' },
    ],
    [
      'a harness file listed twice',
      { harness: { files: ['harness.cpp', 'biquad.h', 'checker.cpp', 'biquad.h'], interface: ['biquad.h'] } },
      {},
      FOLDER,
      { field: 'harness.files', file: 'biquad.h', says: 'listed twice' },
    ],
    [
      'the checker including the interface header (it cannot see it)',
      {},
      { 'checker.cpp': `#include "biquad.h"\n${CHECKER}` },
      FOLDER,
      { field: 'harness.files', file: 'checker.cpp', says: 'cannot see the candidate\'s or the interface\'s headers' },
    ],
    [
      'the candidate harness including a checker header',
      { harness: { files: ['harness.cpp', 'biquad.h', 'checker.cpp', 'checker_frames.h'], interface: ['biquad.h'] } },
      { 'harness.cpp': `#include "checker_frames.h"\n${HARNESS}`, 'checker_frames.h': 'struct Frame {};\n' },
      [...FOLDER, 'checker_frames.h'],
      { field: 'harness.files', file: 'harness.cpp', says: 'never enter the candidate\'s folder' },
    ],
    [
      'checker headers only, no checker translation unit',
      { harness: { files: ['harness.cpp', 'biquad.h', 'checker.h'], interface: ['biquad.h'] } },
      { 'checker.h': 'int x;\n' },
      ['harness.cpp', 'biquad.h', 'checker.h'],
      { field: 'harness.files', file: 'checker.h', says: 'no translation unit' },
    ],
    [
      'a checker without KISYSTEM_CHECKER_MAIN',
      {},
      { 'checker.cpp': '#include "kisystem_io.h"\nint helper() { return 1; }\n' },
      FOLDER,
      { field: 'harness.files', file: 'checker.cpp', says: 'KISYSTEM_CHECKER_MAIN' },
    ],
    [
      'an unlisted checker in the folder of a task without one',
      { harness: { files: ['harness.cpp', 'biquad.h'], interface: ['biquad.h'] } },
      {},
      FOLDER,
      { field: 'harness.files', file: 'checker.cpp', says: 'not listed in harness.files' },
    ],
    [
      'the solution named like a checker',
      { solution_file: 'checker_impl.cpp' },
      {},
      FOLDER,
      { field: 'solution_file', file: 'checker_impl.cpp', says: 'named like the trusted checker' },
    ],
    [
      'the solution also a harness file',
      { solution_file: 'harness.cpp' },
      {},
      FOLDER,
      { field: 'solution_file', file: 'harness.cpp', says: 'also a harness file' },
    ],
    [
      'an interface file that is not a harness file',
      { harness: { files: ['harness.cpp', 'biquad.h', 'checker.cpp'], interface: ['other.h'] } },
      {},
      FOLDER,
      { field: 'harness.interface', file: 'other.h', says: 'not listed in harness.files' },
    ],
    [
      'a test command that runs something the build does not make',
      { test: { command: ['./cand'] } },
      {},
      FOLDER,
      { field: 'test.command', file: 'cand', says: 'neither build.output' },
    ],
    [
      'a benchmark command that runs the checker',
      { benchmark: { command: ['./checker.cpp'] } },
      {},
      FOLDER,
      { field: 'benchmark.command', file: 'checker.cpp', says: 'neither build.output' },
    ],
  ];

  it.each(rows)('refuses %s', (_name, overrides, files, folder, expected) => {
    const report = checkTaskWiring(wiring(overrides, files), folder);
    expect(report.errors).toContainEqual({ field: expected.field, file: expected.file, message: expect.stringContaining(expected.says) });
  });

  it('warns about a task without a checker (the old, forgeable format), and refuses nothing', () => {
    const report = checkTaskWiring(wiring({ harness: { files: ['harness.cpp', 'biquad.h'], interface: ['biquad.h'] } }), ['harness.cpp', 'biquad.h']);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([{ field: 'harness.files', file: null, message: expect.stringContaining('can forge') }]);
  });

  it('lets a task with its own checker share a folder with another task\'s checker', () => {
    expect(checkTaskWiring(wiring(), [...FOLDER, 'checker_other.cpp']).errors).toEqual([]);
  });

  it('never throws, whatever the lists hold', () => {
    const name = fc.stringMatching(/^[a-z_./]{1,12}$/);
    fc.assert(
      fc.property(fc.array(name), fc.array(name), fc.array(name), fc.array(name), (files, iface, sources, folder) => {
        const report = checkTaskWiring(wiring({ harness: { files, interface: iface }, build: { output: 'candidate', sources } }), folder);
        expect(Array.isArray(report.errors)).toBe(true);
      }),
    );
  });

  it('agrees with the rule for checker names: top-level checker*.(cpp|cc|cxx|h|hh|hpp) only', () => {
    for (const [path, expected] of [
      ['checker.cpp', true],
      ['checker_dc.hpp', true],
      ['dc_checker.cpp', false],
      ['ref/checker.cpp', false],
      ['checker.cu', false],
      ['Checker.cpp', false],
    ] as const) {
      expect(isCheckerFile(path)).toBe(expected);
    }
  });
});

describe('loadTask (submit and queue add)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kisystem-wiring-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeTask(yaml: string, files: Record<string, string>): string {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    writeFileSync(join(dir, 'task.yaml'), yaml);
    return join(dir, 'task.yaml');
  }

  const base = (harness: string, extra = '') =>
    `id: dsp\ntitle: DC blocker\nlanguage: cpp\ngoal: Write biquad.cpp.\nsolution_file: biquad.cpp\nharness:\n${harness}\n${extra}`;

  function refusal(path: string): string {
    try {
      loadTask(path);
    } catch (error) {
      expect(error).toBeInstanceOf(TaskFileError);
      return (error as Error).message;
    }
    throw new Error('expected the task to be refused');
  }

  it('refuses a checker under interface, naming the task file, the field and the file', () => {
    const path = writeTask(base('  files: [harness.cpp, biquad.h, checker.cpp]\n  interface: [biquad.h, checker.cpp]'), { 'harness.cpp': HARNESS, 'biquad.h': HEADER, 'checker.cpp': CHECKER });
    expect(refusal(path)).toContain(`${path}: harness.interface: checker.cpp: is the trusted checker`);
  });

  it('refuses build.sources naming a checker, before any build', () => {
    const path = writeTask(base('  files: [harness.cpp, biquad.h, checker.cpp]', 'build: { sources: [harness.cpp, checker.cpp, biquad.cpp] }'), { 'harness.cpp': HARNESS, 'biquad.h': HEADER, 'checker.cpp': CHECKER });
    expect(refusal(path)).toContain(`${path}: build.sources: checker.cpp:`);
  });

  it('refuses dc_checker.cpp and a checker in a subfolder, and lists every problem at once', () => {
    const path = writeTask(base('  files: [harness.cpp, biquad.h, dc_checker.cpp, ref/checker.cpp, gone.h]'), {
      'harness.cpp': HARNESS,
      'biquad.h': HEADER,
      'dc_checker.cpp': CHECKER,
      'ref/checker.cpp': CHECKER,
    });
    const message = refusal(path);
    expect(message).toContain(`${path}: harness.files: dc_checker.cpp:`);
    expect(message).toContain(`${path}: harness.files: ref/checker.cpp:`);
    expect(message).toContain(`${path}: harness.files: gone.h: no such file in the task folder`);
  });

  it('warns loudly about the old format and still loads it', () => {
    const path = writeTask(base('  files: [harness.cpp, biquad.h]'), { 'harness.cpp': HARNESS, 'biquad.h': HEADER });
    const warnings: string[] = [];
    const task = loadTask(path, (line) => warnings.push(line));
    expect(task.harnessFiles.map((f) => f.path)).toEqual(['harness.cpp', 'biquad.h']);
    expect(warnings).toEqual([expect.stringMatching(/^WARNING .*harness.files: no checker\*\.cpp: the old format/)]);
  });

  it('loads every shipped example without a problem, and the worker\'s check of the carried task agrees', () => {
    const examples = join(__dirname, '..', '..', 'examples');
    for (const name of readdirSync(examples, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const warnings: string[] = [];
      const task = loadTask(join(examples, name.name, 'task.yaml'), (line) => warnings.push(line));
      expect(warnings).toEqual([]);
      expect(checkTaskWiring(wiringOfTask(task), task.harnessFiles.map((f) => f.path))).toEqual({ errors: [], warnings: [] });
    }
  });

  it('reads the same wiring from the file as the worker reads from the carried task', () => {
    const path = writeTask(base('  files: [harness.cpp, biquad.h, checker.cpp]\n  interface: [biquad.h]'), { 'harness.cpp': HARNESS, 'biquad.h': HEADER, 'checker.cpp': CHECKER });
    const task = loadTask(path);
    const fromTask = wiringOfTask(task);
    const fromFile = wiringOfFile({ solution_file: task.solution_file, harness: { files: ['harness.cpp', 'biquad.h', 'checker.cpp'], interface: ['biquad.h'] }, build: task.build, test: task.test }, fromTask.contents);
    expect(fromTask.harness).toEqual(fromFile.harness);
  });
});

describe('the queue\'s item check (a task handed to the queue another way than queue add)', () => {
  const task = {
    id: 'dsp', title: 'DC blocker', goal: 'Write biquad.cpp.', language: 'cpp', domain: 'Audio/DSP', domainReason: 'given', solution_file: 'biquad.cpp',
    harnessFiles: [{ path: 'harness.cpp', content: HARNESS }, { path: 'biquad.h', content: HEADER }, { path: 'checker.cpp', content: CHECKER }],
    interfaceFiles: [{ path: 'biquad.h', content: HEADER }],
    build: { flags: [], output: 'candidate' }, test: { command: ['./candidate'] }, sourcePath: '/t/task.yaml',
  };

  it('accepts a well-wired task and refuses a checker shown as interface, naming the field and the file', () => {
    expect(checkQueueItem({ task })).toBeNull();
    const leaky = { ...task, interfaceFiles: [...task.interfaceFiles, task.harnessFiles[2]] };
    expect(checkQueueItem({ task: leaky })).toMatch(/^task: harness\.interface: checker\.cpp: is the trusted checker/);
  });
});
