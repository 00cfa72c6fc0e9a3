/**
 * The optimization phase on a real Temporal dev server with scripted activities: the
 * scripted microbenchmark and full profile answer from markers in the candidate's code
 * (`ms=<median ms>`, `sol=<speed-of-light %>`), see test/helpers/scripted-activities.ts.
 */
import { Worker } from '@temporalio/worker';
import { createHostProbe } from '../../activities/host-probe';
import { probeQueueOf } from '../../policy/rules/host-loss';
import { parseConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { stateQuery, type TaskResult, type TaskWorkflowInput } from '../../contracts/task-messages';
import { createScriptedActivities, fence, type ScriptedWorld } from '../helpers/scripted-activities';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { cudaTask, useTestServer } from '../helpers/workflow-test-env';

jest.setTimeout(120_000);

const env = useTestServer();


const benchTask: ResolvedTask = { ...cudaTask, benchmark: { command: ['./candidate', '--bench'], kernel_regex: 'mm_tiled', reference_ms: 2 } };

const FIRST = 'qwen2.5-coder:32b';
const SECOND = 'deepseek-r1:32b';

function config(overrides: Record<string, unknown> = {}): KisystemConfig {
  return parseConfig('(test)', { retry_build: 0, retry_test: 0, retry_llm: 0, retry_profile: 0, timeouts: { manual_fallback: 600, heartbeat: 10 }, ...overrides });
}

/** A correct candidate with the given median time and (full-profile) speed-of-light score. */
function ok(ms: number, sol?: number): string {
  return fence(`OK ms=${ms}${sol === undefined ? '' : ` sol=${sol}`}`, 'cuda');
}

async function runTask(task: ResolvedTask, world: Omit<ScriptedWorld, 'hostQueue'>, cfg: KisystemConfig) {
  const taskQueue = uniqueName('opt-test');
  const scripted = createScriptedActivities({ ...world, hostQueue: taskQueue });
  const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: scripted.activities });
  const workflowId = uniqueName(task.id);
  const input: TaskWorkflowInput = { task, config: cfg, queues: { gpu: taskQueue, cuda: taskQueue } };
  return worker.runUntil(async () => {
    const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId, args: [input] });
    const result = (await handle.result()) as TaskResult;
    const state = await handle.query(stateQuery);
    const history = await handle.fetchHistory();
    return { result, state, scripted, history };
  });
}

/** The activity summaries (what the Web UI shows on the timeline) of one activity type, in order. */
function activitySummaries(history: Awaited<ReturnType<typeof runTask>>['history'], activity: string): string[] {
  const out: string[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled || scheduled.activityType?.name !== activity) continue;
    const data = event.userMetadata?.summary?.data;
    out.push(data ? JSON.parse(Buffer.from(data).toString('utf8')) : '');
  }
  return out;
}

describe('optimization phase', () => {
  it("follows the guide's example flow 75, 78, 82, 88: tier 1 at iterations 0 and 3", async () => {
    const run = await runTask(
      benchTask,
      { replies: { [FIRST]: [ok(1, 75), ok(75 / 78), ok(75 / 82), ok(75 / 88, 88)] } },
      config({ target_score: 95, max_optimization_iterations: 3 }),
    );
    const o = run.result.optimization!;
    expect(run.result.status).toBe('succeeded');
    expect(o.iterations.map((i) => i.tier)).toEqual([1, 0, 0, 1]);
    expect(o.iterations.map((i) => i.rule)).toEqual(['baseline', 'no-trigger', 'no-trigger', 'score-change']);
    expect(o.iterations.map((i) => Math.round(i.score!))).toEqual([75, 78, 82, 88]);
    expect(o.iterations.every((i) => i.accepted)).toBe(true);
    expect(o.iterations[3]!.summary).toBe('iteration 3: tier 1, score +6 > 5');
    expect(o).toMatchObject({ bestIteration: 3, bestScore: 88, profileMsTier0: 4000, profileMsTier1: 40000, fellBack: null });
    expect(o.stopReason).toBe('3 optimization iterations used');
    expect(run.result.finalCode).toEqual([{ path: 'matmul.cu', content: `OK ms=${75 / 88} sol=88\n` }]);
    // Four microbenchmarks, two full profiles, with the task's benchmark command and kernel regex.
    expect(run.scripted.microbenchmarks).toHaveLength(4);
    expect(run.scripted.fullProfiles.map((p) => [p.command, p.kernelRegex, p.tool])).toEqual([
      [['./candidate', '--bench'], 'mm_tiled', 'auto'],
      [['./candidate', '--bench'], 'mm_tiled', 'auto'],
    ]);
    // The decisions are on the Web UI's timeline.
    expect(activitySummaries(run.history, 'fullProfile')).toEqual(['iteration 0: tier 1, baseline', 'iteration 3: tier 1, score +6 > 5']);
    const records = activitySummaries(run.history, 'recordRun');
    expect(records[2]).toMatch(/^#3 qwen2\.5-coder:32b: iteration 2: tier 0, score \+4 <= 5/);
    // Each optimization run is in the history; the prompt carries the profile's figures.
    expect(run.scripted.recorded.map((r) => [r.attemptNo, r.outcome, r.phase])).toEqual([
      [1, 'success', 'TEST'],
      [2, 'success', 'PROFILE'],
      [3, 'success', 'PROFILE'],
      [4, 'success', 'PROFILE'],
    ]);
    const prompt = run.scripted.generated[1]!.messages[1]!.content;
    expect(prompt).toContain('bottleneck: compute');
    expect(prompt).toContain('achieved occupancy: 60 %');
    expect(prompt).toContain('SOLBottleneck (estimated speedup 12.5 %)');
    expect(prompt).toContain('OK ms=1 sol=75');
    expect(run.state.optimization).toEqual(o);
    // Every profiled iteration is stored with its tier, decision and measured durations.
    expect(run.scripted.profiles.map((p) => [p.iteration, p.tier, p.rule, p.microbenchMs, p.fullProfileMs, (p.profile && 'kernelName' in p.profile ? p.profile.kernelName : null)])).toEqual([
      [0, 1, 'baseline', 1000, 20000, 'k'],
      [1, 0, 'no-trigger', 1000, 0, null],
      [2, 0, 'no-trigger', 1000, 0, null],
      [3, 1, 'score-change', 1000, 20000, 'k'],
    ]);
    expect(run.scripted.profiles.map((p) => (p.scoreChange === null ? null : Math.round(p.scoreChange)))).toEqual([null, 3, 4, 6]);
  });

  it('stops as soon as the target score is reached', async () => {
    const run = await runTask(
      benchTask,
      { replies: { [FIRST]: [ok(1, 70), ok(0.8, 85), ok(0.5, 99)] } },
      config({ target_score: 80, max_optimization_iterations: 10 }),
    );
    const o = run.result.optimization!;
    expect(o.iterations.map((i) => [i.iteration, i.tier, i.score])).toEqual([
      [0, 1, 70],
      [1, 1, 85],
    ]);
    expect(o.stopReason).toBe('target score 80 reached (85)');
    expect(run.scripted.generated).toHaveLength(2);
    expect(run.result.finalCode![0]!.content).toBe('OK ms=0.8 sol=85\n');
  });

  it('does not optimize at all when the baseline already reaches the target', async () => {
    const run = await runTask(benchTask, { replies: { [FIRST]: [ok(1, 90)] } }, config({ target_score: 80 }));
    expect(run.result.optimization!.iterations).toHaveLength(1);
    expect(run.scripted.generated).toHaveLength(1);
  });

  it('a regression keeps the previous best', async () => {
    const run = await runTask(
      benchTask,
      { replies: { [FIRST]: [ok(1, 60), ok(0.9, 66), ok(1.5, 40)] } },
      config({ target_score: 95, max_optimization_iterations: 2 }),
    );
    const o = run.result.optimization!;
    expect(o.iterations.map((i) => [i.iteration, i.accepted, i.rejectedAs])).toEqual([
      [0, true, null],
      [1, true, null],
      [2, false, 'PERFORMANCE'],
    ]);
    expect(o.iterations[2]!.tier).toBe(1); // a fall of more than the threshold is fully profiled
    expect(o).toMatchObject({ bestIteration: 1, bestTimeMs: 0.9 });
    expect(run.result.finalCode![0]!.content).toBe('OK ms=0.9 sol=66\n');
    const last = run.scripted.recorded[run.scripted.recorded.length - 1]!;
    expect(last).toMatchObject({ attemptNo: 3, outcome: 'failure', phase: 'PROFILE', errorType: 'PERFORMANCE', rule: 'score-regression' });
    expect(run.result.runs[2]!.decision).toMatchObject({ kind: 'retry' });
  });

  it('rejects a faster but wrong kernel as LOGIC: not profiled, never the best', async () => {
    const run = await runTask(
      benchTask,
      { replies: { [FIRST]: [ok(1, 60), fence('WRONG ms=0.1 sol=99', 'cuda'), ok(0.9, 66)] } },
      config({ target_score: 95, max_optimization_iterations: 2 }),
    );
    const o = run.result.optimization!;
    expect(o.iterations.map((i) => [i.iteration, i.accepted, i.rejectedAs, i.tier])).toEqual([
      [0, true, null, 1],
      [1, false, 'LOGIC', null],
      [2, true, null, 1],
    ]);
    expect(run.scripted.recorded[1]).toMatchObject({ attemptNo: 2, outcome: 'failure', phase: 'TEST', errorType: 'LOGIC' });
    // Only the correct candidates were timed and stored.
    expect(run.scripted.profiles.map((p) => p.iteration)).toEqual([0, 2]);
    expect(run.scripted.microbenchmarks.map((m) => m.runFolder.split('/').pop())).toEqual(['1', '3']);
    expect(o.bestIteration).toBe(2);
    expect(run.result.finalCode![0]!.content).toBe('OK ms=0.9 sol=66\n');
    // The next prompt tells the model why its last attempt was rejected.
    expect(run.scripted.generated[2]!.messages[1]!.content).toContain('was not accepted (LOGIC in TEST)');
  });

  it('rejects a candidate whose benchmark program fails (a wrong result at the benchmark size): its times never count', async () => {
    const run = await runTask(
      benchTask,
      { replies: { [FIRST]: [ok(1, 60), fence('OK BENCH_FAILS ms=0.1', 'cuda'), ok(0.9, 66)] } },
      config({ target_score: 95, max_optimization_iterations: 2 }),
    );
    const o = run.result.optimization!;
    expect(o.iterations.map((i) => [i.iteration, i.accepted, i.rejectedAs, i.tier, i.timeMs])).toEqual([
      [0, true, null, 1, 1],
      [1, false, 'RUNTIME', null, null],
      [2, true, null, 1, 0.9],
    ]);
    expect(o.iterations[1]!.summary).toBe('iteration 1: rejected (RUNTIME: the benchmark program failed), not profiled');
    expect(run.scripted.recorded[1]).toMatchObject({ attemptNo: 2, outcome: 'failure', phase: 'PROFILE', errorType: 'RUNTIME' });
    expect(run.scripted.profiles.map((p) => p.iteration)).toEqual([0, 2]);
    expect(o.bestIteration).toBe(2);
  });

  it('escalates on optimization failures with its own stop-loss counter', async () => {
    const run = await runTask(
      benchTask,
      { replies: { [FIRST]: [fence('WRONG', 'cuda'), ok(1, 60), fence('WRONG', 'cuda'), fence('WRONG', 'cuda')], [SECOND]: [ok(0.5)] } },
      config({ target_score: 95, max_optimization_iterations: 3, stoploss_per_model: 2 }),
    );
    // Generation: one failure of the first model, then a pass; optimization counts from zero again.
    expect(run.result.escalations).toEqual([]);
    const o = run.result.optimization!;
    expect(o.escalations).toEqual([expect.objectContaining({ afterAttempt: 4, from: FIRST, to: SECOND, rule: 'stoploss' })]);
    expect(o.iterations.map((i) => [i.model, i.accepted])).toEqual([
      [FIRST, true],
      [FIRST, false],
      [FIRST, false],
      [SECOND, true],
    ]);
    expect(o.bestIteration).toBe(3);
  });

  it('ends the phase with its reason when the benchmark prints no bench line, keeping the passing code', async () => {
    const run = await runTask(benchTask, { replies: { [FIRST]: [fence('OK NO_BENCH', 'cuda')] } }, config());
    expect(run.result.status).toBe('succeeded');
    expect(run.result.optimization!.iterations).toEqual([]);
    expect(run.result.optimization!.stopReason).toMatch(/^the baseline could not be profiled: BenchmarkOutputMissing/);
    expect(run.result.finalCode![0]!.content).toBe('OK NO_BENCH\n');
  });

  it('a task without a benchmark runs no optimization', async () => {
    const run = await runTask(cudaTask, { replies: { [FIRST]: [ok(1, 60), ok(0.5, 90)] } }, config());
    expect(run.result.optimization).toBeNull();
    expect(run.result.runs).toHaveLength(1);
    expect(run.scripted.generated).toHaveLength(1);
    expect(run.scripted.microbenchmarks).toHaveLength(0);
    expect(run.scripted.fullProfiles).toHaveLength(0);
  });

  it('max_optimization_iterations 0 turns the phase off', async () => {
    const run = await runTask(benchTask, { replies: { [FIRST]: [ok(1, 60)] } }, config({ max_optimization_iterations: 0 }));
    expect(run.result.optimization).toBeNull();
    expect(run.scripted.microbenchmarks).toHaveLength(0);
  });
});

describe('a host lost before the profile', () => {
  it('builds the passing candidate again on a live host and profiles it there; no run is recorded twice', async () => {
    const taskQueue = uniqueName('opt-host-loss');
    const doomedQueue = `${taskQueue}-doomed`;
    const scripted = createScriptedActivities({ replies: { [FIRST]: [ok(1, 75), ok(0.5)] }, hostQueue: taskQueue });
    // The first claim names a host that builds and tests the candidate, then stops polling for good
    // (its worker shuts down as the test returns): its probe goes unanswered.
    let claims = 0;
    const claimHost = async () => (++claims === 1 ? { hostId: 'doomed-host', hostQueue: doomedQueue, hasGpu: true, hasNvcc: true, description: 'doomed-host' } : scripted.activities.claimHost(true));
    const doomed = await Worker.create({
      connection: env().nativeConnection,
      taskQueue: doomedQueue,
      activities: {
        buildCandidate: async (input: Parameters<typeof scripted.activities.buildCandidate>[0]) => ({ ...(await scripted.activities.buildCandidate(input)), host: 'doomed-host' }),
        testCandidate: async (input: Parameters<typeof scripted.activities.testCandidate>[0]) => {
          const result = await scripted.activities.testCandidate(input);
          setImmediate(() => doomed.shutdown());
          return { ...result, host: 'doomed-host' };
        },
      },
    });
    const doomedRun = doomed.run();
    const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: { ...scripted.activities, claimHost } });
    // The live host answers its probe, as a GPU worker does: a step it picks up late on a loaded
    // machine is waited for, not taken for a lost host (which would add a claim and a build).
    const liveProbe = await Worker.create({ connection: env().nativeConnection, taskQueue: probeQueueOf(taskQueue), activities: createHostProbe('scripted-host') });
    const cfg = config({ target_score: 95, max_optimization_iterations: 1, timeouts: { manual_fallback: 600, heartbeat: 10, host_probe_after: 2, host_probe: 5 } });
    const input: TaskWorkflowInput = { task: benchTask, config: cfg, queues: { gpu: taskQueue, cuda: taskQueue } };
    const { result, history } = await liveProbe.runUntil(
      worker.runUntil(async () => {
        const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId: uniqueName('host-loss'), args: [input] });
        return { result: (await handle.result()) as TaskResult, history: await handle.fetchHistory() };
      }),
    );
    await doomedRun;
    expect(result.status).toBe('succeeded');
    expect(result.optimization!.iterations.map((i) => [i.iteration, i.accepted])).toEqual([[0, true], [1, true]]);
    // The baseline: built on the doomed host, built again on the live one, measured and profiled there.
    const builds = activitySummaries(history, 'buildCandidate');
    expect(builds).toHaveLength(3);
    expect(builds[1]).toMatch(/^iteration 0 \(moved: host doomed-host .*\): build on scripted-host/);
    expect(scripted.microbenchmarks.map((m) => m.runFolder.slice(-2))).toEqual(['/1', '/2']);
    expect(scripted.fullProfiles[0]!.runFolder.slice(-2)).toBe('/1');
    expect(claims).toBe(3);
    // The move is no run: each answer is recorded once.
    expect(scripted.recorded.map((r) => [r.attemptNo, r.outcome])).toEqual([
      [1, 'success'],
      [2, 'success'],
    ]);
  });
});
