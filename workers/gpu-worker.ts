/**
 * The GPU/build worker of one host. Polls three queues:
 * - `kisystem-gpu`: LLM calls, and host claims of C++ tasks;
 * - `kisystem-gpu-cuda`: host claims of CUDA tasks, only when this host has a GPU and nvcc;
 * - its own host queue: the build, test and profile (activities/profile.ts) of the candidates it claimed (at most
 *   `max_concurrent_builds` at once), so that a test runs where its binary was built;
 * - its probe queue `<host queue>/alive`: answers "alive" at once, so a waiting step can tell a busy
 *   host from a dead one (policy/rules/host-loss.ts).
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { temporalConnectOptions } from '../runtime/temporal-connection';
import { hostIdentity } from '../policy/rules/host-loss';
import { NativeConnection, Worker } from '@temporalio/worker';
import { HEARTBEAT_THROTTLE } from './heartbeat-throttle';
import { HostSerial, hostConcurrency } from './host-serial';
import { countingLimitKills, installRuntime, KisystemMetrics } from './metrics';
import { createHostActivities } from '../activities/build-test';
import { createHostProbe } from '../activities/host-probe';
import { HostLoad } from '../activities/host-load';
import { probeQueueOf } from '../policy/rules/host-loss';
import { describeHost, detectHost } from '../activities/host-capabilities';
import { createLlmActivities, llmSettingsFrom, type LlmEndpoint } from '../activities/llm';
import { createProfileActivities } from '../activities/profile';
import { describeSandbox, setUpSandbox } from '../activities/sandbox-host';
import { cleanRunFolders } from '../activities/run-folder-cleanup';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { loadConfig } from '../runtime/load-config';
import { cudaQueue, settingsFromEnv } from '../runtime/settings';

export function llmEndpoint(config: Pick<KisystemConfig, 'llm'>, env: NodeJS.ProcessEnv = process.env): LlmEndpoint {
  if (config.llm.provider === 'openai') {
    // The key's variable is named by the config (llm.openai_api_key_env): a secret, read where it is used.
    return { provider: 'openai', url: settingsFromEnv(env).openaiBaseUrl ?? config.llm.openai_base_url, apiKey: env[config.llm.openai_api_key_env] };
  }
  const host = settingsFromEnv(env).ollamaHost ?? config.llm.ollama_host;
  return { provider: 'ollama', url: /^https?:\/\//.test(host) ? host : `http://${host}` };
}

export async function runGpuWorker(): Promise<void> {
  const settings = settingsFromEnv();
  const config = loadConfig(settings.configPath);
  // The SDK's own INFO lines (worker state changes) drown the story; KISYSTEM_LOG_LEVEL=INFO brings them back.
  const metricsAt = installRuntime(config, 'gpu');
  const metrics = new KisystemMetrics();
  const capabilities = await detectHost(settings.gpuQueue);
  const workRoot = settings.workDir ?? join(settings.dataDir, 'runs');
  mkdirSync(workRoot, { recursive: true });
  // Refuses to start (throws) without a working sandbox, unless the config says sandbox.kind "none".
  const sandbox = await setUpSandbox(config, workRoot);
  console.log(`kisystem gpu worker: sandbox: ${describeSandbox(sandbox, config)}`);
  // Run folders: cleaned by config run_folders at start and every hour (never fatal).
  const clean = () =>
    cleanRunFolders(workRoot, config.run_folders).then(
      (gone) => gone.length && console.log(`kisystem gpu worker: removed ${gone.length} old run folders (config run_folders)`),
      (error) => console.warn(`kisystem gpu worker: run folder cleanup failed: ${(error as Error).message}`),
    );
  void clean();
  const cleaner = setInterval(clean, 3_600_000);
  cleaner.unref();
  const endpoint = llmEndpoint(config);
  const concurrency = hostConcurrency(config, settings.maxConcurrentLlm ?? 4);
  const load = new HostLoad(concurrency.hostSlots);
  const host = createHostActivities({ capabilities, workRoot, sandbox, load });
  const llm = createLlmActivities(endpoint, llmSettingsFrom(config));
  const profile = createProfileActivities({ capabilities, sandbox });
  // enable_async_io off: one LLM call, build, test or profile at a time on this host (one shared slot).
  const serial = concurrency.serial ? new HostSerial() : null;
  const hostSteps = countingLimitKills({ buildCandidate: host.buildCandidate, testCandidate: host.testCandidate, microbenchmark: profile.microbenchmark, fullProfile: profile.fullProfile }, metrics);
  const connection = await NativeConnection.connect(temporalConnectOptions(settings));
  // The host id in the identity lets `kisystem doctor` say which hosts poll which queues.
  const common = { connection, namespace: settings.namespace, shutdownGraceTime: '10 seconds', ...HEARTBEAT_THROTTLE, identity: hostIdentity(capabilities.hostId, process.pid, hostname()) } as const;
  try {
    const workers = [
      await Worker.create({
        ...common,
        taskQueue: settings.gpuQueue,
        activities: { ...(serial ? serial.wrapAll(llm) : llm), claimHost: host.claimHost },
        maxConcurrentActivityTaskExecutions: concurrency.llmSlots,
      }),
      await Worker.create({
        ...common,
        taskQueue: capabilities.hostQueue,
        activities: load.trackAll(serial ? serial.wrapAll(hostSteps) : hostSteps),
        maxConcurrentActivityTaskExecutions: concurrency.hostSlots,
      }),
      // Slots of its own: a host whose build slots are all taken still answers at once.
      await Worker.create({
        ...common,
        taskQueue: probeQueueOf(capabilities.hostQueue),
        activities: createHostProbe(capabilities.hostId),
        maxConcurrentActivityTaskExecutions: 8,
      }),
    ];
    const cudaCapable = capabilities.gpus.length > 0 && capabilities.nvcc !== null;
    if (cudaCapable) {
      workers.push(await Worker.create({ ...common, taskQueue: cudaQueue(settings.gpuQueue), activities: { claimHost: host.claimHost } }));
    }
    console.log(`kisystem gpu worker: ${describeHost(capabilities)}`);
    if (serial) console.log('kisystem gpu worker: enable_async_io is off: one LLM call, build, test or profile at a time on this host');
    console.log(`kisystem gpu worker: queues ${settings.gpuQueue}, ${capabilities.hostQueue}, ${probeQueueOf(capabilities.hostQueue)}${cudaCapable ? `, ${cudaQueue(settings.gpuQueue)}` : ' (no CUDA tasks here: needs a GPU and nvcc)'}; LLM ${endpoint.provider} at ${endpoint.url}; runs in ${workRoot}${metricsAt ? `; metrics at http://${metricsAt}/metrics` : ''}`);
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runGpuWorker().then(
    () => process.exit(0),
    (error) => {
      console.error(error?.name === 'SandboxRefusedError' ? error.message : `kisystem gpu worker: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}
