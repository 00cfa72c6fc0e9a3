/**
 * The optimization phase's profiling: tier 0 (microbenchmark), tier 1 (full profile) on the host
 * that holds the candidate, the store of each profiled iteration, and how their failures read.
 */
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ProfileActivities } from '../activities/profile';
import type { FailedBenchmarkRun, FullProfileResult, MicrobenchmarkResult } from '../contracts/profile-types';
import type { ProfileHistoryActivities } from '../activities/profile-history';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import { testPassed } from '../policy/parsers/categorizer';
import { hostLossTimeouts, hostStepPickupSeconds } from '../policy/rules/host-loss';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { buildAndTest, candidateMissing, MAX_HOST_CLAIMS, type CandidateContext } from './candidate';
import { fullProfileInputFor, microbenchmarkInputFor } from './host-inputs';
import { onLiveHost } from './host-wait';

/** Where a passing candidate's binary is, and what it takes to build it again on another host. */
export interface BinaryPlace {
  hostQueue: string;
  host: string;
  runFolder: string;
  attemptNo: number;
  files: ExtractedFile[];
}

/** A profiling step's result and where the binary was when it ran: another host's folder when the first host died. */
export interface Placed<T> {
  value: T;
  place: BinaryPlace;
}

/** Profiling failures that end the phase (the best so far is kept): not the candidate's fault to retry. */
const PROFILE_STOPPERS = ['BenchmarkOutputMissing', 'ProfilerMissing', 'ProfileUnparsable', 'HostsLost'];

/** The candidate's failed benchmark run, when `error` is a `BenchmarkFailed` activity failure. */
export function failedBenchmark(error: unknown): FailedBenchmarkRun | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'BenchmarkFailed') return null;
  const run = cause.details?.[0] as Partial<FailedBenchmarkRun> | undefined;
  return {
    exitCode: run?.exitCode ?? null,
    signal: run?.signal ?? null,
    timedOut: run?.timedOut ?? false,
    output: run?.output ?? cause.message,
    limitKill: run?.limitKill ?? null,
  };
}

/** "Type: message" of a profiling failure that ends the phase, else null. */
export function profileStopper(error: unknown): string | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type && PROFILE_STOPPERS.includes(cause.type)) return `${cause.type}: ${cause.message}`;
  return null;
}

/** One profiled iteration as it is stored (the `profiles` table, read by profileStats). */
export interface ProfiledIteration {
  iteration: number;
  attemptNo: number;
  model: string;
  tier: 0 | 1;
  rule: string;
  summary: string;
  score: number;
  timeMs: number;
  accepted: boolean;
}

export function profilingFor(ctx: CandidateContext, benchmark: NonNullable<ResolvedTask['benchmark']>) {
  const { task, config } = ctx;
  const hostLoss = hostLossTimeouts(config.timeouts);
  const profiler = (hostQueue: string) =>
    proxyActivities<ProfileActivities>({
      taskQueue: hostQueue,
      // Short, as for builds and tests: a step still waiting gets its host probed (workflows/host-wait.ts),
      // so a dead host's candidate is built again elsewhere while a busy host is waited for up to host_pickup.
      scheduleToStartTimeout: `${hostStepPickupSeconds(hostLoss)} seconds`,
      heartbeatTimeout: `${config.timeouts.heartbeat} seconds`,
      startToCloseTimeout: `${config.timeouts.profile + 60} seconds`,
      // A cancelled task ends only after the profiler's process group was killed.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        initialInterval: '1 second',
        maximumAttempts: config.retry_profile + 1,
        nonRetryableErrorTypes: [...PROFILE_STOPPERS, 'BenchmarkFailed', 'CandidateMissing', 'Cancelled'],
      },
    });
  const profileHistory = proxyActivities<ProfileHistoryActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });

  /** The same candidate built and tested on a host that is alive; refused when it no longer passes there. */
  async function placedElsewhere(place: BinaryPlace, label: string, why: string): Promise<BinaryPlace> {
    const run = await buildAndTest(ctx, place.attemptNo, place.files, Math.floor(Math.random() * 2 ** 31), `${label} (moved: ${why})`);
    if (run.stage !== 'test' || !testPassed(run.test)) {
      const message = `${label}: its host was lost while profiling, and the same code did not pass again on ${run.build.host}`;
      throw ApplicationFailure.create({ type: 'HostsLost', message, nonRetryable: true });
    }
    return { ...place, hostQueue: run.hostQueue, host: run.test.host, runFolder: run.build.runFolder };
  }

  /** Runs a profiling step where the binary is; when its host is lost, on a host it is built again on. */
  async function onAnyLiveHost<T>(first: BinaryPlace, label: string, step: (place: BinaryPlace) => Promise<T>): Promise<Placed<T>> {
    let place = first;
    for (let hostNo = 1; ; hostNo++) {
      let why: string;
      try {
        const outcome = await onLiveHost({ hostId: place.host, hostQueue: place.hostQueue }, hostLoss, () => step(place));
        if (!outcome.moved) return { value: outcome.value, place };
        why = outcome.reason;
      } catch (error) {
        // The binary's run folder gone from its host (a dead host is told by onLiveHost's probe instead).
        if (!candidateMissing(error)) throw error;
        why = `the binary is gone from ${place.host}`;
      }
      if (hostNo >= MAX_HOST_CLAIMS) {
        throw ApplicationFailure.create({ type: 'HostsLost', message: `no host kept ${label} for profiling: ${why}`, nonRetryable: true });
      }
      place = await placedElsewhere(place, label, why);
    }
  }

  return {
    microbenchmark: (place: BinaryPlace, iteration: number, seed: number): Promise<Placed<MicrobenchmarkResult>> =>
      onAnyLiveHost(place, `iteration ${iteration}`, (p) =>
        profiler(p.hostQueue).microbenchmark.executeWithOptions({ summary: `iteration ${iteration}: tier 0 microbenchmark` }, [
          microbenchmarkInputFor(task, benchmark, config, p.runFolder, seed),
        ]),
      ),
    fullProfile: (place: BinaryPlace, summary: string, seed: number, yardstickCycles: number | null): Promise<Placed<FullProfileResult>> =>
      onAnyLiveHost(place, summary, (p) =>
        profiler(p.hostQueue).fullProfile.executeWithOptions({ summary }, [
          fullProfileInputFor(task, benchmark, config, p.runFolder, seed, yardstickCycles),
        ]),
      ),
    storeProfile: (entry: ProfiledIteration, bench: MicrobenchmarkResult, profile: FullProfileResult | null, scoreChange: number | null) =>
      profileHistory.recordProfile.executeWithOptions({ summary: `store profile: ${entry.summary}` }, [
        {
          taskId: task.id,
          workflowId: ctx.workflowId,
          workflowRunId: ctx.workflowRunId,
          attemptNo: entry.attemptNo,
          iteration: entry.iteration,
          domain: task.domain,
          model: entry.model,
          tier: entry.tier,
          rule: entry.rule,
          summary: entry.summary,
          score: entry.score,
          scoreChange,
          timeMs: entry.timeMs,
          accepted: entry.accepted,
          microbenchMs: bench.durationMs,
          fullProfileMs: profile?.durationMs ?? 0,
          tool: profile?.tool ?? null,
          fellBack: profile?.fellBack ?? null,
          profile: profile?.summary ?? null,
        },
      ]),
  };
}
