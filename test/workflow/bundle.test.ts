/**
 * Workflow code runs in Temporal's deterministic sandbox: it must not import Node built-ins, `pg`
 * or `kysely` (I/O belongs in activities). Bundling fails on built-ins; the bundle is also searched
 * for the database packages, which would bundle without complaint.
 */
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quietLogger, workflowBundle } from '../helpers/temporal-env';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

afterAll(removeTempDirs);

jest.setTimeout(120_000);

describe('workflow bundle', () => {
  it('bundles without Node built-ins, pg or kysely', async () => {
    const { code } = await workflowBundle();
    expect(code).toContain('taskWorkflow');
    for (const forbidden of ['node_modules/pg/', 'node_modules/kysely/', 'node_modules/pg-pool/', '"node:fs"', '"node:child_process"']) {
      expect(code).not.toContain(forbidden);
    }
  });

  it('fails on a workflow that imports a Node built-in (the check has teeth)', async () => {
    const dir = tempDir('kisystem-bad-workflow-');
    const file = join(dir, 'bad-workflow.js');
    writeFileSync(file, "const fs = require('fs');\nexports.bad = async () => fs.readFileSync('/etc/hostname', 'utf8');\n");
    await expect(bundleWorkflowCode({ workflowsPath: file, logger: quietLogger })).rejects.toThrow();
  });

  it('imports nothing but workflow-safe modules, following every relative import from workflows/index.ts', () => {
    expect(forbiddenImports(join(__dirname, '../../workflows/index.ts'))).toEqual([]);
  });

  it('the import scan finds kysely, pg, Node built-ins and value imports of activities (the scan has teeth)', () => {
    const dir = tempDir('kisystem-scan-');
    writeFileSync(join(dir, 'index.ts'), "import { sql } from 'kysely';\nimport { Pool } from 'pg';\nimport { readFileSync } from 'node:fs';\nimport os from 'os';\nimport { createLlmActivities } from '../activities/llm';\nimport type { LlmActivities } from '../activities/llm';\n");
    expect(forbiddenImports(join(dir, 'index.ts')).map((f) => f.module)).toEqual(['kysely', 'pg', 'node:fs', 'os', '../activities/llm']);
  });
});

const NODE_BUILTINS = new Set(builtinModules);
const ALLOWED_BUILTINS = new Set(['assert', 'url', 'util']);

/** Walks relative imports from `entry`; returns imports that do not belong in workflow code. */
function forbiddenImports(entry: string): { file: string; module: string }[] {
  const found: { file: string; module: string }[] = [];
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const typeOnly = Boolean(match[2]);
      const module = match[3]!;
      const bare = module.replace(/^node:/, '');
      if (module === 'pg' || module === 'kysely' || module.startsWith('pg/') || module.startsWith('kysely/')) found.push({ file, module });
      else if (module.startsWith('node:') || (NODE_BUILTINS.has(bare) && !ALLOWED_BUILTINS.has(bare))) found.push({ file, module });
      else if (/\/activities\//.test(module) && !typeOnly) found.push({ file, module });
      else if (module.startsWith('.') && !typeOnly) {
        const base = resolve(dirname(file), module);
        const next = [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
        if (next) visit(next);
      }
    }
  };
  visit(entry);
  return found;
}
