/**
 * Committed migrations never change: a database runs each one once, so an edit never reaches the
 * databases that ran it before. db/migrations/frozen.sha256 records every migration file's sha256
 * (`sha256sum -c frozen.sha256` in that folder checks the same); adding a migration adds its line,
 * and a change to an old one is a new migration instead. The list in db/migrations/index.ts states
 * the order, and kysely runs migrations in name order, so the two must agree.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../db/migrations';

const DIR = join(__dirname, '../../db/migrations');
/** Names that share a timestamp from before the order was stated in index.ts; kept, since databases ran them under these names. */
const SHARED_TIMESTAMPS_KEPT = ['2026-11-29T1300-decision-columns', '2026-11-29T1300-queue-task-bodies'];

const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts').sort();
const recorded = new Map(
  readFileSync(join(DIR, 'frozen.sha256'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const m = /^([0-9a-f]{64}) [ *](\S+)$/.exec(line);
      if (!m) throw new Error(`db/migrations/frozen.sha256: not "<sha256>  <file>": ${line}`);
      return [m[2], m[1]] as const;
    }),
);
const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(DIR, file))).digest('hex');

describe('migrations', () => {
  it('finds the migration files', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });

  it.each(files)('%s is unchanged since it was recorded (a change is a new migration)', (file) => {
    expect(recorded.has(file) ? sha256(file) : 'not recorded in db/migrations/frozen.sha256: add its sha256sum line').toBe(recorded.get(file));
  });

  it('records no file that is gone (a database that ran it would be refused by the Migrator)', () => {
    expect([...recorded.keys()].filter((f) => !files.includes(f))).toEqual([]);
  });

  it('index.ts lists every file, under its file name', () => {
    expect(MIGRATIONS.map(([name]) => `${name}.ts`)).toEqual(files);
  });

  it("index.ts's order is the name order kysely runs them in", () => {
    const names = MIGRATIONS.map(([name]) => name);
    expect(names).toEqual([...names].sort());
  });

  it('each migration has a timestamp of its own (but for the pair kept from before)', () => {
    const stamps = MIGRATIONS.map(([name]) => name).filter((n) => !SHARED_TIMESTAMPS_KEPT.includes(n)).map((n) => n.slice(0, 15));
    expect(stamps.filter((s, i) => stamps.indexOf(s) !== i)).toEqual([]);
    expect(new Set(SHARED_TIMESTAMPS_KEPT.map((n) => n.slice(0, 15))).size).toBe(1);
  });
});
