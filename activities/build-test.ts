/**
 * Build and test of one candidate, on the host that claimed it (its host queue): the binary the
 * build leaves is what the test runs. A compile error or a failing test is a result; a missing
 * compiler or a lost GPU is an infrastructure fault and throws.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { archFlags, gpusRespond, type HostCapabilities } from './host-capabilities';
import { prepareRunFolder, runFolderPath } from './run-folder';
import { existsSync } from 'node:fs';
import { testPassed } from '../policy/parsers/categorizer';
import { writeResultNote } from './run-folder-cleanup';
import { handOverFolder } from './sandbox-folder';
import { join, resolve } from 'node:path';
import { ProgramNotStartedError, runProcess, SandboxSetupError, type ProcessResult, type ResourceLimits, type SandboxRuntime } from './run-process';
import { buildChecker, CheckerBrokenError, hasChecker, isCheckerFile, runChecked, writeProtocolHeader } from './sandbox-verdict';
import { claimDecision } from '../policy/rules/host-claim';
import { compilerFileSizeKill } from '../policy/parsers/limit-kill';
import type { HostLoad } from './host-load';
import type { BuildInput, BuildResult, HostClaim, TestInput, TestResult } from '../contracts/activity-types';
import type { VerdictSource } from '../policy/schemas/task-wiring';

/** The host's sandbox limits (config `sandbox`), for the steps whose inputs do not carry limits. */
export interface HostSandbox extends SandboxRuntime {
  disk_mb: number;
  build_memory_mb: number;
  cuda_memory_mb: number;
  max_processes: number;
  max_file_mb: number;
}

export interface HostActivityDeps {
  capabilities: HostCapabilities;
  /** Root of the run folders on this host. */
  workRoot: string;
  /** The sandbox every build and test runs in (kind 'none': unsandboxed). Default: none (unit tests of pure parts only). */
  sandbox?: HostSandbox;
  /** What the host has on its plate: a full host leaves a claim to the others first. Default: every claim taken. */
  load?: HostLoad;
}

/**
 * Ends the activity as cancelled, after its run was killed: the cancellation itself is thrown, never
 * wrapped in another failure, so the workflow sees a cancellation and never counts it against a model.
 */
async function throwActivityCancellation(ctx: Context): Promise<never> {
  await ctx.cancelled;
  throw new Error('unreachable: cancelled resolved');
}

/** The infrastructure fault of a sandbox that could not be set up: retried, never a run against the model. */
export function sandboxFailure(error: SandboxSetupError, hostId: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'SandboxUnavailable', message: `host ${hostId}: ${error.message}` });
}

const COMPILER = { cuda: 'nvcc', cpp: 'g++' } as const;

function heartbeat(): void {
  Context.current().heartbeat();
}

/** The compiler's argument array for a candidate. */
export function buildCommand(input: BuildInput, capabilities: Pick<HostCapabilities, 'gpus'>): string[] {
  const defaults = input.harnessFiles.map((f) => f.path).filter((p) => /\.(cu|cpp|cc|cxx)$/.test(p) && !isCheckerFile(p));
  const sources = input.sources ?? [...defaults, input.solutionFile];
  const extra = input.language === 'cuda' ? archFlags(capabilities, input.flags) : [];
  return [COMPILER[input.language], ...input.flags, ...extra, '-o', input.output, ...sources];
}

export function createHostActivities(deps: HostActivityDeps) {
  const { capabilities, workRoot } = deps;
  const sandbox = deps.sandbox;
  const kind = sandbox?.settings.kind ?? 'none';

  function boxFor(runFolder: string, gpu: boolean, name: string) {
    return sandbox ? { ...sandbox, writable: runFolder, gpu, name } : undefined;
  }

  function buildLimits(timeoutS: number): ResourceLimits | undefined {
    if (!sandbox) return undefined;
    // CPU: the build's time limit on every core (nvcc and g++ run several processes at once).
    return { cpuSeconds: timeoutS * 4, memoryMb: sandbox.build_memory_mb, maxProcesses: sandbox.max_processes, maxFileMb: sandbox.max_file_mb, diskMb: sandbox.disk_mb };
  }

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
    if (deps.load) {
      const decision = claimDecision(deps.load.view(), Context.current().info.attempt);
      // Retryable: the claim's next attempt goes to whichever host polls it, likely one with a free slot.
      if (!decision.take) throw ApplicationFailure.create({ type: 'HostBusy', message: `host ${capabilities.hostId}: ${decision.reason}` });
      deps.load.claimed();
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
    // The trusted checker's files never enter the candidate's folder (it must not read the reference).
    await prepareRunFolder(runFolder, input.harnessFiles.filter((f) => !isCheckerFile(f.path)), input.modelFiles);
    await writeProtocolHeader(runFolder);
    if (sandbox) await handOverFolder(runFolder, sandbox.settings.runAs);
    const command = buildCommand(input, capabilities);
    try {
      const checker = await buildChecker(input.harnessFiles, runFolder, { sandbox, timeoutS: input.timeoutS, keepChars: input.keepChars, onTick: heartbeat, signal: ctx.cancellationSignal }, join(workRoot, '.checkers'));
      if (checker?.cancelled) return await throwActivityCancellation(ctx);
      if (checker && (checker.exitCode !== 0 || checker.timedOut)) {
        throw ApplicationFailure.create({
          type: 'CheckerBuildFailed',
          message: `the task's checker (checker* harness files) does not build on host ${capabilities.hostId}: ${checker.output.slice(-1500)}`,
          nonRetryable: true,
        });
      }
      const result = await runProcess({
        command,
        cwd: runFolder,
        timeoutMs: input.timeoutS * 1000,
        keepChars: input.keepChars,
        env: sandbox ? {} : undefined,
        sandbox: boxFor(runFolder, false, 'build'),
        limits: buildLimits(input.timeoutS),
        onTick: heartbeat,
        signal: ctx.cancellationSignal,
      });
      if (result.cancelled) return await throwActivityCancellation(ctx);
      const failed = result.exitCode !== 0 || result.timedOut;
      return {
        limitKill: result.limitKill ?? (failed && compilerFileSizeKill(result.output) ? 'disk' : null),
        sandbox: kind,
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
      if (error instanceof SandboxSetupError) throw sandboxFailure(error, capabilities.hostId);
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
    const gpu = input.language === 'cuda';
    const limits: ResourceLimits = {
      ...input.limits,
      // Without cgroups the memory limit is an address-space limit, which CUDA's huge reservations break.
      memoryMb: gpu ? (sandbox?.cgroups ? sandbox.cuda_memory_mb : null) : input.limits.memoryMb,
      diskMb: sandbox?.disk_mb ?? null,
    };
    try {
      const program = input.command[0] ?? '';
      if (program.includes('/') && !existsSync(resolve(input.runFolder, program))) {
        throw new ProgramNotStartedError(program, 'ENOENT', `${program} does not exist`);
      }
      let result: ProcessResult;
      let verdictSource: VerdictSource = 'self-reported';
      if (hasChecker(input.runFolder)) {
        const checked = await runChecked('test', input.seed, input.runFolder, input.command, limits, gpu, {
          sandbox,
          timeoutS: input.timeoutS,
          keepChars: input.keepChars,
          onTick: heartbeat,
          signal: ctx.cancellationSignal,
        });
        result = checked.result;
        verdictSource = 'checker';
      } else {
        // A task without a checker: the verdict is the harness's own line (forgeable; docs/task-authors.md, "Harness format").
        result = await runProcess({
          command: input.command,
          cwd: input.runFolder,
          timeoutMs: input.timeoutS * 1000,
          keepChars: input.keepChars,
          env: sandbox ? { KISYSTEM_SEED: String(input.seed) } : { ...process.env, KISYSTEM_SEED: String(input.seed) },
          sandbox: boxFor(input.runFolder, gpu, 'test'),
          limits: sandbox ? limits : { ...input.limits, memoryMb: gpu ? null : input.limits.memoryMb },
          onTick: heartbeat,
          signal: ctx.cancellationSignal,
        });
      }
      if (result.cancelled) return await throwActivityCancellation(ctx);
      // A lost GPU is decided by a probe the worker runs itself, after a failed CUDA run; never by
      // what the candidate printed (a C++ answer printing "GPU is lost" is its own failure).
      if (gpu && !testPassed(result) && !result.limitKill && !(await gpusRespond())) {
        throw ApplicationFailure.create({ type: 'GpuUnavailable', message: `the GPU of host ${capabilities.hostId} is not usable: nvidia-smi lists no GPU after a failed CUDA run` });
      }
      const { cancelled: _cancelled, ...rest } = result;
      await writeResultNote(input.runFolder, testPassed(result)).catch(() => undefined); // for run_folders retention
      return { ...rest, limitKill: result.limitKill ?? null, sandbox: kind, verdictSource, host: capabilities.hostId };
    } catch (error) {
      if (error instanceof SandboxSetupError) throw sandboxFailure(error, capabilities.hostId);
      if (error instanceof CheckerBrokenError) {
        throw ApplicationFailure.create({ type: 'CheckerBroken', message: `host ${capabilities.hostId}: ${error.message}`, nonRetryable: true });
      }
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
