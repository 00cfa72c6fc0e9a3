/**
 * A candidate's step on its host's queue, waited for as long as the host is alive: the step's pickup
 * bound is short (timeouts.host_probe_after), and when it runs out the host is probed on its own
 * probe queue; policy/rules/host-loss.ts decides from the answer whether to wait again or move on.
 */
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, log, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { HostProbeActivities } from '../activities/host-probe';
import type { HostClaim } from '../contracts/activity-types';
import { afterPickupTimeout, probeQueueOf, type HostLossTimeouts } from '../policy/rules/host-loss';

export type HostStepOutcome<T> = { moved: false; value: T } | { moved: true; reason: string };

function notPickedUp(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof TimeoutFailure && error.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
}

/** Whether the host answers its liveness probe within timeouts.host_probe. */
async function probeAnswers(host: Pick<HostClaim, 'hostQueue'>, t: HostLossTimeouts): Promise<boolean> {
  const probe = proxyActivities<HostProbeActivities>({
    taskQueue: probeQueueOf(host.hostQueue),
    scheduleToStartTimeout: `${t.host_probe} seconds`,
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 1 },
  });
  try {
    await probe.hostAlive.executeWithOptions({ summary: `is ${host.hostQueue} alive?` }, []);
    return true;
  } catch {
    return false;
  }
}

/** Runs `step` (scheduled with the short pickup bound) until it is picked up, or says why another host must be claimed. */
export async function onLiveHost<T>(host: Pick<HostClaim, 'hostId' | 'hostQueue'>, t: HostLossTimeouts, step: () => Promise<T>): Promise<HostStepOutcome<T>> {
  const since = Date.now();
  for (;;) {
    try {
      return { moved: false, value: await step() };
    } catch (error) {
      if (!notPickedUp(error)) throw error;
    }
    const verdict = afterPickupTimeout({ hostId: host.hostId, probeAnswered: await probeAnswers(host, t), waitedS: (Date.now() - since) / 1000 }, t);
    log.info(verdict.reason);
    if (verdict.next === 'claim_another') return { moved: true, reason: verdict.reason };
  }
}
