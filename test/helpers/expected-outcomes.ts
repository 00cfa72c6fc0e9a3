/** An example's expected-outcomes.txt (examples/check-examples.sh): one "answer outcome" pair per line, `#` comments. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pairs in file order, as written (the outcome is not checked here). */
export function expectedOutcomes(taskDir: string): [answer: string, outcome: string][] {
  return readFileSync(join(taskDir, 'expected-outcomes.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/) as [string, string]);
}
