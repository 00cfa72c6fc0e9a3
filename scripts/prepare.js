#!/usr/bin/env node
// npm "prepare": builds dist/ after `npm install` (and `npm ci`) in a clone, so `npx kisystem` works
// at once. Skips, saying so, where there is nothing to build: a Docker layer that holds only
// package.json, or an install without dev dependencies (--omit=dev: no TypeScript).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
if (!existsSync(join(root, 'tsconfig.build.json')) || !existsSync(join(root, 'client', 'cli.ts'))) {
  console.log('kisystem prepare: no sources here; build skipped');
  process.exit(0);
}
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
} catch {
  console.log('kisystem prepare: TypeScript is not installed (--omit=dev?); build skipped (npm run build builds dist/)');
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) console.error('kisystem prepare: the build failed (above); `npx kisystem` needs dist/: fix it and run npm run build');
process.exit(result.status ?? 1);
