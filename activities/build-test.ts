/**
 * Build and test of one candidate, on the host that claimed it (its host queue): the binary the
 * build leaves is what the test runs. A compile error or a failing test is a result; a missing
 * compiler or a lost GPU is an infrastructure fault and throws.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { archFlags, type HostCapabilities } from './host-capabilities';
import { prepareRunFolder, runFolderPath } from './run-folder';
import { ProgramNotStartedError, runProcess } from './run-process';
import type { BuildInput, BuildResult, HostClaim, TestInput, TestResult } from './types';

export interface HostActivityDeps {
  capabilities: HostCapabilities;
  /** Root of the run folders on this host. */
  workRoot: string;
}

const COMPILER = { cuda: 'nvcc', cpp: 'g++' } as const;
const CUDA_DEVICE_LOST = /(no CUDA-capable device is detected|cudaErrorNoDevice|CUDA driver version is insufficient|cudaErrorInsufficientDriver|cudaErrorDevicesUnavailable|GPU is lost|cudaErrorSystemNotReady)/;

function heartbeat(): void {
  Context.current().heartbeat();
}

/** The compiler's argument array for a candidate. */
export function buildCommand(input: BuildInput, capabilities: Pick<HostCapabilities, 'gpus'>): string[] {
  const defaults = input.harnessFiles.map((f) => f.path).filter((p) => /\.(cu|cpp|cc|cxx)$/.test(p));
  const sources = input.sources ?? [...defaults, input.solutionFile];
  const extra = input.language === 'cuda' ? archFlags(capabilities, input.flags) : [];
  return [COMPILER[input.language], ...input.flags, ...extra, '-o', input.output, ...sources];
}

export function createHostActivities(deps: HostActivityDeps) {
  const { capabilities, workRoot } = deps;

  /** Claims this host for one candidate: the workflow sends the build and test to the returned queue. */
  async function claimHost(needsGpu: boolean): Promise<HostClaim> {
    const hasGpu = capabilities.gpus.length > 0;
    if (needsGpu && !(hasGpu && capabilities.nvcc)) {
      // Another host of the shared queue may have one: fail this attempt, let the retry land elsewhere.
      throw ApplicationFailure.create({
        type: 'HostLacksGpu',
        message: `host ${capabilities.hostId} has ${hasGpu ? 'a GPU but no nvcc' : 'no GPU'}; a CUDA task needs both`,
      });
    }
    return {
      hostId: capabilities.hostId,
      hostQueue: capabilities.hostQueue,
      hasGpu,
      hasNvcc: capabilities.nvcc !== null,
      description: `${capabilities.hostId}${hasGpu ? ` (${capabilities.gpus[0]!.name})` : ''}`,
    };
  }

  async function buildCandidate(input: BuildInput): Promise<BuildResult> {
    const ctx = Context.current();
    const runFolder = runFolderPath(workRoot, input.workflowId, input.workflowRunId, input.attemptNo);
    await prepareRunFolder(runFolder, input.harnessFiles, input.modelFiles);
    const command = buildCommand(input, capabilities);
    try {
      const result = await runProcess({
        command,
        cwd: runFolder,
        timeoutMs: input.timeoutS * 1000,
        keepChars: input.keepChars,
        onTick: heartbeat,
        signal: ctx.cancellationSignal,
      });
      if (result.cancelled) throw ApplicationFailure.create({ type: 'Cancelled', message: 'build cancelled', nonRetryable: true });
      return {
        ok: result.exitCode === 0 && !result.timedOut,
        runFolder,
        command,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        output: result.output,
        durationMs: result.durationMs,
        host: capabilities.hostId,
      };
    } catch (error) {
      if (error instanceof ProgramNotStartedError) {
        throw ApplicationFailure.create({
          type: 'CompilerMissing',
          message: `${error.program} cannot be started on host ${capabilities.hostId} (${error.code}): install it or put it on PATH`,
        });
      }
      throw error;
    }
  }

  async function testCandidate(input: TestInput): Promise<TestResult> {
    const ctx = Context.current();
    try {
      const result = await runProcess({
        command: input.command,
        cwd: input.runFolder,
        timeoutMs: input.timeoutS * 1000,
        keepChars: input.keepChars,
        env: { ...process.env, KISYSTEM_SEED: String(input.seed) },
        limits: { ...input.limits, memoryMb: input.language === 'cuda' ? null : input.limits.memoryMb },
        onTick: heartbeat,
        signal: ctx.cancellationSignal,
      });
      if (result.cancelled) throw ApplicationFailure.create({ type: 'Cancelled', message: 'test cancelled', nonRetryable: true });
      const lost = CUDA_DEVICE_LOST.exec(result.output);
      if (lost) {
        throw ApplicationFailure.create({ type: 'GpuUnavailable', message: `the GPU of host ${capabilities.hostId} is not usable: ${lost[0]}` });
      }
      return { ...result, host: capabilities.hostId };
    } catch (error) {
      if (error instanceof ProgramNotStartedError) {
        // The binary the build left is gone (host cleaned, or a different host): not the model's fault.
        throw ApplicationFailure.create({
          type: 'CandidateMissing',
          message: `cannot start ${input.command[0]} in ${input.runFolder} on ${capabilities.hostId}: ${error.message}`,
          nonRetryable: true,
        });
      }
      throw error;
    }
  }

  return { claimHost, buildCandidate, testCandidate };
}

export type HostActivities = ReturnType<typeof createHostActivities>;
