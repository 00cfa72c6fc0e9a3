/**
 * `kisystem doctor`, the fleet's part: which workers poll which of kisystem's queues on the server
 * (DescribeTaskQueue), by host id (GPU workers name theirs in their identity). A queue nobody polls
 * blocks what goes there; a host last seen long ago is likely gone (the server lists a poller for
 * about five minutes after its last poll; a live idle one polls again within about a minute).
 */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { hostOfIdentity, probeQueueOf } from '../policy/rules/host-loss';
import { cudaQueue, type Settings } from '../runtime/settings';
import type { Check } from './doctor-host';

const { TASK_QUEUE_TYPE_ACTIVITY, TASK_QUEUE_TYPE_WORKFLOW } = temporal.api.enums.v1.TaskQueueType;

export interface Poller {
  identity: string;
  /** Seconds since its last poll began. */
  ageS: number;
}

export interface FleetView {
  taskQueue: string;
  gpuQueue: string;
  workflowPollers: Poller[];
  /** Activity pollers of each queue asked about (task queue, GPU queue, CUDA queue, host and probe queues). */
  activityPollers: Record<string, Poller[]>;
}

/** A poller not seen for this long has most likely stopped (a live idle worker polls again within about a minute). */
export const STALE_POLLER_S = 90;

function ago(s: number): string {
  return s < 1 ? 'just now' : `${Math.round(s)} s ago`;
}

/** The checks for a fleet view (pure, so every case is testable). */
export function fleetChecks(view: FleetView): Check[] {
  const checks: Check[] = [];
  const live = (ps: Poller[]) => ps.filter((p) => p.ageS < STALE_POLLER_S);
  const wf = live(view.workflowPollers);
  checks.push(wf.length
    ? { area: 'workflow workers', status: 'ok', detail: `${wf.length} poll ${view.taskQueue} (${wf.map((p) => p.identity).join('; ')})` }
    : { area: 'workflow workers', status: 'warn', detail: `no workflow worker polls ${view.taskQueue}: no task moves`, fix: 'start one: kisystem worker workflow (or kisystem up)' });
  const gpu = view.activityPollers[view.gpuQueue] ?? [];
  const hosts = [...new Set(gpu.map((p) => hostOfIdentity(p.identity)).filter((h): h is string => h !== null))].sort();
  if (hosts.length === 0) {
    checks.push({ area: 'hosts', status: 'warn', detail: `no GPU worker polls ${view.gpuQueue}: no model call, no build`, fix: 'start one per host: KISYSTEM_HOST_ID=<name> kisystem worker gpu (docs/hosts.md)' });
    return checks;
  }
  const cuda = new Set((view.activityPollers[cudaQueue(view.gpuQueue)] ?? []).filter((p) => p.ageS < STALE_POLLER_S).map((p) => hostOfIdentity(p.identity)));
  for (const host of hosts) {
    const hostQueue = `${view.gpuQueue}@${host}`;
    const seen = Math.min(...gpu.filter((p) => hostOfIdentity(p.identity) === host).map((p) => p.ageS));
    const own = view.activityPollers[hostQueue] ?? [];
    const probe = view.activityPollers[probeQueueOf(hostQueue)] ?? [];
    const queues = [view.gpuQueue, own.length ? hostQueue : null, probe.length ? probeQueueOf(hostQueue) : null, cuda.has(host) ? cudaQueue(view.gpuQueue) : null].filter(Boolean).join(', ');
    const probeAge = probe.length ? Math.min(...probe.map((p) => p.ageS)) : Infinity;
    if (Math.min(seen, probeAge) >= STALE_POLLER_S) {
      checks.push({ area: `host ${host}`, status: 'warn', detail: `last polled ${ago(Math.min(seen, probeAge))}: likely gone; its candidates move to other hosts (docs/hosts.md)`, fix: `restart its GPU worker, or ignore if ${host} was retired` });
    } else if (!probe.length) {
      checks.push({ area: `host ${host}`, status: 'warn', detail: `polls ${queues} but not its probe queue: an older worker; a candidate waiting on it is taken as gone after timeouts.host_probe_after`, fix: 'update kisystem on that host' });
    } else {
      checks.push({ area: `host ${host}`, status: 'ok', detail: `polls ${queues}${cuda.has(host) ? ' (takes CUDA tasks)' : ''}; seen ${ago(Math.min(seen, probeAge))}` });
    }
  }
  if (cuda.size === 0) checks.push({ area: 'CUDA hosts', status: 'warn', detail: `no host polls ${cudaQueue(view.gpuQueue)}: CUDA tasks wait until a host with a GPU and nvcc joins` });
  return checks;
}

async function pollers(connection: Pick<Connection, 'workflowService'>, namespace: string, name: string, type: temporal.api.enums.v1.TaskQueueType, now: number): Promise<Poller[]> {
  const response = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType: type });
  return (response.pollers ?? []).map((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0) + (p.lastAccessTime?.nanos ?? 0) / 1e9;
    return { identity: p.identity ?? '?', ageS: Math.max(0, now / 1000 - seconds) };
  });
}

/** Asks the server about kisystem's queues and each host's own queues. */
export async function readFleet(connection: Pick<Connection, 'workflowService'>, settings: Pick<Settings, 'namespace' | 'taskQueue' | 'gpuQueue'>, now = Date.now()): Promise<FleetView> {
  const ns = settings.namespace;
  const activityPollers: Record<string, Poller[]> = {};
  const workflowPollers = await pollers(connection, ns, settings.taskQueue, TASK_QUEUE_TYPE_WORKFLOW, now);
  for (const q of [settings.gpuQueue, cudaQueue(settings.gpuQueue)]) activityPollers[q] = await pollers(connection, ns, q, TASK_QUEUE_TYPE_ACTIVITY, now);
  const hosts = new Set(activityPollers[settings.gpuQueue]!.map((p) => hostOfIdentity(p.identity)).filter((h): h is string => h !== null));
  for (const host of hosts) {
    const hostQueue = `${settings.gpuQueue}@${host}`;
    activityPollers[hostQueue] = await pollers(connection, ns, hostQueue, TASK_QUEUE_TYPE_ACTIVITY, now);
    activityPollers[probeQueueOf(hostQueue)] = await pollers(connection, ns, probeQueueOf(hostQueue), TASK_QUEUE_TYPE_ACTIVITY, now);
  }
  return { taskQueue: settings.taskQueue, gpuQueue: settings.gpuQueue, workflowPollers, activityPollers };
}

export async function checkFleet(connection: Pick<Connection, 'workflowService'>, settings: Pick<Settings, 'namespace' | 'taskQueue' | 'gpuQueue'>): Promise<Check[]> {
  try {
    return fleetChecks(await readFleet(connection, settings));
  } catch (error) {
    return [{ area: 'hosts', status: 'warn', detail: `cannot ask the server which workers poll: ${(error as Error).message.split('\n')[0]}` }];
  }
}
