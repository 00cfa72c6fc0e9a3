/**
 * The production-shaped server of `kisystem up --production` on the local PostgreSQL, in databases
 * of its own: temporal-sql-tool's setup twice (the second run finds everything up to date), the
 * namespace and kisystem's search attributes registered, a workflow's history kept through a SIGKILL
 * and restart of the server, and the Web UI server answering.
 */
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { ALL_SEARCH_ATTRIBUTES } from '../../contracts/search-attributes';
import { freePort } from '../../runtime/dev-server';
import { freePorts, launchServer, prepareNamespace, setUpSchema, startWebUi, type ProductionServerOptions, type ServerProcess } from '../../runtime/production-server';
import { ensureServerPrograms, ensureUiProgram } from '../../runtime/temporal-binaries';
import { missingSearchAttributes } from '../../runtime/search-attribute-registration';
import { dropDatabase } from '../helpers/test-database';
import { uniqueName } from '../helpers/temporal-env';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

const log = () => undefined;
const base = uniqueName('kis_prod').replace(/-/g, '_');
let options: ProductionServerOptions;
let server: ServerProcess | null = null;

beforeAll(async () => {
  options = {
    // The first run builds the release from the Go module proxy (minutes); later runs reuse .tools/.
    programs: await ensureServerPrograms(log),
    postgres: { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' },
    databases: { persistence: `${base}_t`, visibility: `${base}_v` },
    dataDir: tempDir('kisystem-prod-'),
    ports: await freePorts(),
    namespace: 'kisystem-test',
    log,
  };
}, 20 * 60_000);

afterAll(async () => {
  await server?.stop();
  for (const db of [options.databases.persistence, options.databases.visibility]) {
    await dropDatabase(`postgres://postgres@127.0.0.1:5432/${db}`).catch(() => undefined);
  }
  removeTempDirs();
});

async function schemaVersion(database: string): Promise<string> {
  const pg = new PgClient({ connectionString: `postgres://postgres@127.0.0.1:5432/${database}` });
  await pg.connect();
  try {
    const row = await pg.query<{ curr_version: string }>('select curr_version from schema_version');
    return row.rows[0]!.curr_version;
  } finally {
    await pg.end();
  }
}

test('sets up the schema (idempotently), registers the namespace and search attributes, keeps history through a SIGKILL', async () => {
  await setUpSchema(options);
  const first = [await schemaVersion(options.databases.persistence), await schemaVersion(options.databases.visibility)];
  await setUpSchema(options); // the second run: nothing to do, nothing breaks
  expect([await schemaVersion(options.databases.persistence), await schemaVersion(options.databases.visibility)]).toEqual(first);
  expect(Number(first[0])).toBeGreaterThanOrEqual(1.0);

  server = await launchServer(options);
  await prepareNamespace(server.address, options.namespace, log);
  await prepareNamespace(server.address, options.namespace, log); // again: all there already

  const connection = await Connection.connect({ address: server.address });
  try {
    expect(await missingSearchAttributes(connection, options.namespace)).toEqual([]);
    const client = new Client({ connection, namespace: options.namespace });
    // A workflow nobody runs: its start must survive the server's death, as the schema's rows.
    const workflowId = uniqueName('prod-history');
    await client.workflow.start('taskWorkflow', { taskQueue: uniqueName('nobody'), workflowId, args: [], searchAttributes: { [ALL_SEARCH_ATTRIBUTES[0]!.name]: ['t-1'] } });
    await connection.close();

    server.process.kill('SIGKILL');
    await new Promise((r) => server!.process.once('exit', r));
    server = await launchServer(options);

    const again = await Connection.connect({ address: server.address });
    try {
      const description = await new Client({ connection: again, namespace: options.namespace }).workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await again.close();
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}, 10 * 60_000);

test('the Web UI server of the release serves the UI for that server', async () => {
  if (!server) throw new Error('the server did not start in the test before');
  const program = await ensureUiProgram(log);
  const ui = await startWebUi({ program, temporalAddress: server.address, port: await freePort(), namespace: options.namespace, dataDir: options.dataDir });
  try {
    const page = await fetch(`${ui.address}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const namespaces = await fetch(`${ui.address}/api/v1/namespaces/${options.namespace}`);
    expect(namespaces.status).toBe(200);
  } finally {
    await ui.stop();
  }
}, 20 * 60_000);
