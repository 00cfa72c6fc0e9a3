/**
 * The task file: what a user writes to ask kisystem for code.
 *
 * Pure (no I/O): the client reads the YAML/JSON file and its harness files, this module validates
 * the parsed value. The workflow receives a {@link ResolvedTask}, which carries the harness files'
 * contents, so a running task never depends on files that may change on disk later.
 */
import { z } from 'zod';
import { formatIssues } from './zod-issues';
import { DOMAINS, type Domain } from '../rules/domains';
import { TASK_ID_PATTERN } from '../task-id';

/** A file name relative to the run folder: no absolute paths, no `..`, no odd characters. */
export const relativeFileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*$/, 'must be a plain relative file name (letters, digits, _ . - /)')
  .refine((name) => !name.split('/').some((part) => part === '..' || part === ''), 'must not contain ".." or empty path parts');

export const taskFileSchema = z
  .object({
    /** Stable id of the task; also the default workflow id prefix. */
    id: z.string().regex(TASK_ID_PATTERN, 'must be lower-case letters, digits, . _ - (at most 100)'),
    title: z.string().min(1).max(200),
    /** One of the guide's domains; inferred from language and goal when absent. */
    domain: z.enum(DOMAINS).optional(),
    language: z.enum(['cuda', 'cpp']),
    /** The prompt: what the code must do. */
    goal: z.string().min(1),
    /** The file the model must write (relative to the run folder). */
    solution_file: relativeFileName,
    harness: z
      .object({
        /** Files copied next to the solution (paths relative to the task file). */
        files: z.array(relativeFileName).min(1),
        /** Files whose text is shown to the model as the interface it must implement. */
        interface: z.array(relativeFileName).default([]),
      })
      .strict(),
    build: z
      .object({
        /** Translation units to compile with the solution (default: harness files ending in .cu/.cpp/.cc). */
        sources: z.array(relativeFileName).optional(),
        /** Extra compiler flags, for instance ["-O2", "-std=c++17"]. */
        flags: z.array(z.string().max(200)).default([]),
        /** Name of the binary the build produces. */
        output: relativeFileName.default('candidate'),
      })
      .strict()
      .default({ flags: [], output: 'candidate' }),
    test: z
      .object({
        /** Argument array run in the run folder; the first element is the program. */
        command: z.array(z.string().min(1)).min(1).default(['./candidate']),
      })
      .strict()
      .default({ command: ['./candidate'] }),
    /**
     * A known-good answer (path relative to the task file, never shown to a model): `kisystem
     * check-task` runs it, and a task runs it once on a host before any model is asked, so a checker
     * that fails it stops the task instead of charging the models.
     */
    reference_answer: relativeFileName.optional(),
    /** 0..100; used by the queue. */
    priority: z.number().min(0).max(100).optional(),
    /**
     * The optimization phase runs only for a task with this section: the benchmark program
     * (part of the harness, run in the run folder after the build) prints `KISYSTEM_BENCH` lines
     * (policy/parsers/microbench-line.ts).
     */
    benchmark: z
      .object({
        /** Argument array run in the run folder; the first element is the program. */
        command: z.array(z.string().min(1)).min(1),
        /** Which kernels Nsight Compute profiles (`ncu -k regex:<this>`); all when absent. */
        kernel_regex: z.string().min(1).max(200).optional(),
        /** Time of the task's reference implementation in ms, reported beside the score. */
        reference_ms: z.number().positive().optional(),
        /**
         * What tier 0 times: `wall` (default), each answer's round trip; `cpu`, the CPU time the
         * candidate used for it, which other programs on a busy host do not inflate. Only for
         * single-threaded C++ (a C++ task's CPU time adds up its threads, and a GPU kernel's time is
         * not CPU time).
         */
        clock: z.enum(['wall', 'cpu']).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((task, ctx) => {
    if (task.benchmark?.clock === 'cpu' && task.language !== 'cpp') {
      ctx.addIssue({ code: 'custom', path: ['benchmark', 'clock'], message: `"cpu" times host code only: a ${task.language} task's kernels run on the GPU (use "wall")` });
    }
  });

export type TaskFile = z.infer<typeof taskFileSchema>;

/** A harness file with its contents, as carried in the workflow input. */
export interface TaskFileContent {
  /** Path relative to the run folder. */
  path: string;
  /** UTF-8 text. */
  content: string;
}

/** A validated task with its harness contents and its (possibly inferred) domain. */
export interface ResolvedTask extends Omit<TaskFile, 'domain' | 'harness' | 'reference_answer'> {
  domain: Domain;
  /** Why the domain is what it is ("given in the task file" or the inference rule). */
  domainReason: string;
  harnessFiles: TaskFileContent[];
  interfaceFiles: TaskFileContent[];
  /** The reference answer's text (task field reference_answer), written as the solution file; never in a prompt. */
  referenceAnswer?: string;
  /** Where the task came from, for people (the task file's path). */
  sourcePath: string;
}

export class TaskFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskFileError';
  }
}

/** Validates a parsed task file; throws {@link TaskFileError} naming the file and the field. */
export function parseTaskFile(source: string, value: unknown): TaskFile {
  const parsed = taskFileSchema.safeParse(value);
  if (!parsed.success) throw new TaskFileError(`invalid task file\n${formatIssues(source, parsed.error)}`);
  return parsed.data;
}
