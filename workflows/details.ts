/** The Markdown the Web UI shows as the workflow's current details: the story of the task so far. */
import type { TaskState } from '../contracts/task-messages';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 140);
}

/** A title as literal text in Markdown: `[brackets]`, `*stars*` or backticks in it must not become links or styles. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, (ch) => `\\${ch}`).replace(/\s+/g, ' ');
}

export function renderDetails(state: TaskState): string {
  const chain = state.chain.map((m) => (m === state.currentModel ? `**${m}**` : m)).join(' → ');
  const lines = [
    `### ${escapeMarkdown(state.title)} (\`${state.taskId}\`)`,
    `**Status:** ${state.status.replace(/_/g, ' ')}${state.step ? ` (${state.step})` : ''} · **Domain:** ${state.domain} (${state.domainReason})` +
      ` · **Escalations:** ${state.escalations.length}`,
    '',
    `**Chain** (${state.chainReason}): ${chain}${state.currentModel === 'manual' ? ' → **manual**' : ''}`,
    `**Start decision** (${state.start.rule}): ${state.start.summary}` +
      (state.start.complexityMatched.length ? ` · complexity rules: ${state.start.complexityMatched.join(', ')}` : ''),
  ];
  const p = state.priority;
  if (p) lines.push(`**Domain priority** (Meta-Supervisor): ${p.score.toFixed(3)} from ${p.runs} runs, success rate ${p.successRate.toFixed(2)}`);
  if (state.waiting) {
    const w = state.waiting;
    lines.push(
      '',
      `⏳ waiting for the model server at ${w.server} since ${w.since}: ${cell(w.error)}${w.hint ? ` (${cell(w.hint)})` : ''}` +
        ` · model ${w.model}, next try ${w.nextTry}; not counted against the model.`,
    );
  }
  if (state.fallback) {
    lines.push('', `**Waiting for a person** since ${state.fallback.waitingSince} (until ${state.fallback.deadline}): ${state.fallback.reason}.`,
      'Hand in code with `kisystem resolve <workflow id> --file <code>`, or give up with `kisystem resolve <workflow id> --give-up`.');
  }
  if (state.runs.length) {
    lines.push('', '| run | model | result | category | first error | then |', '|---|---|---|---|---|---|');
    for (const run of state.runs) {
      const c = run.categorization;
      const then = run.decision ? `${run.decision.kind}${run.decision.kind === 'escalate' ? ` → ${run.decision.to}` : ''}` : '';
      const result = `${run.outcome === 'success' ? '✅ passed' : `❌ ${run.phase}`}${run.sandbox === 'none' ? ' ⚠️ unsandboxed' : ''}`;
      const category = c ? `${c.errorType} (sev ${c.severity})` : '';
      lines.push(`| ${run.attemptNo} | ${run.model} | ${result} | ${category} | ${cell(c?.firstErrorLine ?? '')} | ${cell(then)} |`);
    }
  }
  if (state.optimization) {
    const o = state.optimization;
    lines.push(
      '',
      `**Optimization**: best score ${o.bestScore.toFixed(1)} at iteration ${o.bestIteration} (${o.bestTimeMs.toPrecision(4)} ms)` +
        ` · profiling ${Math.round(o.profileMsTier0)} ms at tier 0, ${Math.round(o.profileMsTier1)} ms at tier 1` +
        `${o.stopReason ? ` · stopped: ${cell(o.stopReason)}` : ''}${o.fellBack ? ` · ${cell(o.fellBack)}` : ''}`,
      '| iteration | run | tier decision | score | ms | kept |',
      '|---|---|---|---|---|---|',
    );
    for (const it of o.iterations) {
      const score = it.score === null ? '' : it.score.toFixed(1);
      const ms = it.timeMs === null ? '' : it.timeMs.toPrecision(4);
      lines.push(`| ${it.iteration} | ${it.attemptNo} | ${cell(it.summary)} | ${score} | ${ms} | ${it.accepted ? '✅' : `❌ ${it.rejectedAs ?? ''}`} |`);
    }
  }
  if (state.escalations.length) {
    lines.push('', '**Escalations**');
    for (const e of state.escalations) lines.push(`- after run ${e.afterAttempt}: ${e.from} → ${e.to} (${e.rule}: ${cell(e.reason)})`);
  }
  return lines.join('\n');
}
