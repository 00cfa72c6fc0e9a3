/** Settings from the environment, with the defaults of a local setup. One place, so every process agrees. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'policy'))) return dir;
    if (dirname(dir) === dir) return resolve(start, '..');
  }
}

/** The project's root (where package.json lives), from both the sources and dist/. */
export const PROJECT_ROOT = findProjectRoot(__dirname);

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
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const temporalAddress = env.TEMPORAL_ADDRESS || '127.0.0.1:7233';
  const port = Number(temporalAddress.split(':').pop()) || 7233;
  return {
    temporalAddress,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.KISYSTEM_TASK_QUEUE || 'kisystem',
    gpuQueue: env.KISYSTEM_GPU_QUEUE || 'kisystem-gpu',
    configPath: env.KISYSTEM_CONFIG || resolve(PROJECT_ROOT, 'config/optimization_config.json'),
    dataDir: env.KISYSTEM_DATA_DIR || resolve(PROJECT_ROOT, '.kisystem'),
    webUiUrl: env.KISYSTEM_WEB_UI || `http://localhost:${port + 1000}`,
  };
}

export function cudaQueue(gpuQueue: string): string {
  return `${gpuQueue}-cuda`;
}

/** The Web UI page of one workflow. */
export function workflowUrl(settings: Pick<Settings, 'webUiUrl' | 'namespace'>, workflowId: string): string {
  return `${settings.webUiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
