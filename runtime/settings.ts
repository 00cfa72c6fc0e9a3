/**
 * Settings from the environment: parsed once with zod, frozen, refused loudly with the variable's name
 * (five files read process.env with silent fallbacks before). An empty variable counts as
 * unset. Every process reads its environment here, so every process agrees.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';

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
    webUiUrl: e.KISYSTEM_WEB_UI ?? `http://localhost:${port + 1000}`,
    databaseUrl: e.DATABASE_URL,
    hostId: e.KISYSTEM_HOST_ID,
    workDir: e.KISYSTEM_WORK_DIR,
    maxConcurrentLlm: e.KISYSTEM_MAX_CONCURRENT_LLM,
    logLevel: e.KISYSTEM_LOG_LEVEL,
    ollamaHost: e.OLLAMA_HOST,
    openaiBaseUrl: e.KISYSTEM_OPENAI_BASE_URL,
  });
  lastParse.key = key;
  lastParse.settings = settings;
  return settings;
}

export function cudaQueue(gpuQueue: string): string {
  return `${gpuQueue}-cuda`;
}

/** The Web UI page of one workflow. */
export function workflowUrl(settings: Pick<Settings, 'webUiUrl' | 'namespace'>, workflowId: string): string {
  return `${settings.webUiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
