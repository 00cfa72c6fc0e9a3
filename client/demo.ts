/**
 * `kisystem demo`: the local stack plus the scripted model server (tests and demo only) run the
 * example tasks, with escalations, and print the results and their Web UI links.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectHost } from '../activities/host-capabilities';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { loadConfig } from '../runtime/load-config';
import { PROJECT_ROOT, workflowUrl, type Settings } from '../runtime/settings';
import { loadModelScripts } from '../scripted-model-server/scripts';
import { startScriptedModelServer } from '../scripted-model-server/server';
import type { TaskResult } from '../contracts/task-messages';
import { connectClient } from './connect';
import { causeMessage, endingOf, followTasks } from './follow';
import { statusWord } from '../contracts/task-ending';
import { startStack } from './stack';
import { loadTasks, submitTask } from './tasks';

export interface DemoOptions {
  settings: Settings;
  /** Keep the dev server (and its Web UI) up until Ctrl-C after the demo. */
  keepUi: boolean;
  log: (line: string) => void;
}

export function exampleTaskFiles(root = join(PROJECT_ROOT, 'examples')): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'task.yaml')))
    .map((d) => join(root, d.name, 'task.yaml'))
    .sort();
}

export async function runDemo(options: DemoOptions): Promise<boolean> {
  const { log } = options;
  // Demo workers use their own queues so that a real stack (`kisystem up`) never talks to the scripted server.
  const settings: Settings = { ...options.settings, taskQueue: 'kisystem-demo', gpuQueue: 'kisystem-demo-gpu' };
  const userConfig = loadConfig(settings.configPath);
  const config: KisystemConfig = { ...userConfig, llm: { ...userConfig.llm, provider: 'ollama' } };
  mkdirSync(settings.dataDir, { recursive: true });
  const demoConfigPath = join(settings.dataDir, 'demo-config.json');
  writeFileSync(demoConfigPath, JSON.stringify(config, null, 2));

  const examples = join(PROJECT_ROOT, 'examples');
  const scripted = await startScriptedModelServer({ scripts: loadModelScripts(examples), log: () => undefined });
  log(`scripted model server (tests and demo only, not a model) at ${scripted.url}: it plays the models from examples/*/model-script.yaml`);

  const host = await detectHost(settings.gpuQueue);
  const { tasks: all } = loadTasks(exampleTaskFiles(examples), log);
  const canRunCuda = host.gpus.length > 0 && host.nvcc !== null;
  const tasks = all.filter((t) => t.language !== 'cuda' || canRunCuda);
  for (const t of all.filter((t) => !tasks.includes(t))) {
    log(`left out ${t.id}: a CUDA task needs nvcc and an NVIDIA GPU, and this machine has ${host.nvcc ? 'nvcc but no GPU' : host.gpus.length ? 'a GPU but no nvcc' : 'neither'}`);
  }

  const stack = await startStack({
    settings,
    workerEnv: { OLLAMA_HOST: scripted.url, KISYSTEM_CONFIG: demoConfigPath },
    log,
  });
  let ok = false;
  try {
    const client = await connectClient(settings, stack.devServer?.address);
    const ui = { ...settings, webUiUrl: stack.uiUrl };
    const submitted = [];
    for (const task of tasks) {
      const s = await submitTask(client, settings, config, task);
      submitted.push(s);
      log(`submitted ${task.id} (${task.domain}) as ${s.workflowId}`);
    }
    const results = await followTasks(client, submitted.map((s) => s.workflowId), log);
    log('');
    log('Results');
    let escalations = 0;
    ok = true;
    for (const s of submitted) {
      const r = results.get(s.workflowId) as TaskResult | Error;
      if (r instanceof Error) {
        ok = false;
        log(`  ${s.task.id.padEnd(16)} ${statusWord(endingOf(r)).padEnd(9)} ${causeMessage(r)}`);
      } else {
        escalations += r.escalations.length;
        if (r.status !== 'succeeded') ok = false;
        log(`  ${s.task.id.padEnd(16)} ${statusWord(r.status).padEnd(9)} by ${String(r.winningModel).padEnd(22)} runs ${r.runs.length}  path ${r.escalationPath.join(' -> ')}`);
        log(`  ${''.padEnd(16)} ${r.start.summary} [${r.start.rule}]`);
      }
      log(`  ${''.padEnd(16)} ${workflowUrl(ui, s.workflowId)}`);
    }
    log(`${escalations} escalation(s) across ${submitted.length} task(s). All task workflows: ${stack.uiUrl}/namespaces/${settings.namespace}/workflows`);
    log('Every run is in the learning history: `kisystem stats`, `kisystem priorities` and `kisystem bias` show what the Meta-Supervisor learned.');
    log('Once a later model of a chain has >= 5 runs, a task may start on it when its expected cost for the whole task is lower than starting at the head (start_rule "expected-cost"; `kisystem simulate` shows what that saves).');
    if (options.keepUi && stack.devServer) {
      log(`The Web UI stays up at ${stack.uiUrl}; press Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    await stack.stop();
    await scripted.close();
  }
  return ok;
}
