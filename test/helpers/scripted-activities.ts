/**
 * Scripted activities for workflow tests: same names and shapes as the real ones, answers decided by
 * markers in the "code" (OK, WRONG, SYNTAX, SEGV, XFSZ, TIMEOUT, HARNESS_BROKEN; for profiling
 * `ms=<median ms>` and `sol=<speed-of-light %>`, defaults 1 and 50, NO_BENCH and BENCH_FAILS). The real
 * activities are tested against real compilers and servers in test/integration.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { MetaSnapshot, MetaSnapshotInput, RecordStartDecisionInput } from '../../contracts/meta-types';
import type { RecordProfileInput } from '../../activities/profile-history';
import type { FullProfileInput, FullProfileResult, MicrobenchmarkInput, MicrobenchmarkResult } from '../../contracts/profile-types';
import type { BuildInput, BuildResult, GenerateInput, GenerateResult, HostClaim, RecordRunInput, TestInput, TestResult } from '../../contracts/activity-types';

export interface ScriptedWorld {
  /** model -> replies in order (the last repeats). A reply is code text; `fence()` wraps it. */
  replies: Record<string, string[]>;
  /** Faults to throw before answering: activity name -> how many calls fail first. */
  faults?: Partial<Record<'generateCode' | 'buildCandidate' | 'testCandidate' | 'recordRun', { times: number; type: string; after?: number; details?: unknown[] }>>;
  /**
   * Activities that take this long (ms) before answering, heartbeating; cancelled, they rethrow the
   * cancellation (never wrapped) and are listed in `cancelled`. `generateCode: { ms, after: 1 }` slows calls after the first.
   */
  delays?: Partial<Record<'generateCode' | 'buildCandidate' | 'testCandidate' | 'microbenchmark' | 'fullProfile', { ms: number; after?: number }>>;
  hostQueue: string;
  /** What the Meta-Supervisor snapshot says (default: no history). */
  snapshot?: Partial<MetaSnapshot>;
}

export function fence(code: string, lang = 'cpp'): string {
  return `Here is the solution.\n\n\`\`\`${lang}\n${code}\n\`\`\`\n`;
}

export function createScriptedActivities(world: ScriptedWorld) {
  const calls: Record<string, number> = {};
  const codeByFolder = new Map<string, string>();
  const recorded: RecordRunInput[] = [];
  const recordKeys = new Set<string>();
  const generated: GenerateInput[] = [];
  const startDecisions: RecordStartDecisionInput[] = [];
  const microbenchmarks: MicrobenchmarkInput[] = [];
  const fullProfiles: FullProfileInput[] = [];
  const profiles: RecordProfileInput[] = [];
  const cancelled: string[] = [];
  const delayCalls: Record<string, number> = {};
  const marker = (code: string, key: string, fallback: number): number => {
    const m = new RegExp(`\\b${key}=([0-9.eE+-]+)`).exec(code);
    return m ? Number(m[1]) : fallback;
  };

  function maybeFault(name: keyof NonNullable<ScriptedWorld['faults']>): void {
    calls[name] = (calls[name] ?? 0) + 1;
    const fault = world.faults?.[name];
    const n = calls[name]! - (fault?.after ?? 0);
    if (fault && n >= 1 && n <= fault.times) {
      throw ApplicationFailure.create({ type: fault.type, message: `scripted ${fault.type} (${name} call ${calls[name]})`, details: fault.details });
    }
  }

  async function maybeDelay(name: keyof NonNullable<ScriptedWorld['delays']>): Promise<void> {
    delayCalls[name] = (delayCalls[name] ?? 0) + 1;
    const delay = world.delays?.[name];
    if (!delay || delayCalls[name]! <= (delay.after ?? 0)) return;
    const ctx = Context.current();
    const until = Date.now() + delay.ms;
    while (Date.now() < until) {
      ctx.heartbeat();
      try {
        await Promise.race([ctx.cancelled, new Promise((r) => setTimeout(r, 200))]);
      } catch (error) {
        if (error instanceof CancelledFailure) cancelled.push(name);
        throw error;
      }
    }
  }

  return {
    calls,
    recorded,
    generated,
    startDecisions,
    microbenchmarks,
    fullProfiles,
    profiles,
    cancelled,
    activities: {
      async loadMetaSnapshot(_input: MetaSnapshotInput): Promise<MetaSnapshot> {
        return { takenAt: '2026-11-28T00:00:00.000Z', bias: null, priority: null, earlierFailures: 0, lastErrorType: null, ...world.snapshot };
      },
      async recordStartDecision(input: RecordStartDecisionInput): Promise<boolean> {
        startDecisions.push(input);
        return true;
      },
      async generateCode(input: GenerateInput): Promise<GenerateResult> {
        maybeFault('generateCode');
        await maybeDelay('generateCode');
        generated.push(input);
        const list = world.replies[input.model] ?? ['no script for this model'];
        const reply = list[Math.min(input.modelAttempt, list.length) - 1]!;
        return { reply, doneReason: reply.includes('CUT_SHORT') ? 'length' : 'stop', durationMs: 5, evalCount: null };
      },
      async claimHost(_needsGpu: boolean): Promise<HostClaim> {
        return { hostId: 'scripted-host', hostQueue: world.hostQueue, hasGpu: true, hasNvcc: true, description: 'scripted-host' };
      },
      async buildCandidate(input: BuildInput): Promise<BuildResult> {
        maybeFault('buildCandidate');
        await maybeDelay('buildCandidate');
        const code = input.modelFiles.map((f) => f.content).join('\n');
        const runFolder = `scripted://${input.workflowRunId}/${input.attemptNo}`;
        codeByFolder.set(runFolder, code);
        const base = { runFolder, command: ['g++'], signal: null, timedOut: false, durationMs: 3, host: 'scripted-host' };
        if (code.includes('HARNESS_BROKEN')) {
          return { ...base, ok: false, exitCode: 1, output: "harness.cpp:3:5: error: 'undefined_thing' was not declared in this scope" };
        }
        if (code.includes('SYNTAX')) {
          return { ...base, ok: false, exitCode: 1, output: `${input.solutionFile}:2:10: error: expected ';' before 'return'` };
        }
        return { ...base, ok: true, exitCode: 0, output: '' };
      },
      async testCandidate(input: TestInput): Promise<TestResult> {
        maybeFault('testCandidate');
        await maybeDelay('testCandidate');
        const code = codeByFolder.get(input.runFolder) ?? '';
        const base = { durationMs: 4, host: 'scripted-host', timedOut: false };
        if (code.includes('SEGV')) return { ...base, exitCode: null, signal: 'SIGSEGV', output: '' };
        if (code.includes('XFSZ')) return { ...base, exitCode: null, signal: 'SIGXFSZ', output: '' };
        if (code.includes('TIMEOUT')) return { ...base, exitCode: null, signal: 'SIGKILL', timedOut: true, output: '' };
        if (code.includes('WRONG')) return { ...base, exitCode: 1, signal: null, output: 'seed 7\nKISYSTEM_VERDICT: FAIL n=1000: c[3]=1 expected 2' };
        if (code.includes('OK')) return { ...base, exitCode: 0, signal: null, output: 'seed 7\nKISYSTEM_VERDICT: PASS' };
        return { ...base, exitCode: 0, signal: null, output: 'no verdict printed' };
      },
      async microbenchmark(input: MicrobenchmarkInput): Promise<MicrobenchmarkResult> {
        microbenchmarks.push(input);
        await maybeDelay('microbenchmark');
        const code = codeByFolder.get(input.runFolder) ?? '';
        if (code.includes('NO_BENCH')) throw ApplicationFailure.create({ type: 'BenchmarkOutputMissing', message: 'scripted: no KISYSTEM_BENCH line', nonRetryable: true });
        if (code.includes('BENCH_FAILS')) {
          const output = 'KISYSTEM_BENCH_ERROR wrong result at C[5][7]: 1.5, expected 2.25';
          throw ApplicationFailure.create({ type: 'BenchmarkFailed', message: `scripted: benchmark exited with 1: ${output}`, nonRetryable: true, details: [{ exitCode: 1, signal: null, timedOut: false, output }] });
        }
        const ms = marker(code, 'ms', 1);
        return { medianMs: ms, timesMs: [ms], durationMs: 1000, output: `KISYSTEM_BENCH kernel=k ms=${ms}` };
      },
      async fullProfile(input: FullProfileInput): Promise<FullProfileResult> {
        fullProfiles.push(input);
        await maybeDelay('fullProfile');
        const code = codeByFolder.get(input.runFolder) ?? '';
        const sol = marker(code, 'sol', 50);
        const ms = marker(code, 'ms', 1);
        return {
          tool: 'ncu',
          summary: {
            kernelName: 'k', launches: 1, medianDurationNs: ms * 1e6, smThroughputPct: sol, memoryThroughputPct: sol / 2, dramThroughputPct: sol / 2,
            achievedOccupancyPct: 60, bottleneck: 'compute', topRules: [{ name: 'SOLBottleneck', type: 'OPT', estimatedSpeedupPct: 12.5, description: 'scripted rule: use shared memory tiles' }],
          },
          score: sol,
          durationMs: 20000,
          fellBack: null,
        };
      },
      async recordProfile(input: RecordProfileInput): Promise<boolean> {
        if (profiles.some((p) => p.workflowRunId === input.workflowRunId && p.iteration === input.iteration)) return false;
        profiles.push(input);
        return true;
      },
      async recordRun(run: RecordRunInput): Promise<boolean> {
        maybeFault('recordRun');
        const key = `${run.workflowRunId}/${run.attemptNo}`;
        if (recordKeys.has(key)) return false;
        recordKeys.add(key);
        recorded.push(run);
        return true;
      },
    },
  };
}
