/**
 * The LLM activity against real HTTP (the scripted model server): Ollama and OpenAI-compatible
 * streaming, a reply cut short returned as such, and infrastructure faults thrown as retryable failures.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createLlmActivities, type LlmEndpoint } from '../../activities/llm';
import type { GenerateInput, GenerateResult } from '../../contracts/activity-types';
import { parseModelScript } from '../../scripted-model-server/scripts';
import { startScriptedModelServer } from '../../scripted-model-server/server';

const script = parseModelScript(
  [
    'task: llm-test',
    'models:',
    '  good-model:',
    '    - text: "```cpp\\nint answer() { return 42; }\\n```"',
    '    - text: "```cpp\\nint answer() { return"',
    '      cut_short: true',
    '    - http_status: 503',
    '    - text: "```cpp\\nint answer() { return 42; }\\n// a long tail so that the stream really breaks half-way\\n```"',
    '      break_stream: true',
  ].join('\n'),
  '/virtual/model-script.yaml',
);

let server: Awaited<ReturnType<typeof startScriptedModelServer>>;
beforeAll(async () => {
  server = await startScriptedModelServer({ scripts: [script], apiKey: 'secret-key', log: () => undefined });
});
afterAll(async () => server?.close());

function input(model: string, modelAttempt: number): GenerateInput {
  return { taskId: 'llm-test', workflowId: 'wf-llm-test', model, modelAttempt, messages: [{ role: 'user', content: 'Task id: llm-test' }], temperature: 0 };
}

async function generate(endpoint: LlmEndpoint, model: string, attempt: number): Promise<GenerateResult> {
  const { generateCode } = createLlmActivities(endpoint);
  return new MockActivityEnvironment().run(generateCode, input(model, attempt));
}

describe.each([
  ['ollama', (url: string): LlmEndpoint => ({ provider: 'ollama', url })],
  ['openai', (url: string): LlmEndpoint => ({ provider: 'openai', url: `${url}/v1`, apiKey: 'secret-key' })],
] as const)('generateCode over %s', (_name, endpointOf) => {
  it('streams a complete answer', async () => {
    const r = await generate(endpointOf(server.url), 'good-model', 1);
    expect(r.reply).toContain('int answer() { return 42; }');
    expect(r.doneReason).toBe('stop');
  });

  it('returns a reply cut short as such (the workflow counts it against the model)', async () => {
    const r = await generate(endpointOf(server.url), 'good-model', 2);
    expect(r.doneReason).toBe('length');
  });

  // Non-retryable (the workflow waits, visibly, instead of a few quick retries), with details.
  it('throws a non-retryable LlmUnavailable with details on a 5xx', async () => {
    const error = await generate(endpointOf(server.url), 'good-model', 3).catch((e) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'LlmUnavailable', nonRetryable: true });
    expect(error.message).toMatch(/503/);
    expect(error.details[0]).toMatchObject({ server: endpointOf(server.url).url, model: 'good-model', error: expect.stringMatching(/503/) });
  });

  it('throws ModelNotAvailable for a model the server does not have, with what to do', async () => {
    const error = await generate(endpointOf(server.url), 'missing-model:7b', 1).catch((e) => e);
    expect(error).toMatchObject({ type: 'ModelNotAvailable', nonRetryable: true });
    expect(error.message).toContain('missing-model:7b');
    expect(error.details[0].hint).toMatch(_name === 'ollama' ? /^run: ollama pull missing-model:7b$/ : /missing-model:7b/);
  });

  it('throws LlmUnavailable when the stream breaks half-way (never a reply cut short counted against the model)', async () => {
    const error = await generate(endpointOf(server.url), 'good-model', 4).catch((e) => e);
    expect(error).toMatchObject({ type: 'LlmUnavailable', nonRetryable: true });
    expect(error.details[0].error).toMatch(/stream (broke|ended)/);
  });

  it('throws LlmUnavailable naming the address when nothing listens there', async () => {
    const error = await generate(endpointOf('http://127.0.0.1:9'), 'good-model', 1).catch((e) => e);
    expect(error).toMatchObject({ type: 'LlmUnavailable', nonRetryable: true });
    expect(error.message).toContain('127.0.0.1:9');
    expect(error.details[0]).toMatchObject({ server: endpointOf('http://127.0.0.1:9').url, model: 'good-model' });
  });
});

it('is refused without the API key of an OpenAI-compatible server, and says so', async () => {
  const error = await generate({ provider: 'openai', url: `${server.url}/v1` }, 'good-model', 1).catch((e) => e);
  expect(error).toMatchObject({ type: 'LlmRequestRejected' });
  expect(error.message).toMatch(/401/);
});
