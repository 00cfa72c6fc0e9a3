/** The Markdown the Web UI shows as the workflow's current details: the story of the task so far. */
import type { TaskState } from '../contracts/task-messages';
import { statusWord } from '../contracts/task-ending';

/** User or tool text in one line of Markdown (a table cell too): literal, whole (the categorizer keeps lines short and their "expected ..." part). */
function cell(text: string): string {
  return escapeMarkdown(text);
}

/** A title as literal text in Markdown: `[brackets]`, `*stars*` or backticks in it must not become links or styles. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, (ch) => `\\${ch}`).replace(/\s+/g, ' ');
}

/** An escalation's reason as the rule wrote it ("stop-loss: 2 failed runs of a"), without the "-> b" the line already shows. */
function reasonOf(e: TaskState['escalations'][number]): string {
  const arrow = ` -> ${e.to}`;
  return e.reason.endsWith(arrow) ? e.reason.slice(0, -arrow.length) : e.reason;
}

export function renderDetails(state: TaskState): string {
  const chain = state.chain.map((m) => (m === state.currentModel ? `**${cell(m)}**` : cell(m))).join(' → ');
  const lines = [
    `### ${escapeMarkdown(state.title)} (\`${state.taskId}\`)`,
    `**Status:** ${statusWord(state.status)}${state.step ? ` (${state.step})` : ''}` +
      ` · **Domain:** ${state.domain} (${cell(state.domainReason)}) · **Escalations:** ${state.escalations.length}`,
    '',
    `**Chain** (${cell(state.chainReason)}): ${chain}${state.currentModel === 'manual' ? ' → **manual**' : ''}`,
    '',
    `**Start decision** (${state.start.rule}): ${cell(state.start.summary)}` +
      (state.start.complexityMatched.length ? ` · complexity rules: ${state.start.complexityMatched.join(', ')}` : ''),
  ];
  if (state.verdictSource === 'self-reported') {
    lines.push(
      '',
      '⚠️ **No checker: the verdicts are self-reported.** This task has no checker* file, so each answer prints its own verdict ' +
        'and can forge a pass; its runs are left out of the learning unless the config sets learning.include_self_reported.',
    );
  }
  if (state.endMessage) lines.splice(2, 0, '', `**${statusWord(state.status)}:** ${cell(state.endMessage)}`);
  if (state.priority)
    lines.push(
      '',
      `**Domain priority** (Meta-Supervisor): ${state.priority.score.toFixed(3)} from ${state.priority.runs} runs, ` +
        `success rate ${state.priority.successRate.toFixed(2)}`,
    );
  if (state.waiting) {
    const w = state.waiting;
    lines.push(
      '',
      `⏳ waiting for the model server at ${w.server} since ${w.since}: ${cell(w.error)}${w.hint ? ` (${cell(w.hint)})` : ''}` +
        ` · model ${w.model}, next try ${w.nextTry}; not counted against the model.`,
    );
  }
  if (state.fallback) {
    lines.push(
      '',
      `**Waiting for a person** since ${state.fallback.waitingSince} (until ${state.fallback.deadline}): ${cell(state.fallback.reason)}.`,
      'Hand in code with `kisystem resolve <workflow id> --file <code>`, or give up with `kisystem resolve <workflow id> --give-up`.',
    );
  }
  if (state.runs.length) {
    lines.push('', '| run | model | result | category | first error | then |', '|---|---|---|---|---|---|');
    for (const run of state.runs) {
      const c = run.categorization;
      const then = run.decision ? `${run.decision.kind}${run.decision.kind === 'escalate' ? ` → ${run.decision.to}` : ''}` : '';
      lines.push(
        `| ${run.attemptNo} | ${cell(run.model)} | ${run.outcome === 'success' ? '✅ passed' : `❌ ${run.phase}`}` +
          `${run.sandbox === 'none' ? ' ⚠️ unsandboxed' : ''}${run.verdictSource === 'self-reported' ? ' ⚠️ self-reported' : ''} | ` +
          `${c ? `${c.errorType} (sev ${c.severity})` : ''} | ${cell(c?.firstErrorLine ?? '')} | ${cell(then)} |`,
      );
    }
  }
  if (state.optimization) {
    const o = state.optimization;
    lines.push(
      '',
      `**Optimization**: best score ${o.bestScore.toFixed(1)} at iteration ${o.bestIteration} (${o.bestTimeMs.toPrecision(4)} ms)` +
        ` · profiling ${Math.round(o.profileMsTier0)} ms at tier 0, ${Math.round(o.profileMsTier1)} ms at tier 1` +
        `${o.stopReason ? ` · stopped: ${cell(o.stopReason)}` : ''}${o.fellBack ? ` · ${cell(o.fellBack)}` : ''}`,
      '',
      '| iteration | run | tier decision | score | ms | kept |',
      '|---|---|---|---|---|---|',
    );
    for (const it of o.iterations) {
      const score = it.score === null ? '' : it.score.toFixed(1);
      const ms = it.timeMs === null ? '' : it.timeMs.toPrecision(4);
      lines.push(
        `| ${it.iteration} | ${it.attemptNo} | ${cell(it.summary)} | ${score} | ${ms} | ${it.accepted ? '✅' : `❌ ${it.rejectedAs ?? ''}`} |`,
      );
    }
  }
  if (state.escalations.length) {
    lines.push('', '**Escalations**');
    for (const e of state.escalations) lines.push(`- after run ${e.afterAttempt}: ${cell(e.from)} → ${cell(e.to)} (${cell(reasonOf(e))})`);
  }
  lines.push('', 'The whole story with plots, offline: `kisystem report <workflow id>` writes one HTML file.');
  return lines.join('\n');
}
