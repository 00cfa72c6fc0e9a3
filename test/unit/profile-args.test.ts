/**
 * activities/profile.ts without a GPU: the argument arrays, the profiler choice, and the activities
 * with a scripted process runner answering with the real H200 output in test/fixtures/h200/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { HostCapabilities } from '../../activities/host-capabilities';
import {
  chooseProfiler,
  createProfileActivities,
  ncuImportArgs,
  ncuProfileArgs,
  nsysProfileArgs,
  nsysStatsArgs,
} from '../../activities/profile';
import type { ProcessResult, RunProcessOptions } from '../../activities/run-process';
import { ProgramNotStartedError } from '../../activities/run-process';
import type { NsysProbeResult } from '../../activities/nsys-probe';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'h200', name), 'utf8');

const H200: HostCapabilities = {
  hostId: 'h200-1',
  hostQueue: 'kisystem-gpu@h200-1',
  gxx: 'g++ 13',
  nvcc: 'nvcc',
  gpus: [{ name: 'NVIDIA H200', computeCapability: '9.0' }],
  ncu: 'NVIDIA (R) Nsight Compute Command Line Profiler 2025.3.1',
  nsysWorks: false,
};

function done(output: string, exitCode = 0): ProcessResult {
  return { exitCode, signal: null, timedOut: false, cancelled: false, output, durationMs: 5 };
}

/** A runner that answers each call in turn and remembers the calls. */
function scriptedRunner(answers: (ProcessResult | Error)[]) {
  const calls: RunProcessOptions[] = [];
  const run = async (options: RunProcessOptions): Promise<ProcessResult> => {
    calls.push(options);
    const answer = answers[calls.length - 1];
    if (!answer) throw new Error(`unexpected call ${options.command.join(' ')}`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { run, calls };
}

/**
 * A scripted nsys probe answering as the real one does on a host whose nsys writes no report; it
 * counts its calls. Unit tests never start the real tool (test/integration/nsys-probe.test.ts does).
 */
function scriptedNsysProbe(result: NsysProbeResult) {
  const probe = { calls: 0, probe: async () => (probe.calls++, result) };
  return probe;
}
let nsysWithoutReports = scriptedNsysProbe({ works: false, why: 'nsys profile wrote no report' });
beforeEach(() => {
  nsysWithoutReports = scriptedNsysProbe({ works: false, why: 'nsys profile wrote no report' });
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('ncu argument arrays', () => {
  it('profiles into <runFolder>/prof with the two sections, the metrics, clocks left alone and its log off stdout', () => {
    expect(ncuProfileArgs('/runs/wf/1', ['./candidate', '--bench'], 'mm_tiled')).toEqual([
      'ncu',
      '--clock-control', 'none',
      '--section', 'SpeedOfLight',
      '--section', 'Occupancy',
      '--metrics', 'gpu__time_duration.sum,dram__bytes.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__warps_active.avg.pct_of_peak_sustained_active',
      '-k', 'regex:mm_tiled',
      '--launch-count', '1',
      '--log-file', 'stderr', // ncu's own lines would land among the answer frames on stdout
      '-f', '-o', '/runs/wf/1/prof',
      './candidate', '--bench',
    ]);
  });

  it('profiles the first kernel launch without a regex, and a trailing slash does not double', () => {
    const args = ncuProfileArgs('/runs/wf/1/', ['./bench'], null);
    expect(args).not.toContain('-k');
    expect(args).toContain('--launch-count');
    expect(args.slice(-4)).toEqual(['-f', '-o', '/runs/wf/1/prof', './bench']);
  });

  it('reads the report back with --import --csv (never live stdout)', () => {
    expect(ncuImportArgs('/runs/wf/1')).toEqual(['ncu', '--import', '/runs/wf/1/prof.ncu-rep', '--csv']);
  });

  it('keeps a regex with blanks or shell characters as one argument', () => {
    const args = ncuProfileArgs('/r', ['./b'], 'mm_(tiled|naive); rm -rf /');
    expect(args[args.indexOf('-k') + 1]).toBe('regex:mm_(tiled|naive); rm -rf /');
  });

  it('refuses an empty command', () => {
    expect(() => ncuProfileArgs('/r', [])).toThrow('the benchmark command is empty');
    expect(() => nsysProfileArgs('/r', [])).toThrow('the benchmark command is empty');
  });

  it('has the nsys arrays ready (report, then the kernel summary as CSV)', () => {
    expect(nsysProfileArgs('/r', ['./b'])).toEqual(['nsys', 'profile', '--trace=cuda', '--force-overwrite=true', '-o', '/r/prof', './b']);
    expect(nsysStatsArgs('/r')).toEqual(['nsys', 'stats', '--report', 'cuda_gpu_kern_sum', '--format', 'csv', '/r/prof.nsys-rep']);
  });
});

describe('chooseProfiler', () => {
  const caps = (ncu: string | null, nsysWorks: boolean) => ({ hostId: 'h', ncu, nsysWorks });

  it.each([
    ['auto', caps('ncu', false), null],
    ['auto', caps('ncu', true), null],
    ['ncu', caps('ncu', true), null],
    ['nsys', caps('ncu', false), 'nsys was asked for, but it does not work on host h (missing or cannot write reports); fell back to ncu'],
    ['nsys', caps('ncu', true), 'nsys was asked for, but it gives no speed-of-light score; tier 1 used ncu on host h'],
  ] as const)('%s with %o -> ncu, fellBack %p', (requested, capabilities, fellBack) => {
    expect(chooseProfiler(requested, capabilities)).toEqual({ ok: true, tool: 'ncu', fellBack });
  });

  it.each(['auto', 'ncu', 'nsys'] as const)('%s without ncu is a clear error', (requested) => {
    const none = chooseProfiler(requested, caps(null, false));
    expect(none).toEqual({ ok: false, message: expect.stringContaining('ncu (Nsight Compute) is missing, and no working nsys either') });
    const nsysOnly = chooseProfiler(requested, caps(null, true));
    expect(nsysOnly).toEqual({ ok: false, message: expect.stringContaining('nsys works here, but it gives no throughput % of peak') });
  });
});

describe('microbenchmark activity', () => {
  it('runs the benchmark in the run folder with the seed and takes the median of the bench lines', async () => {
    const runner = scriptedRunner([done('warm-up\nKISYSTEM_BENCH kernel=mm ms=1.5\nKISYSTEM_BENCH kernel=mm ms=1.2\nKISYSTEM_BENCH kernel=mm ms=1.3\n')]);
    const { microbenchmark } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const result = await microbenchmark({ runFolder: '/runs/1', command: ['./candidate', '--bench'], timeoutS: 30, keepChars: 1000, seed: 42 });
    expect(result).toMatchObject({ medianMs: 1.3, timesMs: [1.5, 1.2, 1.3] });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(runner.calls[0]).toMatchObject({ command: ['./candidate', '--bench'], cwd: '/runs/1', timeoutMs: 30000, keepChars: 1000 });
    expect(runner.calls[0]!.env!.KISYSTEM_SEED).toBe('42');
  });

  it('a program without a bench line is BenchmarkOutputMissing, not retried, with the reason', async () => {
    const runner = scriptedRunner([done('kernel_ms=167.5 gflops=102.6\n', 0)]);
    const { microbenchmark } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const failure = await failureOf(microbenchmark({ runFolder: '/r', command: ['./b'], timeoutS: 1, keepChars: 100, seed: 1 }));
    expect(failure.type).toBe('BenchmarkOutputMissing');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('no KISYSTEM_BENCH line in the benchmark output');
  });

  it('a crashed benchmark is BenchmarkFailed, saying how it ended, with the run for the categorizer', async () => {
    const runner = scriptedRunner([{ ...done('Segmentation fault'), exitCode: null, signal: 'SIGSEGV' }]);
    const { microbenchmark } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const failure = await failureOf(microbenchmark({ runFolder: '/r', command: ['./b'], timeoutS: 1, keepChars: 100, seed: 1 }));
    expect(failure.type).toBe('BenchmarkFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('was killed by SIGSEGV');
    expect(failure.details).toEqual([{ exitCode: null, signal: 'SIGSEGV', timedOut: false, output: 'Segmentation fault' }]);
  });

  it('times printed by a run that then exits 1 (a wrong result at the benchmark size) never count', async () => {
    const output = 'KISYSTEM_BENCH kernel=mm ms=0.1\nKISYSTEM_BENCH_ERROR wrong result at C[3][4]\n';
    const runner = scriptedRunner([done(output, 1)]);
    const { microbenchmark } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const failure = await failureOf(microbenchmark({ runFolder: '/r', command: ['./b', '--bench'], timeoutS: 1, keepChars: 100, seed: 1 }));
    expect(failure.type).toBe('BenchmarkFailed');
    expect(failure.message).toContain('exited with 1');
    expect(failure.message).toContain('KISYSTEM_BENCH_ERROR wrong result at C[3][4]');
  });
});

describe('fullProfile activity', () => {
  it('profiles with ncu, imports the report, and scores the real H200 report (91.44, memory-bound)', async () => {
    const runner = scriptedRunner([done('==PROF== Connected\nkernel_ms=1.8\n==PROF== Report: /runs/1/prof.ncu-rep\n'), done(fixture('ncu_mm_tiled_details.csv'))]);
    const { fullProfile } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const result = await fullProfile({ runFolder: '/runs/1', command: ['./candidate', '--bench'], kernelRegex: 'mm_tiled', tool: 'auto', timeoutS: 900, keepChars: 1000 });
    expect(runner.calls.map((c) => c.command)).toEqual([ncuProfileArgs('/runs/1', ['./candidate', '--bench'], 'mm_tiled'), ncuImportArgs('/runs/1')]);
    expect(runner.calls.every((c) => c.cwd === '/runs/1')).toBe(true);
    // The CSV must be read whole, whatever output_keep_chars says.
    expect(runner.calls[1]!.keepChars).toBeGreaterThan(1_000_000);
    expect(result).toMatchObject({ tool: 'ncu', score: 91.44, fellBack: null });
    expect(result.summary.bottleneck).toBe('memory');
    expect(result.tool === 'ncu' && result.summary.kernelName).toBe('mm_tiled(const float *, const float *, float *, int)');
  });

  it('falls back to ncu visibly when nsys was asked for but does not work', async () => {
    const runner = scriptedRunner([done(''), done(fixture('ncu_mm_tiled_details.csv'))]);
    const { fullProfile } = createProfileActivities({ capabilities: { ...H200 }, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const result = await fullProfile({ runFolder: '/r', command: ['./b'], tool: 'nsys', timeoutS: 9, keepChars: 10 });
    expect(result.fellBack).toBe('nsys was asked for, but it does not work on host h200-1 (nsys profile wrote no report); fell back to ncu');
    expect(nsysWithoutReports.calls).toBe(1);
  });

  it('an unparsable report is ProfileUnparsable, never a zero score', async () => {
    for (const text of ['', fixture('ncu_live_stdout_sol.csv'), 'garbage\n']) {
      const runner = scriptedRunner([done(''), done(text)]);
      const { fullProfile } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
      const failure = await failureOf(fullProfile({ runFolder: '/r', command: ['./b'], tool: 'auto', timeoutS: 9, keepChars: 10 }));
      expect(failure.type).toBe('ProfileUnparsable');
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('cannot be read');
    }
  });

  it('ncu failing while profiling is ProfileUnparsable with its output', async () => {
    const runner = scriptedRunner([done('==ERROR== ERR_NVGPUCTRPERM - The user does not have permission', 1)]);
    const { fullProfile } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const failure = await failureOf(fullProfile({ runFolder: '/r', command: ['./b'], tool: 'auto', timeoutS: 9, keepChars: 10 }));
    expect(failure.type).toBe('ProfileUnparsable');
    expect(failure.message).toContain('ncu exited with 1');
    expect(failure.message).toContain('ERR_NVGPUCTRPERM');
  });

  it('no profiler on the host is ProfilerMissing before anything runs', async () => {
    const runner = scriptedRunner([]);
    const { fullProfile } = createProfileActivities({ capabilities: { ...H200, ncu: null }, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const failure = await failureOf(fullProfile({ runFolder: '/r', command: ['./b'], tool: 'auto', timeoutS: 9, keepChars: 10 }));
    expect(failure.type).toBe('ProfilerMissing');
    expect(failure.message).toContain('and no working nsys either: nsys profile wrote no report');
    expect(nsysWithoutReports.calls).toBe(1);
    expect(runner.calls).toHaveLength(0);
  });

  it('an ncu that cannot be started is ProfilerMissing', async () => {
    const runner = scriptedRunner([new ProgramNotStartedError('ncu', 'ENOENT', 'cannot start ncu: spawn ncu ENOENT')]);
    const { fullProfile } = createProfileActivities({ capabilities: H200, run: runner.run, probeNsys: nsysWithoutReports.probe });
    const failure = await failureOf(fullProfile({ runFolder: '/r', command: ['./b'], tool: 'auto', timeoutS: 9, keepChars: 10 }));
    expect(failure.type).toBe('ProfilerMissing');
    expect(failure.message).toContain('spawn ncu ENOENT');
  });
});
