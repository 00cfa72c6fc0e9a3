/**
 * A host dies in the middle of a build and is not restarted: its candidate moves to the other host
 * well before timeouts.host_pickup, every task of the queue finishes, every run is recorded once.
 * Real processes on the production-shaped server (its own databases on the local PostgreSQL). The
 * kill lands mid-build for certain: the gated task's build waits at the gate (bench/gated-compiler.ts)
 * until this test has killed the host that runs it.
 */
import { startHostLoadStack, type HostLoadStack } from '../../bench/host-load-stack';
import { activityEvents, checkRuns, claimedAgainAfter, queueAll, queueCounters } from '../../bench/host-load-run';
import { fleetChecks, readFleet } from '../../client/doctor-fleet';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { settingsFromEnv } from '../../runtime/settings';

let stack: HostLoadStack | null = null;

afterAll(async () => {
  await stack?.stop();
});

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${stack?.fleet.logs.slice(-30).join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a host killed mid-build: its candidate is built and tested on the other host, every task once', async () => {
  stack = await startHostLoadStack({ hosts: 2, tasks: 4, gatedIndex: 0, slots: 1, postgres: { host: '127.0.0.1', port: 5432, user: 'postgres' }, log: () => undefined });
  // kisystem doctor's view of the fleet: each host by its id, with its own and its probe queue.
  const hostChecks = fleetChecks(await readFleet(stack.client.connection, settingsFromEnv(stack.env))).filter((c) => c.area.startsWith('host '));
  expect(hostChecks.map((c) => [c.area, c.status])).toEqual([['host host-a', 'ok'], ['host host-b', 'ok']]);
  expect(hostChecks[0]!.detail).toContain(`${stack.env.KISYSTEM_GPU_QUEUE}@host-a/alive`);
  await queueAll(stack, 'loss');
  const first = await stack.gate.waitForStart([], 240_000);
  stack.fleet.killHost(first.host);
  const killedAt = Date.now();
  stack.gate.open();
  const moved = await stack.gate.waitForStart([first.host], 240_000);
  const movedOnS = (moved.at - killedAt) / 1000;
  console.log(`host ${first.host} killed mid-build; the candidate's build started on ${moved.host} ${movedOnS.toFixed(1)} s later`);
  // The old way waited out host_pickup (300 s) on the dead host's queue.
  expect(movedOnS).toBeLessThan(defaultConfig().timeouts.host_pickup);

  await until('every task finished', 300_000, async () => (await queueCounters(stack!, 'loss'))?.finished === 4);
  const check = await checkRuns(stack);
  expect(check.succeededTasks).toBe(4);
  expect(check.duplicateRuns).toBe(0);
  expect(check.tasksStartedTwice).toEqual([]);
  expect(check.hostOfTask.get(stack.tasks.gatedTaskId!)).toBe(moved.host);
  expect(stack.fleet.alive(first.host)).toBe(false);
  // From the task's own history: when another host had claimed the candidate.
  const claimedS = claimedAgainAfter(await activityEvents(stack, stack.tasks.gatedTaskId!), killedAt)! / 1000;
  console.log(`claimed by another host ${claimedS.toFixed(1)} s after the kill`);
  expect(claimedS).toBeLessThan(defaultConfig().timeouts.host_pickup);
}, 15 * 60_000);
