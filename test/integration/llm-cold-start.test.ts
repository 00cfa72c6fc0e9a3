/**
 * Cold loads on real HTTP (the scripted model server): a cold model that holds its first token is
 * waited for with heartbeats on a timer, up to the first-token timeout; the request carries num_ctx
 * and keep_alive; a prompt larger than the model's context is shortened (tool output first) or
 * refused, never silently truncated; a cancelled activity rethrows the cancellation.
 */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { forgetContextLengths } from '../../activities/llm-context';
import { createLlmActivities, type LlmEndpoint, type LlmSettings } from '../../activities/llm';
import type { GenerateInput, GenerateResult } from '../../contracts/activity-types';
import type { ChatMessage } from '../../policy/prompts/prompt';
import { parseModelScript } from '../../scripted-model-server/scripts';
import { startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model-server/server';

const script = parseModelScript(['task: cold-test', 'models:', '  big-model:32b:', '    - text: "```cpp\\nint answer() { return 42; }\\n```"'].join('\n'), '/virtual/model-script.yaml');
const SETTINGS: LlmSettings = { numCtx: 16384, keepAlive: '45m', firstTokenTimeoutMs: 10_000, heartbeatEveryMs: 300 };

const servers: ScriptedModelServer[] = [];
async function serve(options: { holdFirstToken?: () => Promise<void>; contextLength?: number }): Promise<ScriptedModelServer> {
  const server = await startScriptedModelServer({ scripts: [script], log: () => undefined, ...options });
  servers.push(server);
  return server;
}
afterEach(() => forgetContextLengths());
afterAll(async () => Promise.all(servers.map((s) => s.close())));

const ask = (content: string): ChatMessage[] => [{ role: 'user', content: `Task id: cold-test\n${content}` }];
function input(messages: ChatMessage[] = ask('write answer()')): GenerateInput {
  return { taskId: 'cold-test', workflowId: 'wf-cold-test', model: 'big-model:32b', modelAttempt: 1, messages, temperature: 0 };
}

describe.each([
  ['ollama', (url: string): LlmEndpoint => ({ provider: 'ollama', url })],
  ['openai', (url: string): LlmEndpoint => ({ provider: 'openai', url: `${url}/v1` })],
] as const)('over %s', (_name, endpointOf) => {
  it('waits for a cold model with heartbeats on a timer until the first token comes', async () => {
    // The model stays silent until the activity has beaten six times: only heartbeats on a timer
    // (not on tokens, of which there are none yet) ever end the load, however fast the machine is.
    let loaded!: () => void;
    const load = new Promise<void>((resolve) => (loaded = resolve));
    const server = await serve({ holdFirstToken: () => load });
    const env = new MockActivityEnvironment();
    let silentBeats = 0;
    env.on('heartbeat', () => {
      if (++silentBeats >= 6) loaded();
    });
    const result: GenerateResult = await env.run(createLlmActivities(endpointOf(server.url), SETTINGS).generateCode, input());
    expect(result.reply).toContain('return 42');
    expect(silentBeats).toBeGreaterThanOrEqual(6);
  });

  it('gives up after the first-token timeout with LlmUnavailable saying so', async () => {
    // The first token never comes: only the first-token timeout ends the call.
    const server = await serve({ holdFirstToken: () => new Promise<void>(() => undefined) });
    const error: any = await new MockActivityEnvironment()
      .run(createLlmActivities(endpointOf(server.url), { ...SETTINGS, firstTokenTimeoutMs: 1000 }).generateCode, input())
      .catch((e: any) => e);
    expect(error).toMatchObject({ type: 'LlmUnavailable', nonRetryable: true });
    expect(error.details[0].error).toMatch(/no first token within 1 s/);
  });

  it('rethrows the cancellation itself when cancelled while waiting', async () => {
    const server = await serve({ holdFirstToken: () => new Promise<void>(() => undefined) });
    const env = new MockActivityEnvironment();
    const pending = env.run(createLlmActivities(endpointOf(server.url), SETTINGS).generateCode, input()).catch((e: unknown) => e);
    setTimeout(() => env.cancel(), 500);
    expect(await pending).toBeInstanceOf(CancelledFailure);
  });

  it('shortens tool output to fit a small model context, and says so', async () => {
    const server = await serve({ contextLength: 2048 });
    const output = Array.from({ length: 800 }, (_, i) => `harness.cu:${i}: error: something went wrong on line ${i}`).join('\n');
    const messages = ask(`## Goal\nwrite answer()\n\nOutput:\n\`\`\`text\n${output}\n\`\`\`\n`);
    const result: GenerateResult = await new MockActivityEnvironment().run(createLlmActivities(endpointOf(server.url), SETTINGS).generateCode, input(messages));
    expect(result.reply).toContain('return 42');
    expect(result.promptNote).toMatch(/context window of 2048 tokens/);
  });

  it('refuses a prompt whose goal alone exceeds the context, with the figures', async () => {
    const server = await serve({ contextLength: 2048 });
    const error: any = await new MockActivityEnvironment()
      .run(createLlmActivities(endpointOf(server.url), SETTINGS).generateCode, input(ask('x'.repeat(20_000))))
      .catch((e: any) => e);
    expect(error).toMatchObject({ type: 'PromptTooLong', nonRetryable: true });
    expect(error.message).toMatch(/context window is 2048 tokens/);
    expect(server.requests).toHaveLength(0);
  });
});

it('sends num_ctx and keep_alive from config to Ollama, capped by the model context', async () => {
  const server = await serve({});
  await new MockActivityEnvironment().run(createLlmActivities({ provider: 'ollama', url: server.url }, SETTINGS).generateCode, input());
  expect(server.requests.at(-1)).toMatchObject({ numCtx: 16384, keepAlive: '45m', status: 200 });
});
