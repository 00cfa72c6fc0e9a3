/**
 * `kisystem doctor` and the preflight checks against real pieces: a Temporal dev server started
 * WITHOUT kisystem's search attributes (submit names them and the command; doctor registers them on
 * a local server), a migrated and a missing Postgres database, and a model server that has one of
 * the chains' models (the others get their `ollama pull` line).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer, type DevServer } from '../../runtime/dev-server';
import { PROJECT_ROOT } from '../../runtime/settings';
import { parseModelScript } from '../../scripted-model-server/scripts';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model-server/server';
import { temporalCli, uniqueName } from '../helpers/temporal-env';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

jest.setTimeout(180_000);

let server: DevServer | undefined;
let scripted: ScriptedModelServer | undefined;
let database: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // A bare dev server: no --search-attribute flags, as an existing team server would be.
  server = await startDevServer({ binary: temporalCli(), dataDir: mkdtempSync(join(tmpdir(), 'kisystem-doctor-')), searchAttributes: false });
  database = await createTestDatabase('kisystem_doctor');
  scripted = await startScriptedModelServer({ scripts: [parseModelScript('task: any\nmodels:\n  deepseek-coder-v2:16b:\n    - text: "x"\n', '/virtual/s.yaml')], log: () => undefined });
  const queue = uniqueName('doctor');
  env = { ...process.env, TEMPORAL_ADDRESS: server.address, DATABASE_URL: database.url, OLLAMA_HOST: scripted.url, KISYSTEM_TASK_QUEUE: queue, KISYSTEM_GPU_QUEUE: `${queue}-gpu`, KISYSTEM_DATA_DIR: mkdtempSync(join(tmpdir(), 'kisystem-doctor-data-')) };
});

afterAll(async () => {
  await server?.stop();
  await scripted?.close();
  await database?.drop();
});

function kisystem(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), ...args], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

it('submit against a server without the search attributes names them and the command, and warns about missing models', async () => {
  const result = await kisystem(['submit', join(PROJECT_ROOT, 'examples/vector-add/task.yaml')]);
  expect(result.code).toBe(1);
  expect(result.out).toMatch(/lacks kisystem's search attributes KisystemTaskId, KisystemDomain, KisystemModel, KisystemStatus, KisystemEscalations/);
  expect(result.out).toContain('temporal operator search-attribute create --namespace default --name KisystemTaskId --type Keyword');
  expect(result.out).toMatch(/model qwen2\.5-coder:32b is in a chain but not on .*ollama pull qwen2\.5-coder:32b/);
});

it('doctor registers the missing search attributes on a local server, checks Postgres and the models, and says what to do', async () => {
  const first = await kisystem(['doctor']);
  expect(first.out).toMatch(/ok {4}search attributes +registered the missing ones: KisystemTaskId/);
  expect(first.out).toMatch(/ok {4}Postgres .*migrations applied/);
  expect(first.out).toMatch(/ok {4}model server +ollama at .*: 1 of \d+ chain models present \(deepseek-coder-v2:16b\)/);
  expect(first.out).toMatch(/WARN {2}model missing +qwen2\.5-coder:32b .*\n.*-> ollama pull qwen2\.5-coder:32b/);
  expect(first.out).toMatch(/compiler g\+\+/);
  expect(first.out).toMatch(/sandbox/);
  expect(first.out).toMatch(/disk +[\d.]+ GiB free/);
  expect(first.code).toBe(0);
  const second = await kisystem(['doctor', '--json']);
  const checks = JSON.parse(second.out) as { area: string; status: string; detail: string }[];
  expect(checks.find((c) => c.area === 'search attributes')).toMatchObject({ status: 'ok', detail: expect.stringContaining('KisystemEscalations') });
});

it('doctor exits non-zero on a blocking problem and says what to do', async () => {
  const port = await freePort();
  const result = await kisystem(['doctor'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/kisystem_doctor_missing_db' });
  expect(result.code).toBe(1);
  expect(result.out).toMatch(/FAIL {2}Temporal +no Temporal server answers at 127\.0\.0\.1:\d+/);
  expect(result.out).toMatch(/-> kisystem up starts a local dev server/);
  expect(result.out).toMatch(/WARN {2}Postgres .*does not exist yet\n.*-> kisystem migrate/);
});
