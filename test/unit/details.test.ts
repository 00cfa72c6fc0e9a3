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
