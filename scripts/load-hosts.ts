/**
 * Load and fault run over several hosts on the production-shaped server (Temporal release on a
 * private PostgreSQL, runtime/production-server.ts): --tasks real-size C++ tasks (copies of
 * examples/bounded-queue, scripted model answers, real g++ builds and threaded tests) in one FIFO
 * queue over --hosts GPU workers. With --faults (the default), in this order:
 * 1. the host that runs the gated task's build is SIGKILLed mid-build (the build waits at the gate
 *    until then) and never restarted: the time until its candidate's build starts on another host;
 * 2. when --server-at of the tasks have finished, the Temporal server is SIGKILLed and started again;
 * 3. when --postgres-at have finished, PostgreSQL is restarted (pg_ctl restart -m fast).
 * After each fault: the time until the next task finishes. At the end: every task finished and
 * succeeded, every run recorded once, no task started twice, each host's share, the queue's order.
 *
 *   npm run build && node dist/scripts/load-hosts.js [--tasks 300] [--hosts 3] [--slots 2] [--no-faults] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startHostLoadStack } from '../bench/host-load-stack';
import { activityEvents, checkRuns, claimedAgainAfter, inversions, queueAll, queueCounters, startOrder } from '../bench/host-load-run';

interface FaultFigure {
  fault: string;
  atFinished: number;
  /** ms from the fault until the stack serves again (server answering, host's candidate moved). */
  backMs: number | null;
  /** ms from the fault until the next task finished. */
  nextFinishMs: number | null;
  detail?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '300' },
      hosts: { type: 'string', default: '3' },
      slots: { type: 'string', default: '2' },
      'no-faults': { type: 'boolean', default: false },
      'gated-at': { type: 'string', default: '0.1' },
      'server-at': { type: 'string', default: '0.4' },
      'postgres-at': { type: 'string', default: '0.7' },
      'timeout-min': { type: 'string', default: '60' },
      json: { type: 'string' },
    },
  });
  const n = Number(values.tasks);
  const hosts = Number(values.hosts);
  const faults = !values['no-faults'];
  const log = (line: string) => console.log(`[load-hosts] ${line}`);
  const stack = await startHostLoadStack({
    hosts,
    tasks: n,
    gatedIndex: faults ? Math.floor(n * Number(values['gated-at'])) : null,
    slots: Number(values.slots),
    postgres: 'private',
    log,
  });
  const figures: FaultFigure[] = [];
  const timeline: { t: number; finished: number }[] = [];
  try {
    log(`stack up: Temporal ${stack.server.address} on PostgreSQL :${stack.pg!.port}, hosts ${stack.fleet.hosts.join(', ')}; queueing ${n} tasks`);
    const queueStart = Date.now();
    await queueAll(stack, 'load');
    log(`queued in ${((Date.now() - queueStart) / 1000).toFixed(1)} s`);
    const started = Date.now();
    const deadline = started + Number(values['timeout-min']) * 60_000;
    let finished = 0;
    let pendingFault: FaultFigure | null = null;
    let faultAt = 0;
    let killedAtMs = 0;
    const hostKill = faults ? (async () => {
      const first = await stack.gate.waitForStart([], 30 * 60_000);
      const fig: FaultFigure = { fault: `host ${first.host} SIGKILLed mid-build (not restarted)`, atFinished: finished, backMs: null, nextFinishMs: null };
      stack.fleet.killHost(first.host);
      const killedAt = Date.now();
      killedAtMs = killedAt;
      stack.gate.open();
      figures.push(fig);
      pendingFault = fig;
      faultAt = killedAt;
      const moved = await stack.gate.waitForStart([first.host], 10 * 60_000);
      fig.backMs = moved.at - killedAt;
      fig.detail = `the candidate's build started on ${moved.host}`;
      log(`${fig.fault}: ${fig.detail} ${(fig.backMs / 1000).toFixed(1)} s later`);
    })() : Promise.resolve();
    hostKill.catch((e) => log(`host kill failed: ${e}`));
    let serverDone = !faults;
    let postgresDone = !faults;
    let lastNote = Date.now();
    while (finished < n) {
      if (Date.now() > deadline) throw new Error(`only ${finished} of ${n} tasks finished within ${values['timeout-min']} min`);
      const counters = await queueCounters(stack, 'load');
      if (counters) {
        if (counters.finished > finished && pendingFault && pendingFault.nextFinishMs === null) {
          pendingFault.nextFinishMs = Date.now() - faultAt;
          log(`${pendingFault.fault}: next task finished ${(pendingFault.nextFinishMs / 1000).toFixed(1)} s after it`);
        }
        if (counters.finished !== finished) timeline.push({ t: Date.now() - started, finished: counters.finished });
        finished = counters.finished;
      }
      if (!serverDone && finished >= n * Number(values['server-at'])) {
        serverDone = true;
        const fig: FaultFigure = { fault: 'Temporal server SIGKILLed and restarted', atFinished: finished, backMs: null, nextFinishMs: null };
        figures.push(fig);
        pendingFault = fig;
        faultAt = Date.now();
        const { downMs } = await stack.killAndRestartServer();
        fig.backMs = downMs;
        log(`${fig.fault} at ${finished} finished: serving again after ${(downMs / 1000).toFixed(1)} s`);
      } else if (!postgresDone && finished >= n * Number(values['postgres-at'])) {
        postgresDone = true;
        const fig: FaultFigure = { fault: 'PostgreSQL restarted (pg_ctl restart -m fast)', atFinished: finished, backMs: null, nextFinishMs: null };
        figures.push(fig);
        pendingFault = fig;
        faultAt = Date.now();
        await stack.pg!.restart();
        fig.backMs = Date.now() - faultAt;
        log(`${fig.fault} at ${finished} finished: accepting connections after ${(fig.backMs / 1000).toFixed(1)} s`);
      }
      if (Date.now() - lastNote > 30_000) {
        lastNote = Date.now();
        log(`${finished}/${n} finished after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await hostKill;
    const wallS = (Date.now() - started) / 1000;
    const counters = (await queueCounters(stack, 'load'))!;
    const check = await checkRuns(stack);
    const order = await startOrder(stack);
    if (faults && stack.tasks.gatedTaskId && figures[0]) {
      const claimMs = claimedAgainAfter(await activityEvents(stack, stack.tasks.gatedTaskId), killedAtMs);
      figures[0].detail = `${figures[0].detail}; claimed by another host ${claimMs === null ? '(not found)' : `${(claimMs / 1000).toFixed(1)} s`} after the kill, its build started there ${((figures[0].backMs ?? 0) / 1000).toFixed(1)} s after (waiting for a free slot there)`;
      (figures[0] as FaultFigure & { claimedAgainMs?: number | null }).claimedAgainMs = claimMs;
    }
    const inv = inversions(stack.tasks.ids, order);
    // Throughput before any fault: the finished count at the first fault over the time it took.
    const beforeFaults = figures.length ? timeline.filter((p) => p.finished <= figures[0]!.atFinished).pop() : timeline[timeline.length - 1];
    const result = {
      tasks: n,
      hosts,
      slotsPerHost: Number(values.slots),
      wallSeconds: Math.round(wallS),
      tasksPerMinute: Number(((n / wallS) * 60).toFixed(1)),
      tasksPerMinuteBeforeFaults: beforeFaults && beforeFaults.t > 0 ? Number(((beforeFaults.finished / beforeFaults.t) * 60_000).toFixed(1)) : null,
      succeeded: counters.succeeded,
      failed: counters.failed,
      succeededTasks: check.succeededTasks,
      runs: check.runs,
      duplicateRuns: check.duplicateRuns,
      tasksStartedTwice: check.tasksStartedTwice.length,
      hostShare: check.hostShare,
      startedInQueueOrder: order.length === n && inv === 0,
      startOrderInversions: inv,
      startedWorkflows: order.length,
      faults: figures,
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
    const ok = check.succeededTasks === n && check.duplicateRuns === 0 && check.tasksStartedTwice.length === 0;
    log(ok ? `every task finished, every run once (${check.runs} runs)` : 'FAILED: see the figures above');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
