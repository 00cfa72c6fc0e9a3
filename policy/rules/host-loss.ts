/**
 * When a candidate's step waits on its host's queue: is the host gone (claim another, the candidate
 * starts over there) or only busy (keep waiting, its run folder is there)? Temporal alone cannot tell:
 * a busy host stops polling its queue once its build slots are full, and a dead host's poller stays
 * listed by DescribeTaskQueue for minutes (matching.PollerHistoryTTL, 5 min) with a last access time
 * up to one long poll (about a minute) old. So a host answers a liveness probe on a queue of its own
 * that it always polls with free slots: an answer within `host_probe` seconds means alive.
 */

export interface HostLossTimeouts {
  /** Seconds a host step may wait on its queue before the host is probed. */
  host_probe_after: number;
  /** Seconds the probe may wait for the host to answer. */
  host_probe: number;
  /** Seconds in all a live but busy host may keep a step waiting before another host is claimed. */
  host_pickup: number;
}

/** For a workflow whose config came from a client before these keys existed (its input is replayed as it was). */
export const HOST_PROBE_DEFAULTS = Object.freeze({ host_probe_after: 15, host_probe: 10 });

/** The config's timeouts with the probe keys filled in where an older config lacks them. */
export function hostLossTimeouts(t: Pick<HostLossTimeouts, 'host_pickup'> & Partial<HostLossTimeouts>): HostLossTimeouts {
  return {
    host_pickup: t.host_pickup,
    host_probe_after: t.host_probe_after ?? HOST_PROBE_DEFAULTS.host_probe_after,
    host_probe: t.host_probe ?? HOST_PROBE_DEFAULTS.host_probe,
  };
}

/** The queue each host's liveness probe goes to, beside its host queue (`<gpu queue>@<host id>`). */
export function probeQueueOf(hostQueue: string): string {
  return `${hostQueue}/alive`;
}

/** Schedule-to-start bound of a host step: the first probe comes after this (never past host_pickup). */
export function hostStepPickupSeconds(t: HostLossTimeouts): number {
  return Math.max(1, Math.min(t.host_probe_after, t.host_pickup));
}

export type HostVerdict =
  | { next: 'wait_again'; reason: string }
  | { next: 'claim_another'; reason: string };

export interface HostWait {
  hostId: string;
  /** Whether the host answered its liveness probe. */
  probeAnswered: boolean;
  /** Seconds the step has waited on this host's queue so far, all pickup bounds together. */
  waitedS: number;
}

/**
 * After a host step's pickup bound ran out: a host that does not answer its probe is gone; one that
 * answers is busy and is waited for up to host_pickup in all, then another host is claimed.
 */
export function afterPickupTimeout(wait: HostWait, t: HostLossTimeouts): HostVerdict {
  if (!wait.probeAnswered) {
    return { next: 'claim_another', reason: `host ${wait.hostId} took no step for ${Math.round(wait.waitedS)} s and did not answer its liveness probe within ${t.host_probe} s: it is gone` };
  }
  if (wait.waitedS >= t.host_pickup) {
    return { next: 'claim_another', reason: `host ${wait.hostId} is alive but took no step for ${Math.round(wait.waitedS)} s (timeouts.host_pickup ${t.host_pickup} s): busy too long` };
  }
  return { next: 'wait_again', reason: `host ${wait.hostId} is alive and busy; waiting on (${Math.round(wait.waitedS)} of ${t.host_pickup} s)` };
}

/**
 * The longest a dead host holds a candidate before another host is claimed: the running step's
 * heartbeat timeout, then the retried step's pickup bound, then the unanswered probe.
 */
export function worstCaseMoveOnSeconds(t: HostLossTimeouts & { heartbeat: number }): number {
  return t.heartbeat + hostStepPickupSeconds(t) + t.host_probe;
}

const IDENTITY = /^kisystem-host (\S+) /;

/** A GPU worker's Temporal identity: names its host id, so the pollers of a queue say which hosts they are. */
export function hostIdentity(hostId: string, pid = 0, machine = ''): string {
  return `kisystem-host ${hostId} (pid ${pid}${machine ? `@${machine}` : ''})`;
}

/** The host id in a poller's identity, or null for a worker that is no kisystem host. */
export function hostOfIdentity(identity: string): string | null {
  return IDENTITY.exec(identity)?.[1] ?? null;
}
