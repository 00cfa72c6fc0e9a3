/**
 * Benchmark of two-tier profiling, on a machine with an NVIDIA GPU, nvcc and Nsight Compute.
 *
 *   npm run build && node dist/scripts/bench-two-tier.js [--iterations 10] [--keep]       live, on a GPU host
 *   npm run build && node dist/scripts/bench-two-tier.js --task transpose-blocked --iterations 13
 *                                                        live, a C++ task (g++ and valgrind, no GPU)
 *   ... --only two-tier --out a.json & ... --only always-full --out b.json; ... --judge a.json b.json
 *                                                        the two runs at once (under the same load), judged together
 *   npm run build && node dist/scripts/bench-two-tier.js --replay <recording.json>        anywhere
 *
 * Live: everything below runs on the GPU host. Replay: a GPU machine without Temporal or Postgres (like
 * the lent H200) records what the real host activities return for each kernel
 * (scripts/gpu/record-two-tier.ts: build, test, microbenchmark AND full profile of every kernel, with
 * their measured durations); here the real task workflow runs on a local dev server with those
 * results served back (bench/two-tier-replay.ts), so the tier decisions are the workflow's own
 * and the profiling times are sums of measured activity durations. Both modes then see the same
 * measurement of each kernel (no run-to-run noise between them).
 *
 * The tiled matrix multiplication example (examples/matmul-tiled) goes through the REAL stack: a
 * private Temporal dev server, a Postgres database of its own (`kisystem_bench_two_tier`, emptied
 * first), both workers as processes (real nvcc builds, the real harness, the real benchmark program,
 * real `ncu`), and the scripted model server (tests and demos only, not a model) playing one model,
 * `kisystem-bench-coder`, that hands in a fixed sequence of real kernels
 * (examples/matmul-tiled/optimization/two-tier-script.yaml): the baseline, then 10 optimization
 * candidates, some faster, some slower, one large regression, one incorrect.
 *
 * The same task runs twice, with `enable_two_tier_profiling` on and off (every iteration fully
 * profiled). Settings of both runs: target_score 100, max_optimization_iterations --iterations,
 * stoploss_per_model 20 (the sequence must be played to its end: this measures profiling, not
 * escalation), CUDA routed to the scripted model only. Everything else is config/optimization_config.json.
 *
 * It prints, per run, each iteration (tier, trigger rule, score, median kernel time, accepted or
 * rejected) and the profiling time measured by the activities (microbenchmark and full profile, wall
 * clock of each activity, from the workflow's result); then the saving of two-tier in %, whether every
 * regression larger than the threshold got a full profile in the two-tier run, and whether the
 * incorrect kernel was rejected in both runs. A regression larger than the threshold is an iteration
 * whose full-profile score in the always-full run (ncu on every candidate: the ground truth) fell by
 * more than `score_change_threshold` against the previous profiled iteration. Target: >= 60 % saved,
 * every such regression caught, the incorrect kernel rejected. Exit code 0 when all three hold, 1 when
 * not, 2 when the machine cannot run it (no GPU, nvcc or ncu: nothing is measured).
 */
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { readFileSync, writeFileSync } from 'node:fs';
import { combineRuns, DEFAULT_TWO_TIER_TASK, describe, judge, missingForBenchmark, report, runTwoTierBenchmark, type BenchMode, type BenchRunFile } from '../bench/two-tier-bench';

const USAGE = `usage: node dist/scripts/bench-two-tier.js [options]
  The optimization of one example task through the real stack, twice: two-tier profiling on, then
  every iteration fully profiled; prints the profiling time saved and whether the targets hold.
  --task <example>        examples/<example>/optimization/two-tier-script.yaml (default ${DEFAULT_TWO_TIER_TASK};
                          transpose-blocked and fir-filter are C++: g++ and valgrind, no GPU)
  --iterations <n>        optimization iterations after the baseline (default 10)
  --only two-tier|always-full --out <file>
                          one of the two runs, written to <file> (run both at once, under the same load)
  --judge <file> <file>   judges two --only files together
  --replay <recording>    the real workflow on a recording made on a GPU machine (scripts/gpu/record-two-tier.ts)
  --keep                  keeps the data folder
Exit status 0 when every target holds. Figures: docs/benchmarks.md.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      iterations: { type: 'string', default: '10' },
      keep: { type: 'boolean', default: false },
      replay: { type: 'string' },
      task: { type: 'string', default: DEFAULT_TWO_TIER_TASK },
      only: { type: 'string' },
      out: { type: 'string' },
      judge: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.judge) {
    // Two runs of separate processes (--only two-tier / --only always-full --out <file>) judged together.
    if (positionals.length !== 2) throw new Error('--judge needs the two files written by --only ... --out <file>');
    const [a, b] = positionals.map((f) => JSON.parse(readFileSync(f, 'utf8')) as BenchRunFile);
    const result = combineRuns(a!, b!);
    const verdict = judge(result);
    console.log(report(result, verdict).join('\n'));
    return verdict.met ? 0 : 1;
  }
  if (values.only !== undefined && values.only !== 'two-tier' && values.only !== 'always-full') throw new Error(`--only must be two-tier or always-full, got ${values.only}`);
  const only = values.only as BenchMode | undefined;
  if (only && !values.out) throw new Error('--only needs --out <file> (judge two of them with --judge <file> <file>)');
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be an integer >= 1, got ${values.iterations}`);
  if (!values.replay) {
    const missing = await missingForBenchmark(values.task);
    if (missing) {
      console.log(`bench-two-tier: this machine cannot run the benchmark of ${values.task} live: ${missing}. Nothing was measured. A CUDA task needs a host with an NVIDIA GPU, nvcc and Nsight Compute (or record there with scripts/gpu/record-two-tier.ts and replay here with --replay); a C++ task needs g++ and valgrind.`);
      return 2;
    }
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const result = await runTwoTierBenchmark({ iterations, task: values.task, replay: values.replay, keepDataDir: values.keep, only });
  if (only) {
    const optimization = only === 'two-tier' ? result.twoTier : result.full;
    const finalCode = (only === 'two-tier' ? result.finalCode?.twoTier : result.finalCode?.full) ?? null;
    writeFileSync(values.out!, JSON.stringify({ mode: only, optimization, finalCode, threshold: result.threshold } satisfies BenchRunFile, null, 2));
    console.log(describe(only, optimization).join('\n'));
    console.log(`written to ${values.out}; judge with --judge <two-tier file> <always-full file>`);
    return 0;
  }
  const verdict = judge(result);
  console.log('');
  console.log(report(result, verdict).join('\n'));
  return verdict.met ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
