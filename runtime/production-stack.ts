/**
 * `kisystem up --production`: the production-shaped Temporal server (runtime/production-server.ts)
 * built, set up and started in one step, with the Web UI where its server builds here.
 */
import { join } from 'node:path';
import { isListening } from './dev-server';
import { defaultPorts, freePorts, launchServer, prepareNamespace, setUpSchema, startWebUi, temporalPostgresFrom, type ProductionServerOptions, type ServerProcess } from './production-server';
import { ensureServerPrograms, ensureUiProgram } from './temporal-binaries';
import { TEMPORAL_RELEASE } from './temporal-release';
import type { Settings } from './settings';

export interface ProductionTemporal {
  address: string;
  server: ServerProcess;
  ui: ServerProcess | null;
  stop(): Promise<void>;
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i) || '127.0.0.1', port: Number(address.slice(i + 1)) || 7233 };
}

/** The server's options from the settings (Temporal's default port layout around TEMPORAL_ADDRESS's port). */
export async function productionOptions(settings: Settings, log: (line: string) => void): Promise<ProductionServerOptions> {
  const production = settings.production;
  if (!production) throw new Error('settings without the production part: parse them with settingsFromEnv');
  const { port } = splitAddress(settings.temporalAddress);
  return {
    programs: await ensureServerPrograms(log),
    postgres: temporalPostgresFrom(production.postgresUrl),
    databases: production.databases,
    dataDir: join(settings.dataDir, 'temporal-production'),
    // Temporal's layout puts the membership ports 300 below the frontend's; they must stay below 32768.
    ports: port <= 33000 ? defaultPorts(port) : { ...(await freePorts()), frontend: port },
    bindAddress: production.bindAddress,
    namespace: settings.namespace,
    log,
  };
}

/** Builds (once), sets up and starts the server and the Web UI; null when a server already answers at TEMPORAL_ADDRESS. */
export async function startProductionTemporal(settings: Settings, log: (line: string) => void): Promise<ProductionTemporal | null> {
  const { host, port } = splitAddress(settings.temporalAddress);
  if (await isListening(host, port)) {
    log(`Temporal: using the server at ${settings.temporalAddress}`);
    return null;
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`no Temporal server answers at ${settings.temporalAddress} (TEMPORAL_ADDRESS); --production starts one on this machine only (a local address)`);
  }
  const options = await productionOptions(settings, log);
  await setUpSchema(options);
  const server = await launchServer(options);
  log(`Temporal ${TEMPORAL_RELEASE.server}: server on ${options.bindAddress}:${port} (PostgreSQL ${options.postgres.host}:${options.postgres.port}, databases ${options.databases.persistence}, ${options.databases.visibility}), log ${server.logFile}`);
  try {
    await prepareNamespace(server.address, settings.namespace, log);
  } catch (error) {
    await server.stop();
    throw error;
  }
  let ui: ServerProcess | null = null;
  try {
    const program = await ensureUiProgram(log);
    ui = await startWebUi({ program, temporalAddress: server.address, port: settings.production!.uiPort, namespace: settings.namespace, dataDir: options.dataDir, bindAddress: options.bindAddress });
    log(`Temporal Web UI ${TEMPORAL_RELEASE.ui}: ${ui.address}, log ${ui.logFile}`);
  } catch (error) {
    // The UI is a convenience: kisystem works without it (kisystem list/status show the same).
    log(`Temporal Web UI: not started (${(error as Error).message.split('\n')[0]}); kisystem list and kisystem status show the same`);
  }
  return {
    address: server.address,
    server,
    ui,
    async stop() {
      await ui?.stop();
      await server.stop();
    },
  };
}
