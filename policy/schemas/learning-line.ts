/**
 * One run as a line of a learning-history file (JSON Lines), for `kisystem learning import|export`:
 * a team brings the history of an earlier system, or shares history between sites.
 */
import { z } from 'zod';
import { DECISION_KINDS, DECISION_RULES } from '../rules/decision-columns';
import { formatIssues } from './zod-issues';

const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 timestamp');
const ms = z.number().int().min(0);

export const learningLineSchema = z
  .object({
    task_id: z.string().min(1).max(200),
    /** Optional for histories from other systems; with `attempt_no` it makes a run unique. */
    workflow_id: z.string().min(1).max(300).optional(),
    workflow_run_id: z.string().min(1).max(300).optional(),
    attempt_no: z.number().int().min(1).default(1),
    domain: z.string().min(1).max(100),
    model: z.string().min(1).max(200),
    source: z.enum(['model', 'manual']).default('model'),
    phase: z.enum(['GENERATE', 'BUILD', 'TEST', 'PROFILE']).default('TEST'),
    outcome: z.enum(['success', 'failure']),
    error_type: z.string().max(50).nullable().default(null),
    severity: z.number().int().min(1).max(5).nullable().default(null),
    recoverable: z.boolean().nullable().default(null),
    rule: z.string().max(100).nullable().default(null),
    first_error_line: z.string().max(2000).nullable().default(null),
    hint: z.string().max(2000).nullable().default(null),
    decision: z.string().max(500).nullable().default(null),
    /** The decision as columns; a line without them gets them from `decision` (older exports). */
    decision_kind: z.enum(DECISION_KINDS).nullable().optional(),
    decision_rule: z.enum(DECISION_RULES).nullable().optional(),
    llm_ms: ms.default(0),
    build_ms: ms.default(0),
    test_ms: ms.default(0),
    /** Total; defaults to llm + build + test. */
    duration_ms: ms.optional(),
    host: z.string().max(200).nullable().default(null),
    started_at: timestamp.optional(),
    finished_at: timestamp,
  })
  .strict();

export type LearningLine = z.infer<typeof learningLineSchema>;

export type ParsedLine = { ok: true; run: Required<Omit<LearningLine, 'workflow_id' | 'workflow_run_id' | 'duration_ms' | 'started_at' | 'decision_kind' | 'decision_rule'>> & Pick<LearningLine, 'decision_kind' | 'decision_rule'> & { workflow_id: string; workflow_run_id: string; duration_ms: number; started_at: string } } | { ok: false; error: string };

/**
 * Parses one line. Runs without ids get stable ones derived from the task and the finish time, so
 * that importing the same file twice adds nothing.
 */
export function parseLearningLine(text: string, lineNo: number, source: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${source}:${lineNo}: not valid JSON: ${(error as Error).message}` };
  }
  const parsed = learningLineSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: formatIssues(`${source}:${lineNo}`, parsed.error).split('\n').join('; ') };
  const line = parsed.data;
  const finished = new Date(line.finished_at).toISOString();
  const workflowRunId = line.workflow_run_id ?? `imported:${line.task_id}:${finished}`;
  return {
    ok: true,
    run: {
      ...line,
      workflow_id: line.workflow_id ?? workflowRunId,
      workflow_run_id: workflowRunId,
      duration_ms: line.duration_ms ?? line.llm_ms + line.build_ms + line.test_ms,
      started_at: new Date(line.started_at ?? line.finished_at).toISOString(),
      finished_at: finished,
    },
  };
}
