/**
 * One candidate through build and test, on one host: claim a host on the shared queue, then send
 * the build and the test to that host's own queue (the binary lives there). If the host is gone (it
 * does not answer its liveness probe, workflows/host-wait.ts), another host is claimed and the
 * candidate starts over there.
 */
import { TimeoutType } from '@temporalio/common';
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { HostActivities } from '../activities/build-test';
import type { BuildResult, TestResult } from '../contracts/activity-types';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { buildInputFor, testInputFor } from './host-inputs';
import { onLiveHost } from './host-wait';
import { hostLossTimeouts, hostStepPickupSeconds } from '../policy/rules/host-loss';
import type { TaskQueues } from '../contracts/task-messages';

export interface CandidateContext {
  task: ResolvedTask;
  config: KisystemConfig;
  queues: TaskQueues;
  workflowId: string;
  workflowRunId: string;
}

/** `hostQueue`: the queue of the host that holds the run folder (profiling goes there too). */
export type CandidateRun =
  | { stage: 'build'; build: BuildResult; hostQueue: string }
  | { stage: 'test'; build: BuildResult; test: TestResult; hostQueue: string };

/** Hosts one candidate's build, test or profile is tried on before the task gives up on it. */
export const MAX_HOST_CLAIMS = 3;

/** The candidate's run folder is gone from the host that ran the step (the host restarted or lost its disk). */
export function candidateMissing(error: unknown): boolean {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'CandidateMissing';
}

/** No host picked the step up in time, or the host lost the candidate's folder. */
function hostLost(error: unknown): boolean {
  if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) return error.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;
  return candidateMissing(error);
}

export async function buildAndTest(
  ctx: CandidateContext,
  attemptNo: number,
  files: ExtractedFile[],
  seed: number,
  label: string,
  /** Called when a step begins: the test, or the build again on another host (the status follows). */
  onStep: (step: 'building' | 'testing') => void = () => undefined,
): Promise<CandidateRun> {
  const { task, config } = ctx;
  const needsGpu = task.language === 'cuda';
  const claim = proxyActivities<Pick<HostActivities, 'claimHost'>>({
    taskQueue: needsGpu ? ctx.queues.cuda : ctx.queues.gpu,
    startToCloseTimeout: '1 minute',
    // A full host refuses the first attempts (HostBusy, policy/rules/host-claim.ts) so that the retry
    // reaches a host with a free slot; short, even retries keep that detour to about 2 s.
    retry: { maximumAttempts: 8, initialInterval: '1 second', backoffCoefficient: 1.5, maximumInterval: '10 seconds' },
  });
  const hostLoss = hostLossTimeouts(config.timeouts);
  for (let claimNo = 1; ; claimNo++) {
    const host = await claim.claimHost.executeWithOptions(
      { summary: needsGpu ? `${label}: waiting for a host with a GPU and nvcc` : `${label}: claim a build host` },
      [needsGpu],
    );
    const onHost = proxyActivities<Pick<HostActivities, 'buildCandidate' | 'testCandidate'>>({
      taskQueue: host.hostQueue,
      // Short: a step still waiting then gets its host probed (workflows/host-wait.ts), so a dead
      // host's candidate moves on within a minute while a busy host is waited for up to host_pickup.
      scheduleToStartTimeout: `${hostStepPickupSeconds(hostLoss)} seconds`,
      heartbeatTimeout: `${config.timeouts.heartbeat} seconds`,
      startToCloseTimeout: `${Math.max(config.timeouts.build, config.timeouts.test) + 60} seconds`,
      // A cancelled task ends only after the build's or test's process group was killed.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { initialInterval: '1 second', nonRetryableErrorTypes: ['UnsafeFileName', 'CandidateMissing', 'Cancelled'] },
    });
    try {
      if (claimNo > 1) onStep('building');
      const build = await onLiveHost(host, hostLoss, () =>
        onHost.buildCandidate.executeWithOptions(
          {
            summary: `${label}: build on ${host.description}`,
            startToCloseTimeout: `${config.timeouts.build + 60} seconds`,
            retry: { maximumAttempts: config.retry_build + 1 },
          },
          [buildInputFor(task, config, ctx, attemptNo, files)],
        ),
      );
      if (build.moved) {
        if (claimNo < MAX_HOST_CLAIMS) continue;
        throw ApplicationFailure.create({ type: 'HostsLost', message: `no host kept candidate ${label}: ${build.reason}` });
      }
      if (!build.value.ok) return { stage: 'build', build: build.value, hostQueue: host.hostQueue };
      onStep('testing');
      const test = await onLiveHost(host, hostLoss, () =>
        onHost.testCandidate.executeWithOptions(
          {
            summary: `${label}: test on ${host.description}`,
            startToCloseTimeout: `${config.timeouts.test + 60} seconds`,
            retry: { maximumAttempts: config.retry_test + 1 },
          },
          [testInputFor(task, config, build.value.runFolder, seed)],
        ),
      );
      if (test.moved) {
        if (claimNo < MAX_HOST_CLAIMS) continue;
        throw ApplicationFailure.create({ type: 'HostsLost', message: `no host kept candidate ${label}: ${test.reason}` });
      }
      return { stage: 'test', build: build.value, test: test.value, hostQueue: host.hostQueue };
    } catch (error) {
      if (hostLost(error) && claimNo < MAX_HOST_CLAIMS) continue;
      throw error;
    }
  }
}
