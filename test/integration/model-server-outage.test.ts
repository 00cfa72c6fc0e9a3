/**
 * Outages wait, visibly, on the whole local stack: both workers as processes, the
 * `kisystem` client, Postgres, the scripted model server over HTTP. The model server is down when
 * the task starts: `kisystem status` says "waiting for the model server at X since T: ...", the
 * task keeps asking again while it lasts, and when the server is back on the same port the
 * task finishes with every run in Postgres once.
 */
import { join } from 'node:path';
import { runsOfWorkflow } from '../../db/runs-repository';
import { PROJECT_ROOT } from '../../runtime/settings';
import { loadModelScripts } from '../../scripted-model-server/scripts';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';

jest.setTimeout(400_000);

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack(loadModelScripts(join(PROJECT_ROOT, 'examples')));
});

afterAll(async () => {
  await stack?.stop();
});

it('waits for a model server that is down, says so in `kisystem status`, and finishes when it is back, every run once', async () => {
  await stack.stopModelServer();
  const submitted = await stack.kisystem(['submit', join(PROJECT_ROOT, 'examples/bounded-queue/task.yaml')]);
  expect(submitted.code).toBe(0);
  const workflowId = /^bounded-queue: (\S+)/m.exec(submitted.out)?.[1];
  if (!workflowId) throw new Error(`no workflow id in:\n${submitted.out}`);

  const downSince = Date.now();
  let status = '';
  for (;;) {
    status = (await stack.kisystem(['status', workflowId])).out;
    if (/waiting for the model server/.test(status)) break;
    if (Date.now() - downSince > 180_000) throw new Error(`never showed the wait:\n${status}\n${stack.logs.join('')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  expect(status).toMatch(/status waiting_for_model_server/);
  expect(status).toContain(`waiting for the model server at ${stack.modelServerUrl} since `);
  const list = await stack.kisystem(['list', '--query', "KisystemStatus = 'waiting_for_model_server'"]);
  expect(list.out).toContain(workflowId);
  // It keeps asking, durably, for as long as the outage lasts: three generations asked for while the
  // server is down (each refused at once: a model-server fault is never retried as the answer's
  // attempt), and still running with no run recorded.
  const handle = stack.client.workflow.getHandle(workflowId);
  const asked = async () =>
    ((await handle.fetchHistory()).events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateCode').length;
  while ((await asked()) < 3) {
    if (Date.now() - downSince > 180_000) throw new Error(`asked for a generation ${await asked()} times in 180 s:\n${stack.logs.join('')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  expect((await stack.kisystem(['status', workflowId])).out).toMatch(/RUNNING[\s\S]*waiting for the model server/);
  expect(await runsOfWorkflow(stack.db, workflowId)).toEqual([]);

  await stack.startModelServer();
  const waited = await stack.kisystem(['status', workflowId]);
  let done = waited.out;
  const backSince = Date.now();
  while (!/COMPLETED/.test(done)) {
    if (Date.now() - backSince > 240_000) throw new Error(`did not finish after the server came back:\n${done}\n${stack.logs.join('')}`);
    await new Promise((r) => setTimeout(r, 2000));
    done = (await stack.kisystem(['status', workflowId])).out;
  }
  expect(done).toMatch(/result: succeeded/);
  const runs = await runsOfWorkflow(stack.db, workflowId);
  expect(runs.map((r) => [r.attempt_no, r.model, r.outcome])).toEqual([[1, 'deepseek-coder-v2:16b', 'success']]);
});
