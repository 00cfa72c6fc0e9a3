/**
 * `kisystem submit` refuses each wiring error a task author made converting a task, naming the
 * task file, the field and the file, before it connects anywhere (so before any model is asked):
 * the real client as a user runs it, against a Temporal address that answers nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/settings';
import { TWICE_CHECKER, TWICE_HARNESS } from '../helpers/sandboxed-host';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kisystem-submit-wiring-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function task(name: string, harness: string, files: Record<string, string>, extra = ''): string {
  const folder = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  writeFileSync(join(folder, 'task.yaml'), `id: ${name}\ntitle: Twice\nlanguage: cpp\ngoal: Write twice.cpp.\nsolution_file: twice.cpp\nharness:\n${harness}\n${extra}`);
  return join(folder, 'task.yaml');
}

it('refuses each wiring error at submit with its file and field, and exits 1 without connecting', () => {
  const both = { 'harness.cpp': TWICE_HARNESS, 'checker.cpp': TWICE_CHECKER, 'twice.h': 'int twice(int x);\n' };
  const cases: Array<[string, string]> = [
    [task('interface', '  files: [harness.cpp, twice.h, checker.cpp]\n  interface: [twice.h, checker.cpp]', both), 'harness.interface: checker.cpp: is the trusted checker'],
    [task('sources', '  files: [harness.cpp, checker.cpp]', both, 'build: { sources: [harness.cpp, checker_x.cpp, twice.cpp] }'), 'build.sources: checker_x.cpp: is the trusted checker'],
    [task('misnamed', '  files: [harness.cpp, dc_checker.cpp]', { 'harness.cpp': TWICE_HARNESS, 'dc_checker.cpp': TWICE_CHECKER }), 'harness.files: dc_checker.cpp: is named like a checker'],
    [task('subfolder', '  files: [harness.cpp, ref/checker.cpp]', { 'harness.cpp': TWICE_HARNESS, 'ref/checker.cpp': TWICE_CHECKER }), 'harness.files: ref/checker.cpp: is named like a checker but lies in a subfolder'],
    [task('missing', '  files: [harness.cpp, checker.cpp, frames.h]', both), 'harness.files: frames.h: no such file in the task folder'],
  ];
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), 'submit', ...cases.map(([path]) => path)], {
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    timeout: 60_000,
  });
  expect(result.status).toBe(1);
  for (const [path, problem] of cases) expect(result.stdout).toContain(`${path}: ${problem}`);
  expect(result.stdout.match(/^refused: /gm)).toHaveLength(cases.length);
});

it('warns loudly at submit about a task without a checker (the old format)', () => {
  const path = task('old', '  files: [harness.cpp]', { 'harness.cpp': '#include <cstdio>\nint twice(int);\nint main() { std::puts("KISYSTEM_VERDICT: PASS"); }\n' });
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), 'submit', path], { encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' }, timeout: 60_000 });
  expect(result.stdout).toContain(`WARNING ${path}: harness.files: no checker*.cpp: the old format`);
});
