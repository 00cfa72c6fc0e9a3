/**
 * A private Temporal dev server for the queue scripts (its own temporary SQLite file and free ports,
 * kisystem's search attributes registered), a client, and the task builders the scripts share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { findOrInstallTemporalCli, startDevServer, type DevServer } from '../runtime/dev-server';
import type { Domain } from '../policy/rules/domains';
import type { ResolvedTask } from '../policy/schemas/task-schema';
export { seededRandom } from '../policy/simulation/seeded-random';

export interface BenchServer {
  server: DevServer;
  address: string;
  connection: Connection;
  client: Client;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const binary = findOrInstallTemporalCli();
  const dataDir = mkdtempSync(join(tmpdir(), 'kisystem-queue-bench-'));
  const server = await startDevServer({ binary, dataDir });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  return {
    server,
    address: server.address,
    connection,
    client,
    dataDir,
    async stop() {
      await connection.close().catch(() => undefined);
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal valid task (the stand-ins never read the harness). */
export function standInTask(id: string, domain: Domain, priority?: number): ResolvedTask {
  const language = domain === 'CUDA/Kernel' ? 'cuda' : 'cpp';
  return {
    id,
    title: `task ${id}`,
    domain,
    domainReason: 'given in the task file',
    language,
    goal: `Write ${id}.`,
    solution_file: language === 'cuda' ? 'k.cu' : 'k.cpp',
    harnessFiles: [{ path: language === 'cuda' ? 'harness.cu' : 'harness.cpp', content: '// harness' }],
    interfaceFiles: [],
    build: { flags: ['-O2'], output: 'candidate' },
    test: { command: ['./candidate'] },
    sourcePath: `/bench/${id}.yaml`,
    ...(priority === undefined ? {} : { priority }),
  };
}


export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
