/**
 * Each worker serves Prometheus metrics on its own port (config metrics.*_worker_port), on the
 * whole local stack: both workers as processes, the scripted model server over HTTP, real g++.
 * The test scrapes the endpoints as Prometheus would and watches the numbers move with the runs:
 * runs by domain, model and outcome, a sandbox limit kill (an answer that writes past the file size
 * limit), tasks waiting for the model server and a queue's depth and slots, and the SDK's own worker
 * metrics beside them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../runtime/dev-server';
import { PROJECT_ROOT } from '../../runtime/settings';
import { loadModelScripts } from '../../scripted-model-server/scripts';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

afterAll(removeTempDirs);

jest.setTimeout(480_000);

const FILLS_DISK_TASK = `id: fills-disk
title: Fills the disk
domain: C++/System
language: cpp
goal: Write writer.h with write_forever(), which writes one file without end.
solution_file: writer.h
harness:
  files: [harness.cpp]
build:
  flags: ["-std=c++17"]
`;
const FILLS_DISK_ANSWER = '#include <cstdio>\ninline int write_forever() {\n  std::FILE* f = std::fopen("big.bin", "wb");\n  static char block[1 << 16];\n  for (;;) std::fwrite(block, 1, sizeof block, f);\n}\n';

let stack: LocalStack;
let ports: { workflow: number; gpu: number };
let fillsDisk: string;

beforeAll(async () => {
  const dir = tempDir('kisystem-metrics-');
  writeFileSync(join(dir, 'task.yaml'), FILLS_DISK_TASK);
  writeFileSync(join(dir, 'harness.cpp'), '#include "writer.h"\nint main() { return write_forever(); }\n');
  writeFileSync(join(dir, 'writer.h'), FILLS_DISK_ANSWER);
  const models = ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'].map((m) => `  ${m}:\n    - file: writer.h\n`).join('');
  writeFileSync(join(dir, 'model-script.yaml'), `task: fills-disk\nmodels:\n${models}`);
  fillsDisk = join(dir, 'task.yaml');
  ports = { workflow: await freePort(), gpu: await freePort() };
  while (ports.gpu === ports.workflow) ports.gpu = await freePort();
  const config = JSON.parse(readFileSync(join(PROJECT_ROOT, 'config/optimization_config.json'), 'utf8'));
  config.metrics = { workflow_worker_port: ports.workflow, gpu_worker_port: ports.gpu, poll_seconds: 1 };
  config.sandbox = { ...config.sandbox, max_file_mb: 8 };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  stack = await startLocalStack([...loadModelScripts(join(PROJECT_ROOT, 'examples')), ...loadModelScripts(dir)], configPath);
});

afterAll(async () => {
  await stack?.stop();
});

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The sum of a metric's samples whose labels include all of `labels` (0 when there is none). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}\n${stack.logs.join('')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

it('serves the SDK metrics and kisystem counters that move with the runs, on one port per worker', async () => {
  await until('both endpoints answer', async () => (await scrape(ports.workflow)).length >= 0 && (await scrape(ports.gpu)).length >= 0);
  const success = { domain: 'C++/System', model: 'deepseek-coder-v2:16b', outcome: 'success' };
  expect(value(await scrape(ports.workflow), 'kisystem_runs_total', success)).toBe(0);

  const submitted = await stack.kisystem(['submit', join(PROJECT_ROOT, 'examples/bounded-queue/task.yaml'), '--wait']);
  expect({ code: submitted.code, out: submitted.out }).toMatchObject({ code: 0 });
  await until('the run is counted', async () => value(await scrape(ports.workflow), 'kisystem_runs_total', success) === 1);
  const workflowSide = await scrape(ports.workflow);
  const gpuSide = await scrape(ports.gpu);
  // The SDK's own: workflows completed on one side, activities executed on the other.
  expect(value(workflowSide, 'temporal_workflow_completed_total')).toBeGreaterThanOrEqual(1);
  expect(value(gpuSide, 'temporal_activity_execution_latency_count', { activity_type: 'testCandidate' })).toBeGreaterThanOrEqual(1);
  expect(value(gpuSide, 'temporal_worker_task_slots_available')).toBeGreaterThan(0);

  // A sandbox limit kill: the answer writes past max_file_mb (8 MB here).
  const filled = await stack.kisystem(['submit', fillsDisk]);
  const fillsId = /^fills-disk: (\S+)/m.exec(filled.out)?.[1];
  if (!fillsId) throw new Error(`no workflow id in:\n${filled.out}`);
  await until('the limit kill is counted', async () => value(await scrape(ports.gpu), 'kisystem_sandbox_limit_kills_total', { step: 'testCandidate', limit: 'disk' }) >= 1);
  await until('its failed run is counted', async () => value(await scrape(ports.workflow), 'kisystem_runs_total', { domain: 'C++/System', outcome: 'failure' }) >= 1);
  await stack.client.workflow.getHandle(fillsId).cancel();

  // A queued task waiting for the model server: the waiting gauge and the queue's running slots move, and back.
  await stack.stopModelServer();
  const queued = await stack.kisystem(['queue', 'add', join(PROJECT_ROOT, 'examples/bounded-queue/task.yaml')]);
  expect({ code: queued.code, out: queued.out }).toMatchObject({ code: 0 });
  await until('a task waits for the model server', async () => {
    const text = await scrape(ports.workflow);
    return value(text, 'kisystem_tasks', { status: 'waiting_for_model_server' }) === 1 && value(text, 'kisystem_queue_tasks', { queue: 'default', state: 'running' }) === 1;
  });
  expect(value(await scrape(ports.workflow), 'kisystem_queue_max_running', { queue: 'default' })).toBe(3);
  await stack.startModelServer();
  await until('the wait is over and the queue is empty', async () => {
    const text = await scrape(ports.workflow);
    return value(text, 'kisystem_tasks', { status: 'waiting_for_model_server' }) === 0 && value(text, 'kisystem_queue_tasks', { queue: 'default', state: 'running' }) === 0 && value(text, 'kisystem_runs_total', success) === 2;
  }, 240_000);
});
