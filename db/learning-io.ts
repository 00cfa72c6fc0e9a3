/** Import and export of the learning history as JSON Lines (one run per line). */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { parseLearningLine } from '../policy/schemas/learning-line';
import { decisionColumnsFromText, type DecisionKind, type DecisionRule } from '../policy/rules/decision-columns';
import type { Database, NewRun } from './tables';

export interface ImportReport {
  lines: number;
  imported: number;
  /** Valid lines already in the history (a second import of the same file). */
  duplicates: number;
  /** "file:line: field: message" for each refused line. */
  errors: string[];
}

const BATCH = 1000;

/** Imports a file; bad lines are reported with their number and skipped, good lines are kept. */
/** The decision's columns of an imported line: its own, else mapped once from the text (lines exported before the columns existed). */
function decisionColumns(r: { decision: string | null; decision_kind?: DecisionKind | null; decision_rule?: DecisionRule | null }) {
  if (r.decision_kind !== undefined) return { decision_kind: r.decision_kind, decision_rule: r.decision_rule ?? null };
  const mapped = decisionColumnsFromText(r.decision);
  return { decision_kind: mapped.kind, decision_rule: mapped.rule };
}

export async function importLearningFile(db: Kysely<Database>, path: string): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, imported: 0, duplicates: 0, errors: [] };
  let batch: NewRun[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const inserted = await db
      .insertInto('runs')
      .values(batch)
      .onConflict((oc) => oc.columns(['workflow_run_id', 'attempt_no']).doNothing())
      .returning('id')
      .execute();
    report.imported += inserted.length;
    report.duplicates += batch.length - inserted.length;
    batch = [];
  };
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') continue;
    report.lines++;
    const parsed = parseLearningLine(text, lineNo, path);
    if (!parsed.ok) {
      report.errors.push(parsed.error);
      continue;
    }
    const r = parsed.run;
    batch.push({
      task_id: r.task_id, workflow_id: r.workflow_id, workflow_run_id: r.workflow_run_id, attempt_no: r.attempt_no,
      domain: r.domain, model: r.model, source: r.source, phase: r.phase, outcome: r.outcome,
      error_type: r.error_type, severity: r.severity, recoverable: r.recoverable, rule: r.rule,
      first_error_line: r.first_error_line, hint: r.hint, decision: r.decision,
      ...decisionColumns(r),
      llm_ms: r.llm_ms, build_ms: r.build_ms, test_ms: r.test_ms, duration_ms: r.duration_ms,
      host: r.host, code: null, output: null, started_at: r.started_at, finished_at: r.finished_at,
    });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return report;
}

/** Writes every run the learning counts (optionally of one domain) as JSON Lines, in the order they were recorded; returns the count. */
export async function exportLearningFile(db: Kysely<Database>, out: Writable | string, domain?: string): Promise<number> {
  const stream: Writable = typeof out === 'string' ? createWriteStream(out, 'utf8') : out;
  let count = 0;
  // Keyset pages by id: memory stays flat however large the history is.
  for (let lastId = '0'; ; ) {
    let query = db
      .selectFrom('runs')
      .select([
        'id', 'task_id', 'workflow_id', 'workflow_run_id', 'attempt_no', 'domain', 'model', 'source', 'phase', 'outcome', 'error_type', 'severity',
        'recoverable', 'rule', 'first_error_line', 'hint', 'decision', 'decision_kind', 'decision_rule', 'llm_ms', 'build_ms', 'test_ms', 'duration_ms', 'host', 'started_at', 'finished_at',
      ])
      .where('id', '>', lastId)
      // A run the learning leaves out (a forgeable, self-reported verdict) is not shared as learning either.
      .where('in_learning', '=', true)
      .orderBy('id')
      .limit(BATCH);
    if (domain) query = query.where('domain', '=', domain);
    const rows = await query.execute();
    if (rows.length === 0) break;
    for (const { id, ...row } of rows) {
      const line = { ...row, started_at: new Date(row.started_at).toISOString(), finished_at: new Date(row.finished_at).toISOString() };
      if (!stream.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => stream.once('drain', r));
      count++;
      lastId = id;
    }
  }
  if (typeof out === 'string') await new Promise<void>((resolve) => stream.end(() => resolve()));
  return count;
}
