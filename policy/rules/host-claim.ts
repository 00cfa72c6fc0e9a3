/**
 * Which host takes a candidate: the shared queue hands a claim to whichever host polls first, so a
 * host already full of builds kept taking candidates that then waited on its queue while another host
 * sat idle. A full host refuses the first attempts of a claim (the retry lands on another poller) and
 * takes it only when every host was full for those attempts.
 */

/** Attempts of a claim a full host refuses before it takes the candidate anyway (all hosts are full). */
export const FULL_HOST_REFUSALS = 2;

/** Seconds a claimed candidate counts against its host before its build starts there. */
export const CLAIM_HOLD_S = 30;

export interface HostLoadView {
  /** Host steps (build, test, profile) running or waiting for this host's slot now. */
  running: number;
  /** Candidates claimed in the last CLAIM_HOLD_S whose build has not started yet. */
  claimedNotStarted: number;
  /** The host's build slots (max_concurrent_builds; 1 without enable_async_io). */
  slots: number;
}

export type ClaimDecision = { take: true } | { take: false; reason: string };

/** `attempt`: the claim activity's attempt number (1 = first). */
export function claimDecision(load: HostLoadView, attempt: number): ClaimDecision {
  const inFlight = load.running + load.claimedNotStarted;
  if (inFlight < load.slots || attempt > FULL_HOST_REFUSALS) return { take: true };
  return { take: false, reason: `all ${load.slots} build slots are taken (${load.running} running, ${load.claimedNotStarted} claimed); another host may have one free` };
}
