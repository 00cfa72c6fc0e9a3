import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRunFolders, writeResultNote } from '../../activities/run-folder-cleanup';
import { foldersToDelete, type RunFolderInfo } from '../../policy/rules/run-folder-retention';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-29T12:00:00Z');
const MB = 1024 * 1024;
const f = (path: string, ageDays: number, mb: number, failed: boolean): RunFolderInfo => ({ path, mtimeMs: NOW - ageDays * DAY, bytes: mb * MB, failed });

it.each([
  ['keeps the last N whatever their age', [f('a', 30, 1, false), f('b', 40, 1, false)], { keep_last: 2, keep_days: 0, failed_cap_mb: 0 }, []],
  ['keeps everything younger than N days', [f('a', 1, 1, false), f('b', 2, 1, false), f('c', 9, 1, false)], { keep_last: 0, keep_days: 7, failed_cap_mb: 0 }, ['c']],
  ['keeps old failed runs up to the size cap, newest first', [f('a', 10, 60, true), f('b', 11, 60, true), f('c', 12, 1, false)], { keep_last: 0, keep_days: 7, failed_cap_mb: 100 }, ['b', 'c']],
  ['passed runs are never kept by the failed cap', [f('a', 10, 1, false)], { keep_last: 0, keep_days: 7, failed_cap_mb: 1000 }, ['a']],
])('%s', (_name, folders, policy, expected) => {
  expect(foldersToDelete(folders, policy, NOW).map((x) => x.path).sort()).toEqual(expected);
});

it('never deletes one of the newest keep_last, nor one younger than keep_days; failed kept stay under the cap', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ age: fc.nat(60), mb: fc.nat(50), failed: fc.boolean() }), { maxLength: 30 }),
      fc.nat(10),
      fc.nat(14),
      fc.nat(200),
      (rows, keepLast, keepDays, cap) => {
        const folders = rows.map((r, i) => f(`r${i}`, r.age + i / 1000, r.mb, r.failed));
        const doomed = new Set(foldersToDelete(folders, { keep_last: keepLast, keep_days: keepDays, failed_cap_mb: cap }, NOW).map((x) => x.path));
        const newest = [...folders].sort((a, b) => b.mtimeMs - a.mtimeMs);
        newest.slice(0, keepLast).forEach((x) => expect(doomed.has(x.path)).toBe(false));
        folders.filter((x) => x.mtimeMs >= NOW - keepDays * DAY).forEach((x) => expect(doomed.has(x.path)).toBe(false));
        const keptByCap = newest.slice(keepLast).filter((x) => x.mtimeMs < NOW - keepDays * DAY && !doomed.has(x.path));
        expect(keptByCap.every((x) => x.failed)).toBe(true);
        expect(keptByCap.reduce((s, x) => s + x.bytes, 0)).toBeLessThanOrEqual(cap * MB);
      },
    ),
  );
});

it('cleans real folders: the run folder, its .trusted checker folder and its result note go together', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kisystem-retention-'));
  try {
    const old = join(root, 'wf', 'exec', 'run-1');
    const fresh = join(root, 'wf', 'exec', 'run-2');
    for (const dir of [old, `${old}.trusted`, fresh]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(old, 'candidate'), 'x');
    await writeResultNote(old, true);
    const tenDaysAgo = (NOW - 10 * DAY) / 1000;
    utimesSync(old, tenDaysAgo, tenDaysAgo);
    const gone = await cleanRunFolders(root, { keep_last: 1, keep_days: 7, failed_cap_mb: 100 }, NOW);
    expect(gone).toEqual([old]);
    expect([existsSync(old), existsSync(`${old}.trusted`), existsSync(`${old}.result.json`), existsSync(fresh)]).toEqual([false, false, false, true]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
