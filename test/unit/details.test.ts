/** The Web UI details: a task title is literal text, so `[brackets]` or `*stars*` cannot swallow the domain and task id. */
import { escapeMarkdown, renderDetails } from '../../workflows/details';
import type { TaskState } from '../../contracts/task-messages';

function state(title: string): TaskState {
  return {
    taskId: 'my-task', title, domain: 'C++/System', domainReason: 'given in the task file', status: 'generating',
    chain: ['a:1b', 'b:2b'], chainReason: 'routing table', currentModel: 'a:1b', failuresOfCurrent: 0,
    start: { rule: 'chain-head', summary: 'the chain head', complexityMatched: [] },
    priority: null, runs: [], escalations: [], optimization: null, fallback: null,
  } as unknown as TaskState;
}

describe('escapeMarkdown', () => {
  it.each([
    ['[brackets] (x)', '\\[brackets\\] \\(x\\)'],
    ['a *b* _c_ `d`', 'a \\*b\\* \\_c\\_ \\`d\\`'],
    ['<script>|#1', '\\<script\\>\\|\\#1'],
    ['back\\slash', 'back\\\\slash'],
    ['plain title 42', 'plain title 42'],
  ])('%j -> %j', (text, escaped) => expect(escapeMarkdown(text)).toBe(escaped));
});

it('keeps the task id and the domain line whole for a title with [brackets]', () => {
  const text = renderDetails(state('Fix [brackets](http://x) in *parser*'));
  const [heading, status] = text.split('\n');
  expect(heading).toBe('### Fix \\[brackets\\]\\(http://x\\) in \\*parser\\* (`my-task`)');
  expect(status).toMatch(/^\*\*Status:\*\* generating · \*\*Domain:\*\* C\+\+\/System/);
});

it('warns loudly about a task without a checker and marks its self-reported runs; a checked task gets no warning', () => {
  const run = { attemptNo: 1, model: 'a:1b', source: 'model', outcome: 'success', phase: 'TEST', categorization: null, decision: null, host: 'h', llmMs: 1, buildMs: 1, testMs: 1, sandbox: 'bubblewrap' };
  const old = renderDetails({ ...state('Old'), verdictSource: 'self-reported', runs: [{ ...run, verdictSource: 'self-reported' }] } as TaskState);
  expect(old).toContain('⚠️ **No checker: the verdicts are self-reported.**');
  expect(old).toMatch(/\| 1 \| a:1b \| ✅ passed ⚠️ self-reported \|/);
  const checked = renderDetails({ ...state('New'), verdictSource: 'checker', runs: [{ ...run, verdictSource: 'checker' }] } as TaskState);
  expect(checked).not.toContain('self-reported');
});

describe('the story reads whole', () => {
  const run = (firstErrorLine: string) => ({
    attemptNo: 1, model: 'a:1b', source: 'model', outcome: 'failure', phase: 'TEST', host: null, llmMs: 1, buildMs: 1, testMs: 1,
    categorization: { errorType: 'LOGIC', phase: 'TEST', severity: 2, recoverable: true, hint: '', firstErrorLine },
    decision: { kind: 'escalate', from: 'a:1b', to: 'b:2b', rule: 'stoploss', reason: '2 of 2 failed runs of a:1b -> b:2b' },
  });

  it('puts Chain and Start decision in paragraphs of their own', () => {
    const lines = renderDetails(state('t')).split('\n');
    const chain = lines.findIndex((l) => l.startsWith('**Chain**'));
    expect(lines[chain + 1]).toBe('');
    expect(lines[chain + 2]).toMatch(/^\*\*Start decision\*\*/);
  });

  it('keeps a long first error line whole, escaped, and an escalation reason without its rule twice', () => {
    const line = `FAIL: mismatch at index 4096 of ${'x'.repeat(200)} [outage]: got 3.25, expected 3.5`;
    const s = { ...state('t'), runs: [run(line)], escalations: [{ afterAttempt: 2, from: 'a:1b', to: 'b:2b', rule: 'stoploss', reason: '2 of 2 failed runs of a:1b -> b:2b' }] } as TaskState;
    const text = renderDetails(s);
    expect(text).toContain(`${'x'.repeat(200)} \\[outage\\]: got 3.25, expected 3.5 |`);
    expect(text).toContain('- after run 2: a:1b → b:2b (2 of 2 failed runs of a:1b)');
    expect(text).not.toMatch(/stoploss: stop-loss/);
  });

  it('says cancelled, not the step it was in, once the task was cancelled', () => {
    const s = { ...state('t'), status: 'cancelled', step: null, endMessage: 'cancelled (kisystem cancel)' } as TaskState;
    const [, status, , ended] = renderDetails(s).split('\n');
    expect(status).toMatch(/^\*\*Status:\*\* cancelled ·/);
    expect(ended).toBe('**cancelled:** cancelled \\(kisystem cancel\\)');
  });
});
