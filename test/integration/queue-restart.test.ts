/**
 * The queue survives a restart of its workers and of the server: tasks added through
 * `kisystem queue add`, both workers killed with SIGKILL and the dev server restarted from its
 * database file while tasks are pending and running; afterwards every task runs exactly once.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runsOfTask } from '../../db/runs-repository';
import { PROJECT_ROOT } from '../../runtime/settings';
import { loadModelScripts } from '../../scripted-model-server/scripts';
import { queueStateQuery, queueWorkflowId, type QueueStateView } from '../../contracts/queue-messages';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

// The folders this file makes go with it.
afterAll(removeTempDirs);

jest.setTimeout(400_000);

let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
});

/** Copies of the bounded-queue example under other task ids, so that one queue holds several. */
function queueTasks(count: number): string[] {
  const dir = tempDir('kisystem-queue-tasks-');
  return Array.from({ length: count }, (_, i) => {
    const folder = join(dir, `q${i}`);
    cpSync(join(PROJECT_ROOT, 'examples/bounded-queue'), folder, { recursive: true });
    const file = join(folder, 'task.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^id: .*$/m, `id: bounded-queue-${i}`));
    const script = join(folder, 'model-script.yaml');
    writeFileSync(script, readFileSync(script, 'utf8').replace(/^task: .*$/m, `task: bounded-queue-${i}`));
    return folder;
  });
}

describe('queue restart', () => {
  it('keeps every task of a queue through SIGKILLed workers and a server restart; each runs exactly once', async () => {
    const folders = queueTasks(4);
    const config = join(tempDir('kisystem-queue-config-'), 'config.json');
    writeFileSync(config, JSON.stringify({ queue: { max_running: 1 }, timeouts: { heartbeat: 10 } }));
    stack = await startLocalStack(folders.flatMap((f) => loadModelScripts(f)), config);
    const s = stack;
    const name = `restart-${Date.now().toString(36)}`;
    const added = await s.kisystem(['queue', 'add', ...folders.map((f) => join(f, 'task.yaml')), '--queue', name]);
    expect({ code: added.code, out: added.out }).toMatchObject({ code: 0 });

    const state = async (client: Client) => client.workflow.getHandle(queueWorkflowId(name)).query(queueStateQuery) as Promise<QueueStateView>;
    const until = async (client: Client, what: string, check: (v: QueueStateView) => boolean) => {
      for (let i = 0; i < 600; i++) {
        const v = await state(client).catch(() => null);
        if (v && check(v)) return v;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`queue never reached: ${what}\n${s.logs.join('').slice(-3000)}`);
    };
    // One task done, one running, the rest pending: then the crash.
    await until(s.client, 'one task finished and another running', (v) => v.counters.finished >= 1 && v.running.length === 1 && v.order.length >= 1);
    s.gpuWorker.kill('SIGKILL');
    s.workflowWorker.kill('SIGKILL');
    await s.restartServer();
    s.startWorkflowWorker();
    s.startGpuWorker();

    const connection = await Connection.connect({ address: s.server.address });
    try {
      const client = new Client({ connection });
      const done = await until(client, 'all four finished', (v) => v.counters.finished === 4);
      expect(done.counters).toMatchObject({ added: 4, started: 4, succeeded: 4, failed: 0 });
      expect(done.order).toHaveLength(0);
      expect(done.running).toHaveLength(0);
    } finally {
      await connection.close();
    }
    for (let i = 0; i < 4; i++) {
      const runs = await runsOfTask(s.db, `bounded-queue-${i}`);
      expect(new Set(runs.map((r) => r.workflow_id)).size).toBe(1);
      expect(runs.filter((r) => r.outcome === 'success')).toHaveLength(1);
    }
  });
});
