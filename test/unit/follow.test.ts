/** What the clients say while a task waits for the model server, and which errors mean "Temporal did not answer". */
import { describeWaiting, isConnectionError, OutageNotice } from '../../client/follow';

it('describes a wait for the model server with its server, since when, error and hint', () => {
  expect(describeWaiting({ kind: 'model_server', server: 'http://gpu-box:11434', model: 'qwen2.5-coder:32b', since: '2026-11-29T10:00:00.000Z', error: 'connect ECONNREFUSED', hint: 'is Ollama running?', nextTry: '2026-11-29T10:00:05.000Z' }))
    .toBe('waiting for the model server at http://gpu-box:11434 since 2026-11-29T10:00:00.000Z: connect ECONNREFUSED (is Ollama running?)');
  expect(describeWaiting({ kind: 'model_server', server: 's', model: 'm', since: 't', error: 'HTTP 404', hint: null, nextTry: 't2' })).toBe('waiting for the model server at s since t: HTTP 404');
});

describe('isConnectionError', () => {
  it.each([
    ['gRPC UNAVAILABLE', Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }), true],
    ['a deadline', Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 }), true],
    ['wrapped in a ServiceError', Object.assign(new Error('Failed to describe workflow'), { cause: { code: 14, message: 'x' } }), true],
    ['a refused connection', new Error('connect ECONNREFUSED 127.0.0.1:7233'), true],
    ['a workflow that does not exist', Object.assign(new Error('workflow not found for ID: x'), { code: 5 }), false],
    ['a failed workflow', new Error('Workflow execution failed'), false],
  ])('%s: %s', (_name, error, expected) => expect(isConnectionError(error)).toBe(expected));
});

it('notes an outage once and the reconnection once', () => {
  const lines: string[] = [];
  const notice = new OutageNotice('127.0.0.1:7233', (l) => lines.push(l));
  notice.answered();
  notice.lost(new Error('14 UNAVAILABLE\nmore'));
  notice.lost(new Error('again'));
  notice.answered();
  notice.answered();
  expect(lines).toHaveLength(2);
  expect(lines[0]).toBe('lost the Temporal server at 127.0.0.1:7233 (14 UNAVAILABLE); the tasks go on in Temporal; reconnecting ...');
  expect(lines[1]).toMatch(/^reconnected to the Temporal server at 127\.0\.0\.1:7233 after \d+ s; following again$/);
});
