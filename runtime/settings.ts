/**
 * Settings from the environment: parsed once with zod, frozen, refused loudly with the variable's name
 * (five files read process.env with silent fallbacks before). An empty variable counts as
 * unset. Every process reads its environment here, so every process agrees.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { TEMPORAL_RELEASE } from './temporal-release';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'policy'))) return dir;
    if (dirname(dir) === dir) return resolve(start, '..');
  }
}

/** The project's root (where package.json lives), from both the sources and dist/. */
export const PROJECT_ROOT = findProjectRoot(__dirname);

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/kisystem';

const text = z.string().trim().min(1);
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: text.default('default'),
  KISYSTEM_TASK_QUEUE: text.default('kisystem'),
  KISYSTEM_GPU_QUEUE: text.default('kisystem-gpu'),
  KISYSTEM_CONFIG: text.optional(),
  KISYSTEM_DATA_DIR: text.optional(),
  KISYSTEM_WEB_UI: z.string().url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').default(DEFAULT_DATABASE_URL),
  KISYSTEM_HOST_ID: text.optional(),
  KISYSTEM_WORK_DIR: text.optional(),
  KISYSTEM_MAX_CONCURRENT_LLM: z.coerce.number().int().min(1).max(256).default(4),
  KISYSTEM_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  OLLAMA_HOST: text.optional(),
  KISYSTEM_OPENAI_BASE_URL: z.string().url().optional(),
  KISYSTEM_TEMPORAL_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  KISYSTEM_TEMPORAL_DB: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain PostgreSQL database name').default(TEMPORAL_RELEASE.databases.persistence),
  KISYSTEM_TEMPORAL_VISIBILITY_DB: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain PostgreSQL database name').default(TEMPORAL_RELEASE.databases.visibility),
  KISYSTEM_BIND: z.string().regex(/^[0-9.]+$|^[0-9a-fA-F:]+$/, 'must be an IP address, e.g. 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  KISYSTEM_UI_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false', '1', '0']).optional(),
  TEMPORAL_TLS_CERT: text.optional(),
  TEMPORAL_TLS_KEY: text.optional(),
  TEMPORAL_TLS_CA: text.optional(),
  TEMPORAL_TLS_SERVER_NAME: text.optional(),
  TEMPORAL_API_KEY: text.optional(),
});

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

export interface Settings {
  temporalAddress: string;
  namespace: string;
  /** Workflows and database activities. */
  taskQueue: string;
  /** LLM calls and host claims; `<gpuQueue>-cuda` for hosts with a GPU. */
  gpuQueue: string;
  configPath: string;
  dataDir: string;
  webUiUrl: string;
  /** The rest of what processes read from the environment. */
  databaseUrl?: string;
  /** KISYSTEM_HOST_ID: this host's id (default: the host name). */
  hostId?: string;
  /** KISYSTEM_WORK_DIR: where a GPU worker keeps run folders (default `<dataDir>/runs`). */
  workDir?: string;
  /** KISYSTEM_MAX_CONCURRENT_LLM: LLM calls a GPU worker runs at once (with enable_async_io). */
  maxConcurrentLlm?: number;
  /** KISYSTEM_LOG_LEVEL: the SDK's log level (default WARN). */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** OLLAMA_HOST: wins over config llm.ollama_host. */
  ollamaHost?: string;
  /** KISYSTEM_OPENAI_BASE_URL: wins over config llm.openai_base_url. */
  openaiBaseUrl?: string;
  /** How to reach a remote Temporal server (the Temporal CLI's variable names; runtime/temporal-connection.ts). */
  tls?: TemporalTlsSettings;
  /** TEMPORAL_API_KEY: sent as a bearer token (Temporal Cloud and servers with an authorizer). */
  apiKey?: string;
  /** The production-shaped Temporal server of `kisystem up --production` (runtime/production-stack.ts). */
  production?: ProductionSettings;
}

export interface TemporalTlsSettings {
  /** TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY: the client's certificate and key files (mTLS). */
  certPath?: string;
  keyPath?: string;
  /** TEMPORAL_TLS_CA: the CA file that signed the server's certificate (else the system's roots). */
  caPath?: string;
  /** TEMPORAL_TLS_SERVER_NAME: the name the server's certificate is checked against (else the address's host). */
  serverName?: string;
}

export interface ProductionSettings {
  /** KISYSTEM_TEMPORAL_DATABASE_URL: the PostgreSQL server Temporal keeps its databases on (default: DATABASE_URL's server). */
  postgresUrl: string;
  /** KISYSTEM_TEMPORAL_DB, KISYSTEM_TEMPORAL_VISIBILITY_DB (compose: temporal, temporal_visibility). */
  databases: { persistence: string; visibility: string };
  /** KISYSTEM_BIND: address the frontend and the Web UI listen on (compose: the published ports' address). */
  bindAddress: string;
  /** KISYSTEM_UI_PORT: the Web UI's port (default: Temporal's port + 1000, as for the dev server). */
  uiPort: number;
}

/** The last parse, by the variables it read (a script that sets one of them later gets a fresh parse). */
const lastParse: { key?: string; settings?: Readonly<Settings> } = {};

/** Parses the environment once (again only when one of its variables changed). Throws SettingsError naming the variable. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Readonly<Settings> {
  const present = Object.fromEntries(Object.keys(envSchema.shape).flatMap((k) => (env[k] !== undefined && env[k]!.trim() !== '' ? [[k, env[k]]] : [])));
  const key = JSON.stringify(present);
  if (lastParse.key === key && lastParse.settings) return lastParse.settings;
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(present[String(i.path[0])])}: ${i.message}`);
    throw new SettingsError(`bad environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const port = Number(e.TEMPORAL_ADDRESS.split(':').pop());
  const settings: Settings = Object.freeze({
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.KISYSTEM_TASK_QUEUE,
    gpuQueue: e.KISYSTEM_GPU_QUEUE,
    configPath: e.KISYSTEM_CONFIG ?? resolve(PROJECT_ROOT, 'config/optimization_config.json'),
    dataDir: e.KISYSTEM_DATA_DIR ?? resolve(PROJECT_ROOT, '.kisystem'),
    webUiUrl: e.KISYSTEM_WEB_UI ?? `http://localhost:${e.KISYSTEM_UI_PORT ?? port + 1000}`,
    databaseUrl: e.DATABASE_URL,
    hostId: e.KISYSTEM_HOST_ID,
    workDir: e.KISYSTEM_WORK_DIR,
    maxConcurrentLlm: e.KISYSTEM_MAX_CONCURRENT_LLM,
    logLevel: e.KISYSTEM_LOG_LEVEL,
    ollamaHost: e.OLLAMA_HOST,
    openaiBaseUrl: e.KISYSTEM_OPENAI_BASE_URL,
    tls: tlsFrom(e),
    apiKey: e.TEMPORAL_API_KEY,
    production: Object.freeze({
      postgresUrl: e.KISYSTEM_TEMPORAL_DATABASE_URL ?? e.DATABASE_URL,
      databases: Object.freeze({ persistence: e.KISYSTEM_TEMPORAL_DB, visibility: e.KISYSTEM_TEMPORAL_VISIBILITY_DB }),
      bindAddress: e.KISYSTEM_BIND,
      uiPort: e.KISYSTEM_UI_PORT ?? port + 1000,
    }),
  });
  lastParse.key = key;
  lastParse.settings = settings;
  return settings;
}

/** TLS is on when TEMPORAL_TLS says so or any TLS file or name is given; a cert without its key is refused. */
function tlsFrom(e: z.infer<typeof envSchema>): TemporalTlsSettings | undefined {
  if (!!e.TEMPORAL_TLS_CERT !== !!e.TEMPORAL_TLS_KEY) {
    throw new SettingsError(`bad environment: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS); ${e.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'} is missing`);
  }
  const on = e.TEMPORAL_TLS === 'true' || e.TEMPORAL_TLS === '1';
  const off = e.TEMPORAL_TLS === 'false' || e.TEMPORAL_TLS === '0';
  if (off || !(on || e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME)) return undefined;
  return Object.freeze({ certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY, caPath: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME });
}

export function cudaQueue(gpuQueue: string): string {
  return `${gpuQueue}-cuda`;
}

/** The Web UI page of one workflow. */
export function workflowUrl(settings: Pick<Settings, 'webUiUrl' | 'namespace'>, workflowId: string): string {
  return `${settings.webUiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
