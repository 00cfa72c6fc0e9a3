/**
 * Host activities that serve a GPU recording back (scripts/gpu/record-two-tier.ts): claimHost,
 * buildCandidate, testCandidate, microbenchmark and fullProfile answer with what the real activities
 * returned on the GPU machine for the same kernel, durations included. A candidate is recognised by
 * the sha256 of its solution file; one that was never recorded fails the activity (non-retryable).
 * For scripts/bench-two-tier.ts --replay only: the workflow, the LLM activity (against the scripted
 * model server) and the learning history around them are the real ones.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { FullProfileInput, FullProfileResult, MicrobenchmarkInput, MicrobenchmarkResult } from '../contracts/profile-types';
import type { BuildInput, BuildResult, HostClaim, TestInput, TestResult } from '../contracts/activity-types';
import { solutionSha256, type KernelRecording, type RecordedError, type TwoTierRecording } from './two-tier-recording';

const FOLDER_PREFIX = 'replayed-kernel-';

function rethrow(recorded: RecordedError): never {
  throw ApplicationFailure.create({ type: recorded.type ?? 'ReplayedError', message: `(replayed) ${recorded.error}`, nonRetryable: true });
}

export function createReplayHostActivities(recording: TwoTierRecording, source: string, hostQueue: string) {
  const bySha = new Map(recording.kernels.map((k) => [k.sha256, k]));
  const gpu = recording.host.gpus[0];
  const description = `${recording.host.hostId}${gpu ? ` (${gpu.name})` : ''}, replayed from ${source}`;

  const kernelOfFolder = (runFolder: string): KernelRecording => {
    const index = runFolder.startsWith(FOLDER_PREFIX) ? Number(runFolder.slice(FOLDER_PREFIX.length)) : NaN;
    const kernel = recording.kernels.find((k) => k.index === index);
    if (!kernel) throw ApplicationFailure.create({ type: 'CandidateMissing', message: `no recorded kernel for run folder ${runFolder}`, nonRetryable: true });
    return kernel;
  };

  return {
    async claimHost(_needsGpu: boolean): Promise<HostClaim> {
      return { hostId: recording.host.hostId, hostQueue, hasGpu: recording.host.gpus.length > 0, hasNvcc: recording.host.nvcc !== null, description };
    },
    async buildCandidate(input: BuildInput): Promise<BuildResult> {
      const solution = input.modelFiles.find((f) => f.path === input.solutionFile);
      const sha = solution ? solutionSha256(solution.content) : '';
      const kernel = bySha.get(sha);
      if (!kernel?.build) {
        throw ApplicationFailure.create({ type: 'NotRecorded', message: `candidate ${input.solutionFile} (sha256 ${sha.slice(0, 12)}) is not in ${source}`, nonRetryable: true });
      }
      return { ...kernel.build, runFolder: `${FOLDER_PREFIX}${kernel.index}` };
    },
    async testCandidate(input: TestInput): Promise<TestResult> {
      const kernel = kernelOfFolder(input.runFolder);
      if (!kernel.test) throw ApplicationFailure.create({ type: 'NotRecorded', message: `kernel ${kernel.label} has no recorded test`, nonRetryable: true });
      return kernel.test;
    },
    async microbenchmark(input: MicrobenchmarkInput): Promise<MicrobenchmarkResult> {
      const kernel = kernelOfFolder(input.runFolder);
      const m = kernel.microbenchmark;
      if (!m) throw ApplicationFailure.create({ type: 'NotRecorded', message: `kernel ${kernel.label} has no recorded microbenchmark`, nonRetryable: true });
      if ('error' in m) rethrow(m);
      return m;
    },
    async fullProfile(input: FullProfileInput): Promise<FullProfileResult> {
      const kernel = kernelOfFolder(input.runFolder);
      const f = kernel.fullProfile;
      if (!f) throw ApplicationFailure.create({ type: 'NotRecorded', message: `kernel ${kernel.label} has no recorded full profile`, nonRetryable: true });
      if ('error' in f) rethrow(f);
      return f;
    },
  };
}
