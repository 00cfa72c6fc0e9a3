/**
 * `npm install` leaves a working `npx kisystem`: the "prepare" script builds dist/ where it can and
 * says why it skips where it cannot (a Docker layer with only package.json; --omit=dev), and
 * bin/kisystem without dist/ prints what to do instead of a MODULE_NOT_FOUND stack trace.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

it('package.json runs scripts/prepare.js on install, and only when it is there', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.prepare).toBe('test ! -f scripts/prepare.js || node scripts/prepare.js');
  const bare = mkdtempSync(join(tmpdir(), 'kisystem-bare-'));
  expect(spawnSync('sh', ['-c', pkg.scripts.prepare], { cwd: bare }).status).toBe(0);
});

it('prepare skips, saying so, where there are no sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kisystem-prepare-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts/prepare.js'), join(dir, 'scripts/prepare.js'));
  const result = spawnSync(process.execPath, [join(dir, 'scripts/prepare.js')], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/no sources here; build skipped/);
});

it('prepare skips, saying so, without TypeScript (--omit=dev)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kisystem-prepare-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'client'));
  writeFileSync(join(dir, 'tsconfig.build.json'), '{}');
  writeFileSync(join(dir, 'client/cli.ts'), '');
  copyFileSync(join(ROOT, 'scripts/prepare.js'), join(dir, 'scripts/prepare.js'));
  const result = spawnSync(process.execPath, [join(dir, 'scripts/prepare.js')], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/TypeScript is not installed/);
});

it('bin/kisystem without dist/ says to build, without a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kisystem-nodist-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin/kisystem'), join(dir, 'bin/kisystem'));
  const result = spawnSync(process.execPath, [join(dir, 'bin/kisystem'), 'status', 'x'], { encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/kisystem: not built yet .*Run `npm run build`/);
  expect(result.stderr).not.toMatch(/MODULE_NOT_FOUND|at Module/);
});
