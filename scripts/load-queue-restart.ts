/**
 * Load and fault test of the cost-aware queue: --tasks tasks (default 1000) are added to ONE
 * queue workflow on a private Temporal dev server; the worker (real workflows, timed stand-in
 * activities: scripts/queue-stand-in-worker.ts, a child process) is killed with SIGKILL in the middle
 * and restarted; at the end every task must have run exactly once and the queue must be empty.
 *
 *   npm run build && node dist/scripts/load-queue-restart.js [--tasks 1000] [--slots 10] [--kill-at 0.5] [--generate-ms 20] [--step-ms 5]
 *
 * Checked at the end:
 * - the stand-in log (one line per activity event, appended by the worker processes, so it survives
 *   the kill): per task, the task workflows that made a start decision and recorded a run. A task
 *   with more than one such workflow ran twice (duplicate); one with no recorded passing run is lost.
 *   An activity run again after the kill (at-least-once activities) is counted apart: that is
 *   Temporal's retry, not a second task.
 * - the queue's own view: counters (added, started, finished, succeeded), its recent results (one
 *   per task key), nothing pending, nothing running;
 * - the server's view: the task workflows that exist, one per task, all completed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseConfig } from '../policy/schemas/config-schema';
import { DOMAINS } from '../policy/rules/domains';
import { addTasksUpdate, MAX_ADD_BATCH, queueStateQuery, type QueueItemInput, type QueueStateView, type QueueWorkflowInput } from '../contracts/queue-messages';
import type { queueWorkflow } from '../workflows/queue-workflow';
import { seededRandom, sleep, standInTask, startBenchServer } from '../bench/queue-bench-env';

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

function startWorker(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [require.resolve('./queue-stand-in-worker')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the worker did not get ready in 120 s')), 120_000);
    lines.on('line', (line) => {
      if (line.trim() === 'ready') {
        clearTimeout(timer);
        resolve({ child, exited });
      }
    });
    child.once('exit', (code) => reject(new Error(`the worker exited at start (${code})`)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '1000' },
      slots: { type: 'string', default: '10' },
      'kill-at': { type: 'string', default: '0.5' },
      'generate-ms': { type: 'string', default: '20' },
      'step-ms': { type: 'string', default: '5' },
      seed: { type: 'string', default: '5' },
      'timeout-min': { type: 'string', default: '30' },
    },
  });
  const n = Number(values.tasks);
  const slots = Number(values.slots);
  const killAt = values['kill-at'].split(',').filter(Boolean).map(Number).sort((a, b) => a - b);
  const random = seededRandom(Number(values.seed));
  const env = await startBenchServer();
  const logFile = join(env.dataDir, 'stand-in-calls.log');
  writeFileSync(logFile, '');
  // The v2 queue's task bodies, shared by the worker processes (a killed one's successor loads them).
  const bodyDir = join(env.dataDir, 'queue-bodies');
  mkdirSync(bodyDir, { recursive: true });
  const taskQueue = `load-queue-${Date.now().toString(36)}`;
  const workerEnv = { ...process.env, TEMPORAL_ADDRESS: env.address, KQ_TASK_QUEUE: taskQueue, KQ_LOG: logFile, KQ_BODY_DIR: bodyDir, KQ_GENERATE_MS: values['generate-ms'], KQ_STEP_MS: values['step-ms'] };
  let worker: WorkerProcess | null = null;
  const kills: { atFinished: number; recoveredAfterMs: number | null; killedAt: number }[] = [];
  try {
    worker = await startWorker(workerEnv);
    const config = parseConfig('(load)', { timeouts: { heartbeat: 10 } });
    const name = `load-${Date.now().toString(36)}`;
    const input: QueueWorkflowInput = { name, config, queues: { gpu: taskQueue, cuda: taskQueue }, maxRunning: slots, priorityRefreshSeconds: 1_000_000, recentResults: n };
    const handle = await env.client.workflow.start<typeof queueWorkflow>('queueWorkflow', { taskQueue, workflowId: `kisystem-queue-${name}`, args: [input] });
    const ids = Array.from({ length: n }, (_, i) => `load-${String(i).padStart(5, '0')}`);
    const items: QueueItemInput[] = ids.map((id) => ({ task: standInTask(id, DOMAINS[Math.floor(random() * DOMAINS.length)]!), priority: 1 + Math.floor(random() * 100) }));
    const started = Date.now();
    for (let i = 0; i < items.length; i += MAX_ADD_BATCH) {
      const out = await handle.executeUpdate(addTasksUpdate, { args: [items.slice(i, i + MAX_ADD_BATCH)] });
      const refused = out.filter((o) => !o.accepted);
      if (refused.length) throw new Error(`refused: ${JSON.stringify(refused.slice(0, 3))}`);
    }
    console.log(`${n} tasks added in ${((Date.now() - started) / 1000).toFixed(1)} s; ${slots} slots; stand-ins ${values['generate-ms']} ms generate + 2 x ${values['step-ms']} ms`);
    const deadline = started + Number(values['timeout-min']) * 60_000;
    let state: QueueStateView;
    let lastPrint = 0;
    for (;;) {
      state = await handle.query(queueStateQuery);
      const f = state.counters.finished;
      const last = kills[kills.length - 1];
      if (last && last.recoveredAfterMs === null && f > last.atFinished) last.recoveredAfterMs = Date.now() - last.killedAt;
      if (f >= n) break;
      if (Date.now() > deadline) throw new Error(`not done after ${values['timeout-min']} min: ${JSON.stringify(state.counters)}`);
      if (kills.length < killAt.length && f >= killAt[kills.length]! * n) {
        const killedAt = Date.now();
        worker.child.kill('SIGKILL');
        await worker.exited;
        console.log(`worker ${worker.child.pid} killed (SIGKILL) at ${f}/${n} finished, ${state.running.length} running, after ${((killedAt - started) / 1000).toFixed(1)} s; restarting`);
        kills.push({ atFinished: f, recoveredAfterMs: null, killedAt });
        worker = await startWorker(workerEnv);
        console.log(`worker ${worker.child.pid} ready ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
      }
      if (Date.now() - lastPrint > 15_000) {
        lastPrint = Date.now();
        console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${f}/${n} finished, ${state.running.length} running, ${state.order.length} pending, ${state.counters.continuedAsNew} continue-as-new`);
      }
      await sleep(250);
    }
    const durationS = (Date.now() - started) / 1000;
    // The queue writes its last record after the last notice; give it a moment, then read its final view.
    await sleep(1000);
    state = await handle.query(queueStateQuery);

    // The stand-in log: event, taskId, activityType, workflowId, runId, attempt, pid.
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
    const startWorkflows = new Map<string, Set<string>>();
    const passWorkflows = new Map<string, Set<string>>();
    let generateCalls = 0;
    let retriedActivities = 0;
    for (const [event, taskId, , workflowId, , attempt] of lines) {
      if (event === 'generate-begin') generateCalls++;
      if (Number(attempt) > 1) retriedActivities++;
      const add = (m: Map<string, Set<string>>) => m.set(taskId!, (m.get(taskId!) ?? new Set()).add(workflowId!));
      if (event === 'start-decision') add(startWorkflows);
      if (event === 'record-run-success') add(passWorkflows);
    }
    const duplicates = ids.filter((id) => (startWorkflows.get(id)?.size ?? 0) > 1 || (passWorkflows.get(id)?.size ?? 0) > 1);
    const lost = ids.filter((id) => (passWorkflows.get(id)?.size ?? 0) === 0);
    const recentPerTask = new Map<string, number>();
    for (const r of state.recent) recentPerTask.set(r.taskId, (recentPerTask.get(r.taskId) ?? 0) + 1);
    const queueDuplicates = [...recentPerTask.values()].filter((c) => c > 1).length;
    const queueLost = ids.filter((id) => !recentPerTask.has(id)).length;
    const notSucceeded = state.recent.filter((r) => r.status !== 'succeeded').length;
    // The server's view: every task workflow of this queue.
    const statuses = new Map<string, number>();
    const serverPerTask = new Map<string, number>();
    for await (const wf of env.client.workflow.list({ query: `WorkflowType IN ('taskWorkflow', 'queuedTaskWorkflow')` })) {
      statuses.set(wf.status.name, (statuses.get(wf.status.name) ?? 0) + 1);
      const id = wf.workflowId.replace(/-q-.*$/, '');
      serverPerTask.set(id, (serverPerTask.get(id) ?? 0) + 1);
    }
    const serverDuplicates = [...serverPerTask.values()].filter((c) => c > 1).length;
    const serverLost = ids.filter((id) => !serverPerTask.has(id)).length;
    const empty = state.order.length === 0 && state.running.length === 0;
    const ok = duplicates.length === 0 && lost.length === 0 && queueDuplicates === 0 && queueLost === 0 && serverDuplicates === 0 && serverLost === 0 && empty && notSucceeded === 0 && state.counters.succeeded === n;

    console.log('');
    console.log(`tasks                 ${n}`);
    console.log(`duration              ${durationS.toFixed(1)} s (first add to last task finished)`);
    console.log(`restarts              ${kills.length} (SIGKILL of the worker process) ${kills.map((k) => `at ${k.atFinished}/${n} finished, first task finished again ${((k.recoveredAfterMs ?? NaN) / 1000).toFixed(1)} s after the kill`).join('; ')}`);
    console.log(`duplicates found      ${duplicates.length} by the stand-in log, ${queueDuplicates} by the queue's results, ${serverDuplicates} by the server's task workflows`);
    console.log(`lost found            ${lost.length} by the stand-in log, ${queueLost} by the queue's results, ${serverLost} by the server's task workflows`);
    console.log(`queue at the end      ${state.order.length} pending, ${state.running.length} running; counters ${JSON.stringify(state.counters)}`);
    console.log(`task workflows        ${[...statuses].map(([s, c]) => `${c} ${s}`).join(', ')}`);
    console.log(`stand-in calls        ${generateCalls} generateCode for ${n} tasks; ${retriedActivities} activity executions with attempt > 1 (run again after the kill)`);
    console.log(ok ? 'OK: every task ran exactly once, none lost, the queue ended empty' : 'FAILED: see above');
    await handle.terminate('load test over');
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      await Promise.race([worker.exited, sleep(10_000)]);
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    }
    await env.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
