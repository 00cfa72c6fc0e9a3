/**
 * Asking a model for code: Ollama (official client) or an OpenAI-compatible server (vLLM,
 * llama.cpp server). Streams, with a heartbeat on a timer (a cold 32B model may take minutes to load
 * and read the prompt before its first token) and a first-token timeout from config. A reply is
 * returned as it is, complete or cut short (the workflow judges it). A server that is down, fails,
 * sends no first token in time or breaks the stream throws LlmUnavailable; a model the server does
 * not have throws ModelNotAvailable (both non-retryable: the workflow waits, visibly, and asks again).
 * The prompt is fitted to the context window first (policy/prompts/prompt-fit.ts), never truncated silently.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { Ollama } from 'ollama';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { fitPrompt } from '../policy/prompts/prompt-fit';
import type { ChatMessage } from '../policy/prompts/prompt';
import { modelContextLength } from './llm-context';
import { llmUnavailable, modelRequestFailure } from './llm-faults';
import type { GenerateInput, GenerateResult } from '../contracts/activity-types';

export interface LlmEndpoint {
  provider: 'ollama' | 'openai';
  /** Ollama address or the OpenAI-compatible base URL (ending in /v1). */
  url: string;
  apiKey?: string;
}

/** How requests are made (from config `llm`). */
export interface LlmSettings {
  /** Ollama options.num_ctx: the context window in tokens. */
  numCtx: number;
  /** Ollama keep_alive (e.g. "30m"). */
  keepAlive: string;
  /** No first token within this is an outage. */
  firstTokenTimeoutMs: number;
  /** Heartbeat period while waiting and streaming. */
  heartbeatEveryMs: number;
}

export const DEFAULT_LLM_SETTINGS: Readonly<LlmSettings> = Object.freeze({ numCtx: 16384, keepAlive: '30m', firstTokenTimeoutMs: 900_000, heartbeatEveryMs: 5000 });

export function llmSettingsFrom(config: Pick<KisystemConfig, 'llm'>): LlmSettings {
  return {
    numCtx: config.llm.num_ctx,
    keepAlive: config.llm.keep_alive,
    firstTokenTimeoutMs: config.llm.first_token_timeout_seconds * 1000,
    heartbeatEveryMs: DEFAULT_LLM_SETTINGS.heartbeatEveryMs,
  };
}

/** Headers that let logs (and the scripted model server) tell requests apart; real servers ignore them. */
function requestHeaders(input: GenerateInput): Record<string, string> {
  return {
    'x-kisystem-task-id': input.taskId,
    'x-kisystem-workflow-id': input.workflowId,
    'x-kisystem-model-attempt': String(input.modelAttempt),
  };
}

/** What a stream reports while it runs. */
interface StreamProgress {
  /** Call on every part received: the first one stops the first-token clock. */
  received(chars: number): void;
  signal: AbortSignal;
}

type ChatResult = Omit<GenerateResult, 'durationMs'>;

async function chatOllama(endpoint: LlmEndpoint, settings: LlmSettings, input: GenerateInput, messages: ChatMessage[], progress: StreamProgress): Promise<ChatResult> {
  const client = new Ollama({
    host: endpoint.url,
    headers: requestHeaders(input),
    // Our signal (cancellation, first-token timeout) also stops the request before its first byte.
    fetch: (url, init) => fetch(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, progress.signal]) : progress.signal }),
  });
  let reply = '';
  let doneReason = '';
  let evalCount: number | null = null;
  const stream = await client.chat({
    model: input.model,
    messages,
    stream: true,
    keep_alive: settings.keepAlive,
    options: { temperature: input.temperature, num_ctx: settings.numCtx },
  });
  const abort = () => stream.abort();
  progress.signal.addEventListener('abort', abort, { once: true });
  try {
    for await (const part of stream) {
      reply += part.message?.content ?? '';
      if (part.done) {
        doneReason = part.done_reason ?? 'stop';
        evalCount = part.eval_count ?? null;
      }
      progress.received(reply.length);
    }
  } finally {
    progress.signal.removeEventListener('abort', abort);
  }
  return { reply, doneReason, evalCount };
}

async function chatOpenAi(endpoint: LlmEndpoint, input: GenerateInput, messages: ChatMessage[], progress: StreamProgress): Promise<ChatResult> {
  const response = await fetch(`${endpoint.url.replace(/\/$/, '')}/chat/completions`, {
    method: 'POST',
    signal: progress.signal,
    headers: {
      'content-type': 'application/json',
      ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      ...requestHeaders(input),
    },
    body: JSON.stringify({ model: input.model, messages, stream: true, temperature: input.temperature }),
  });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    throw Object.assign(new Error(text.slice(0, 500) || response.statusText), { status_code: response.status });
  }
  let reply = '';
  let doneReason = '';
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const event = JSON.parse(data) as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[] };
      const choice = event.choices?.[0];
      reply += choice?.delta?.content ?? '';
      if (choice?.finish_reason) doneReason = choice.finish_reason;
    }
    progress.received(reply.length);
  }
  return { reply, doneReason, evalCount: null };
}

export function createLlmActivities(endpoint: LlmEndpoint, settings: LlmSettings = DEFAULT_LLM_SETTINGS) {
  /** One model answer for one prompt. */
  async function generateCode(input: GenerateInput): Promise<GenerateResult> {
    const started = Date.now();
    const context = Context.current();
    const cancelled = context.cancellationSignal;
    const state = { phase: 'asking the server for the model', chars: 0, promptNote: '' };
    const beat = setInterval(() => context.heartbeat({ ...state }), settings.heartbeatEveryMs);
    const noFirstToken = new AbortController();
    let firstTokenTimer: NodeJS.Timeout | undefined;
    try {
      context.heartbeat({ ...state });
      const modelWindow = await modelContextLength(endpoint, input.model, cancelled);
      const contextWindow = endpoint.provider === 'ollama' ? Math.min(settings.numCtx, modelWindow ?? settings.numCtx) : modelWindow;
      let messages = input.messages;
      if (contextWindow !== null) {
        const fit = fitPrompt(input.messages, contextWindow);
        if (!fit.ok) {
          throw ApplicationFailure.create({
            type: 'PromptTooLong',
            nonRetryable: true,
            message: `the prompt for ${input.model} does not fit its context window: ${fit.reason}`,
            details: [{ server: endpoint.url, model: input.model, error: fit.reason, promptTokens: fit.promptTokens, window: fit.window }],
          });
        }
        messages = fit.messages;
        state.promptNote = fit.note;
        if (fit.note) context.log.warn(`${input.taskId}: ${fit.note}`);
      }
      state.phase = 'waiting for the first token';
      firstTokenTimer = setTimeout(() => noFirstToken.abort(), settings.firstTokenTimeoutMs);
      const progress: StreamProgress = {
        signal: AbortSignal.any([cancelled, noFirstToken.signal]),
        received(chars) {
          if (firstTokenTimer) clearTimeout(firstTokenTimer);
          firstTokenTimer = undefined;
          state.phase = 'streaming';
          state.chars = chars;
        },
      };
      const result = endpoint.provider === 'ollama'
        ? await chatOllama(endpoint, settings, input, messages, progress)
        : await chatOpenAi(endpoint, input, messages, progress);
      // A stream that ends without its final message ("done" / finish_reason) was broken on the way.
      if (!result.doneReason) throw llmUnavailable(endpoint, input.model, `the stream ended after ${result.reply.length} characters without its final message`);
      return { ...result, durationMs: Date.now() - started, ...(state.promptNote ? { promptNote: state.promptNote } : {}) };
    } catch (error) {
      // A cancelled activity rethrows the cancellation itself, never wrapped: the workflow then sees a cancellation, not a fault.
      if (cancelled.aborted) throw cancelled.reason ?? error;
      if (noFirstToken.signal.aborted && state.phase === 'waiting for the first token') {
        throw llmUnavailable(endpoint, input.model, `no first token within ${Math.round(settings.firstTokenTimeoutMs / 1000)} s (llm.first_token_timeout_seconds)`);
      }
      if (state.phase === 'streaming' && !(error instanceof ApplicationFailure)) {
        throw llmUnavailable(endpoint, input.model, `the stream broke after ${state.chars} characters: ${(error as Error)?.message ?? String(error)}`);
      }
      throw modelRequestFailure(endpoint, input.model, error);
    } finally {
      clearInterval(beat);
      if (firstTokenTimer) clearTimeout(firstTokenTimer);
    }
  }
  return { generateCode };
}

export type LlmActivities = ReturnType<typeof createLlmActivities>;
