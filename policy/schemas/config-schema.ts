/**
 * `config/optimization_config.json`: the guide's section 7 plus what the project needs.
 *
 * Pure: the file is read by the client or a worker, validated here once, frozen, and passed to each
 * workflow in its input, so that a running task keeps the settings it started with.
 */
import { z } from 'zod';
import { DOMAINS } from '../rules/domains';
import { formatIssues } from './zod-issues';

const modelName = z.string().min(1).max(200);
const weight = z.number().min(0, 'must be a number between 0 and 1').max(1, 'must be a number between 0 and 1');
const seconds = z.number().int().positive();

/** The guide's routing table (section 2). */
export const DEFAULT_ROUTES: Record<(typeof DOMAINS)[number], string[]> = {
  'CUDA/Kernel': ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b'],
  'C++/System': ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'],
  'Audio/DSP': ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'],
  'Tests/Docs': ['phi4:latest', 'mistral:7b', 'llama3.1:8b', 'qwen2.5:32b'],
  'Planning/Refactor': ['qwen2.5:32b', 'deepseek-r1:32b', 'mistral:7b'],
};

const chain = z
  .array(modelName)
  .min(1, 'a chain needs at least one model')
  .refine((models) => new Set(models).size === models.length, 'a model may appear only once in a chain');

const weightsSummingToOne = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .strict()
    .refine(
      (weights) => Math.abs(Object.values(weights as Record<string, number>).reduce((a, b) => a + b, 0) - 1) < 1e-9,
      'weights must sum to 1',
    );

export const configSchema = z
  .object({
    max_optimization_iterations: z.number().int().min(0).default(10),
    target_score: z.number().min(0).max(100).default(80),
    retry_build: z.number().int().min(0).max(20).default(2),
    retry_test: z.number().int().min(0).max(20).default(1),
    retry_profile: z.number().int().min(0).max(20).default(1),
    /** Retries of an LLM call after an infrastructure fault (server down, 5xx). */
    retry_llm: z.number().int().min(0).max(50).default(5),
    stoploss_per_model: z.number().int().min(1).max(20).default(2),
    max_concurrent_builds: z.number().int().min(1).max(64).default(3),
    enable_meta_supervisor: z.boolean().default(true),
    enable_two_tier_profiling: z.boolean().default(true),
    /** Tier-1 profiler: "auto" (the host decides), "ncu" or "nsys" (falls back to ncu, visibly, where nsys does not work). */
    profiler: z.enum(['auto', 'ncu', 'nsys']).default('auto'),
    enable_async_io: z.boolean().default(true),
    meta_supervisor_weights: weightsSummingToOne({
      failure_weight: weight.default(0.5),
      time_weight: weight.default(0.2),
      count_weight: weight.default(0.2),
      recency_weight: weight.default(0.1),
    }).default({ failure_weight: 0.5, time_weight: 0.2, count_weight: 0.2, recency_weight: 0.1 }),
    hybrid_decision_weights: weightsSummingToOne({
      meta_bias: weight.default(0.4),
      complexity: weight.default(0.3),
      failure_state: weight.default(0.3),
    }).default({ meta_bias: 0.4, complexity: 0.3, failure_state: 0.3 }),
    two_tier_profiling: z
      .object({
        score_change_threshold: z.number().positive().default(5),
        max_tier0_streak: z.number().int().min(1).default(5),
      })
      .strict()
      .default({ score_change_threshold: 5, max_tier0_streak: 5 }),
    timeouts: z
      .object({
        build: seconds.default(300),
        test: seconds.default(120),
        profile: seconds.default(900),
        /** One model answer, streamed. */
        llm: seconds.default(900),
        /** How long the manual fallback waits for a person before the task ends as exhausted. */
        manual_fallback: seconds.default(7 * 24 * 3600),
        /** A build, test or LLM activity that stays silent this long is taken as lost (worker died) and retried. */
        heartbeat: seconds.default(30),
        /** How long a candidate's step may wait for its live but busy host before another host is claimed. */
        host_pickup: seconds.default(300),
        /** How long a step waits on its host's queue before the host is probed (policy/rules/host-loss.ts). */
        host_probe_after: seconds.default(15),
        /** How long the liveness probe waits for the host to answer; no answer: the host is gone. */
        host_probe: seconds.default(10),
      })
      .strict()
      .default({ build: 300, test: 120, profile: 900, llm: 900, manual_fallback: 7 * 24 * 3600, heartbeat: 30, host_pickup: 300, host_probe_after: 15, host_probe: 10 }),
    /** Meta-Supervisor settings beyond the guide's weights (decisions.md). */
    meta_supervisor: z
      .object({
        /** w = exp(-age_days / aging_days) in the model bias. */
        aging_days: z.number().positive().default(30),
        bias_min_success_rate: weight.default(0.65),
        bias_min_runs: z.number().int().min(1).default(5),
        /** R = +boost when the newest failure is younger than this. */
        recency_failure_days: z.number().positive().default(3),
        /** R = -boost when the newest success is younger than this (and no recent failure). */
        recency_success_days: z.number().positive().default(1),
        recency_boost: z.number().min(0).max(1).default(0.1),
        /** c saturates at this run count: min(1, c / count_saturation). */
        count_saturation: z.number().positive().default(20),
      })
      .strict()
      .default({ aging_days: 30, bias_min_success_rate: 0.65, bias_min_runs: 5, recency_failure_days: 3, recency_success_days: 1, recency_boost: 0.1, count_saturation: 20 }),
    /** Hybrid score -> model: the first tier whose `below` exceeds the score; the last has no bound. */
    hybrid_model_tiers: z
      .array(z.object({ below: z.number().min(0).max(1).nullable(), model: modelName }).strict())
      .min(1)
      .refine((tiers) => tiers[tiers.length - 1]!.below === null, 'the last tier must have "below": null (it takes every higher score)')
      .refine((tiers) => tiers.slice(0, -1).every((t, i, a) => t.below !== null && (i === 0 || t.below > a[i - 1]!.below!)), 'tiers must have increasing "below" bounds')
      .default([
        { below: 0.4, model: 'mistral:7b' },
        { below: 0.6, model: 'deepseek-coder-v2:16b' },
        { below: 0.8, model: 'qwen2.5-coder:32b' },
        { below: null, model: 'deepseek-r1:32b' },
      ]),
    /** ETA of a task (guide section 5): model base seconds x domain multiplier + overhead, until history has enough samples. */
    eta: z
      .object({
        model_seconds: z.record(modelName, z.number().positive()).default({ 'mistral:7b': 30, 'deepseek-coder-v2:16b': 120, 'qwen2.5-coder:32b': 300, 'deepseek-r1:32b': 900 }),
        default_model_seconds: z.number().positive().default(180),
        domain_multipliers: z.partialRecord(z.enum(DOMAINS), z.number().positive()).default({ 'CUDA/Kernel': 1.5, 'C++/System': 1.0, 'Audio/DSP': 1.2, 'Tests/Docs': 0.8 }),
        overhead_seconds: z.number().min(0).default(30),
        history_min_samples: z.number().int().min(1).default(5),
      })
      .strict()
      .default({
        model_seconds: { 'mistral:7b': 30, 'deepseek-coder-v2:16b': 120, 'qwen2.5-coder:32b': 300, 'deepseek-r1:32b': 900 },
        default_model_seconds: 180,
        domain_multipliers: { 'CUDA/Kernel': 1.5, 'C++/System': 1.0, 'Audio/DSP': 1.2, 'Tests/Docs': 0.8 },
        overhead_seconds: 30,
        history_min_samples: 5,
      }),
    /** Domain -> escalation chain; domains left out keep the guide's chain. */
    routing: z
      .partialRecord(z.enum(DOMAINS), chain)
      .default({})
      .transform((given) => ({ ...DEFAULT_ROUTES, ...given }) as Record<(typeof DOMAINS)[number], string[]>),
    /** Chain for a domain missing from `routing`. */
    default_route: chain.default(['mistral:7b']),
    llm: z
      .object({
        provider: z.enum(['ollama', 'openai']).default('ollama'),
        /** Ollama address; the OLLAMA_HOST environment variable wins. */
        ollama_host: z.string().default('http://127.0.0.1:11434'),
        /** OpenAI-compatible server (vLLM, llama.cpp server); KISYSTEM_OPENAI_BASE_URL wins. */
        openai_base_url: z.string().default('http://127.0.0.1:8000/v1'),
        /** Name of the environment variable holding the API key (never the key itself). */
        openai_api_key_env: z.string().default('KISYSTEM_OPENAI_API_KEY'),
        temperature: z.number().min(0).max(2).default(0.2),
        // --- model-server outages (waited out by the workflow), cold loads and the context window ---
        /** Ollama context window in tokens (options.num_ctx); Ollama's own default (a few thousand) truncates long prompts silently. */
        num_ctx: z.number().int().min(1024).max(1_048_576).default(16384),
        /** How long Ollama keeps the model loaded after a request (Ollama duration, e.g. "30m"; "-1" forever). */
        keep_alive: z.string().regex(/^(-1|0|\d+(\.\d+)?(ms|s|m|h))$/, 'an Ollama duration such as "30m", "2h", "0" or "-1"').default('30m'),
        /** Loading a big model and reading a long prompt may take minutes; no first token within this is an outage (LlmUnavailable). */
        first_token_timeout_seconds: z.number().int().min(1).max(86_400).default(900),
        /** How long a task waits for an unreachable model server (or a missing model) before it ends FAILED; never counted against a model. */
        outage_budget_seconds: z.number().int().min(0).max(30 * 86_400).default(21600),
      })
      .strict()
      .default({
        provider: 'ollama',
        ollama_host: 'http://127.0.0.1:11434',
        openai_base_url: 'http://127.0.0.1:8000/v1',
        openai_api_key_env: 'KISYSTEM_OPENAI_API_KEY',
        temperature: 0.2,
        num_ctx: 16384,
        keep_alive: '30m',
        first_token_timeout_seconds: 900,
        outage_budget_seconds: 21600,
      }),
    /** Resource limits for generated code (a first fence; a stronger sandbox comes later). */
    sandbox: z
      .object({
        cpu_seconds: seconds.default(60),
        memory_mb: z.number().int().min(64).default(4096),
        max_processes: z.number().int().min(8).default(256),
        max_file_mb: z.number().int().min(1).default(256),
        // ---- the sandbox (activities/sandbox.ts) -------------------------------------
        /** `bubblewrap` (default): model code runs sandboxed; `none`: unsandboxed, said in the worker log, run records and Web UI. */
        kind: z.enum(['bubblewrap', 'none']).default('bubblewrap'),
        /** The bwrap binary (KISYSTEM_BWRAP overrides it). */
        bwrap_path: z.string().min(1).default('bwrap'),
        /** Size limit of a run's folder and its private /tmp (MB), for build, test, benchmark and profile. */
        disk_mb: z.number().int().min(16).default(1024),
        /** Host memory of a CUDA test, benchmark or profile run, all its processes together (MB). */
        cuda_memory_mb: z.number().int().min(256).default(16384),
        /** Memory of a build, all compiler processes together (MB). */
        build_memory_mb: z.number().int().min(256).default(8192),
        /** A delegated cgroup v2 folder for the runs' cgroups; null: the worker's own cgroup, else cgroup v1. */
        cgroup_root: z.string().min(1).nullable().default(null),
        /** The unprivileged user a worker started as root runs model code as (created when missing); ignored when the worker is not root. */
        run_as_user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a user name (lower-case letters, digits, _ and -)').default('kisystem-sandbox'),
      })
      .strict()
      .default({
        cpu_seconds: 60,
        memory_mb: 4096,
        max_processes: 256,
        max_file_mb: 256,
        kind: 'bubblewrap',
        bwrap_path: 'bwrap',
        disk_mb: 1024,
        cuda_memory_mb: 16384,
        build_memory_mb: 8192,
        cgroup_root: null,
        run_as_user: 'kisystem-sandbox',
      }),
    // ---- run folder retention (activities/run-folder-cleanup.ts) ---------------------
    /** Which run folders a host keeps: the last `keep_last` or those younger than `keep_days`; failed runs kept up to `failed_cap_mb`. */
    run_folders: z
      .object({
        keep_last: z.number().int().min(0).default(50),
        keep_days: z.number().min(0).default(7),
        failed_cap_mb: z.number().int().min(0).default(2048),
      })
      .strict()
      .default({ keep_last: 50, keep_days: 7, failed_cap_mb: 2048 }),
    /** How much of a build or test output is kept for the prompt, the categorizer and the history. */
    output_keep_chars: z.number().int().min(500).max(200_000).default(8000),
    /** The cost-aware queue workflow (guide section 5): slots, Meta-Supervisor refresh, continue-as-new bound. */
    queue: z
      .object({
        /** Task workflows a queue runs at once. */
        max_running: z.number().int().min(1).max(256).default(3),
        /** How often pending tasks get fresh P(domain), start models and ETAs (seconds). */
        priority_refresh_seconds: seconds.default(300),
        /** The queue continues as new before its history passes this many events (or when the server suggests it). */
        max_history_events: z.number().int().min(100).max(50_000).default(10_000),
        /** Finished tasks the queue keeps for its query and the Web UI. */
        recent_results: z.number().int().min(0).max(1000).default(50),
        /** `cost-aware` (priority_eff = priority / ETA, highest first) or `fifo` (arrival order, the guide's "traditional" queue). */
        ordering: z.enum(['cost-aware', 'fifo']).default('cost-aware'),
      })
      .strict()
      .default({ max_running: 3, priority_refresh_seconds: 300, max_history_events: 10_000, recent_results: 50, ordering: 'cost-aware' }),
    /**
     * Prometheus metrics (docs/metrics.md): the SDK's worker metrics and kisystem's, served at
     * http://<bind_host>:<port>/metrics, one port per worker; null: no endpoint (the default, so that
     * several workers on one machine never fight over a port nobody asked for).
     */
    metrics: z
      .object({
        bind_host: z.string().min(1).default('127.0.0.1'),
        workflow_worker_port: z.number().int().min(1).max(65535).nullable().default(null),
        gpu_worker_port: z.number().int().min(1).max(65535).nullable().default(null),
        /** How often the workflow worker counts waiting tasks and the queues' depth (seconds). */
        poll_seconds: seconds.max(3600).default(15),
      })
      .strict()
      .refine((m) => m.workflow_worker_port === null || m.workflow_worker_port !== m.gpu_worker_port, {
        path: ['gpu_worker_port'],
        message: 'must differ from workflow_worker_port (both workers may run on one machine)',
      })
      .default({ bind_host: '127.0.0.1', workflow_worker_port: null, gpu_worker_port: null, poll_seconds: 15 }),
    // --- start rule (issue 11) ---
    /** How a task picks its start model: "expected-cost" (lowest expected cost of the whole task) or "guide" (the guide read literally). */
    start_rule: z.enum(['expected-cost', 'guide']).default('expected-cost'),
    /** What reaching the manual fallback costs, in machine-time seconds (a person's time), in the expected-cost rule. */
    fallback_cost_seconds: z.number().min(0).default(3600),
    /** The expected-cost rule's success-chance posterior: Beta prior (mean, strength in runs) and whether to explore by drawing from it. */
    start_exploration: z
      .object({
        /**
         * draw the chances from their posteriors (Thompson sampling with the workflow's seeded random); false: posterior
         * means. Off by default: on the decision benchmark the draws cost 1 to 5 % more machine time in the worlds where
         * the chain order is right, and drawing only for models under the evidence minimum locks some seeds onto a
         * worse start (docs/benchmarks.md "Start decisions, second step").
         */
        enabled: z.boolean().default(false),
        prior_mean: z.number().gt(0).lt(1).default(0.5),
        prior_strength: z.number().positive().default(2),
        /**
         * Evidence gate under the run minimum: a later model with fewer than `bias_min_runs` runs may still start a
         * task when its start, costed at this lower quantile of its chance's posterior, beats the best start the
         * minimum allows (strong evidence moves after few runs, weak evidence waits). 0: the minimum alone.
         */
        evidence_quantile: z.number().min(0).lt(0.5).default(0.02),
      })
      .strict()
      .default({ enabled: false, prior_mean: 0.5, prior_strength: 2, evidence_quantile: 0.02 }),
    // --- end start rule ---
    /** What the learning history counts. */
    learning: z
      .object({
        /**
         * Count runs of tasks without a checker (their verdict is the candidate's own line, which an
         * answer can forge) in the learning. Their runs are recorded and marked either way.
         */
        include_self_reported: z.boolean().default(false),
      })
      .strict()
      .default({ include_self_reported: false }),
  })
  .strict();

export type KisystemConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/** Validates a parsed config file and freezes it; throws {@link ConfigError} naming each bad field. */
export function parseConfig(source: string, value: unknown): Readonly<KisystemConfig> {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError(`invalid config\n${formatIssues(source, parsed.error)}`);
  return deepFreeze(parsed.data);
}

/** The defaults alone (what an empty `{}` file gives). */
export function defaultConfig(): Readonly<KisystemConfig> {
  return parseConfig('(defaults)', {});
}
