/**
 * The reply corpus: replies written the way real coder and reasoning models answer (one file each in
 * test/fixtures/replies/), each with what must be extracted from it for the example task it answers.
 * A wrong block taken from a reply is kisystem's mistake recorded as the model's failure.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFiles } from '../../policy/parsers/extract-code';
import { loadTask } from '../../runtime/load-task';

interface Expected {
  task: string;
  ok: boolean;
  files?: string[];
  solution_contains?: string[];
  solution_excludes?: string[];
  note?: string;
  reason_matches?: string;
  why: string;
}

const FOLDER = join(__dirname, '..', 'fixtures', 'replies');
const EXAMPLES = join(__dirname, '..', '..', 'examples');
const replies = readdirSync(FOLDER).filter((name) => name.endsWith('.md')).sort();

it('the corpus covers the reply shapes the extractor must handle, and every reply has its expectation', () => {
  expect(replies.length).toBeGreaterThanOrEqual(12);
  for (const name of replies) expect(readdirSync(FOLDER)).toContain(name.replace(/\.md$/, '.expected.json'));
});

describe.each(replies)('%s', (name) => {
  const reply = readFileSync(join(FOLDER, name), 'utf8');
  const expected = JSON.parse(readFileSync(join(FOLDER, name.replace(/\.md$/, '.expected.json')), 'utf8')) as Expected;
  const task = loadTask(join(EXAMPLES, expected.task, 'task.yaml'));
  const result = extractFiles(reply, task.solution_file, task.language, task.harnessFiles.map((f) => f.path), task);

  it(`is read as expected (${expected.why.slice(0, 60)})`, () => {
    if (!expected.ok) {
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(new RegExp(expected.reason_matches ?? '.'));
      return;
    }
    if (!result.ok) throw new Error(`no extraction: ${result.reason}`);
    expect(result.files.map((f) => f.path)).toEqual(expected.files ?? [task.solution_file]);
    const solution = result.files[0]!.content;
    for (const text of expected.solution_contains ?? []) expect(solution).toContain(text);
    for (const text of expected.solution_excludes ?? []) expect(solution).not.toContain(text);
    expect(result.note).toBe(expected.note ?? '');
  });
});
