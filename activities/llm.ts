/**
 * Asking a model for code: Ollama (official client) or an OpenAI-compatible server (vLLM,
 * llama.cpp server). Streams, heartbeating per chunk. A reply is returned as it is, complete or cut
 * short (the workflow judges it); a server that is down or answers 5xx is an infrastructure fault
 * and throws, so that Temporal's retry policy handles it without counting it against the model.
 */
import { Context, ApplicationFailure } from '@temporalio/activity';
import { Ollama } from 'ollama';
import type { ChatMessage } from '../policy/prompt';
import type { GenerateInput, GenerateResult } from './types';

export interface LlmEndpoint {
  provider: 'ollama' | 'openai';
  /** Ollama address or the OpenAI-compatible base URL (ending in /v1). */
  url: string;
  apiKey?: string;
}

/** Headers that let logs (and the scripted model server) tell requests apart; real servers ignore them. */
function requestHeaders(input: GenerateInput): Record<string, string> {
  return {
    'x-kisystem-task-id': input.taskId,
    'x-kisystem-workflow-id': input.workflowId,
    'x-kisystem-model-attempt': String(input.modelAttempt),
  };
}

function infrastructureFault(endpoint: LlmEndpoint, model: string, error: unknown): never {
  const status = (error as { status_code?: number }).status_code;
  const message = (error as Error)?.message ?? String(error);
  if (status === 404) {
    const hint = endpoint.provider === 'ollama' ? `run: ollama pull ${model}` : undefined;
    throw ApplicationFailure.create({
      type: 'ModelNotAvailable',
      message: `model ${model} is not available at ${endpoint.url}: ${message}` + (hint ? ` (${hint})` : ''),
      details: [{ server: endpoint.url, model, error: message, hint }],
    });
  }
  if (status !== undefined && status < 500 && status !== 429) {
    throw ApplicationFailure.create({ type: 'LlmRequestRejected', message: `${endpoint.url} rejected the request for ${model}: HTTP ${status} ${message}` });
  }
  throw ApplicationFailure.create({
    type: 'LlmUnavailable',
    message: `LLM server ${endpoint.url} (${endpoint.provider}) failed for ${model}: ${status ? `HTTP ${status} ` : ''}${message}`,
    details: [{ server: endpoint.url, model, error: `${status ? `HTTP ${status} ` : ''}${message}` }],
  });
}

async function chatOllama(endpoint: LlmEndpoint, input: GenerateInput, signal: AbortSignal): Promise<Omit<GenerateResult, 'durationMs'>> {
  const client = new Ollama({ host: endpoint.url, headers: requestHeaders(input) });
  let reply = '';
  let doneReason = '';
  let evalCount: number | null = null;
  const stream = await client.chat({
    model: input.model,
    messages: input.messages,
    stream: true,
    options: { temperature: input.temperature },
  });
  const abort = () => stream.abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    for await (const part of stream) {
      reply += part.message?.content ?? '';
      if (part.done) {
        doneReason = part.done_reason ?? 'stop';
        evalCount = part.eval_count ?? null;
      }
      Context.current().heartbeat({ chars: reply.length });
    }
  } finally {
    signal.removeEventListener('abort', abort);
  }
  // A stream that ends without its final "done" message was cut off on the way.
  return { reply, doneReason: doneReason || 'incomplete', evalCount };
}

async function chatOpenAi(endpoint: LlmEndpoint, input: GenerateInput, signal: AbortSignal): Promise<Omit<GenerateResult, 'durationMs'>> {
  const response = await fetch(`${endpoint.url.replace(/\/$/, '')}/chat/completions`, {
    method: 'POST',
    signal,
    headers: {
      'content-type': 'application/json',
      ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      ...requestHeaders(input),
    },
    body: JSON.stringify({ model: input.model, messages: input.messages as ChatMessage[], stream: true, temperature: input.temperature }),
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
    Context.current().heartbeat({ chars: reply.length });
  }
  return { reply, doneReason: doneReason || 'incomplete', evalCount: null };
}

export function createLlmActivities(endpoint: LlmEndpoint) {
  /** One model answer for one prompt. */
  async function generateCode(input: GenerateInput): Promise<GenerateResult> {
    const started = Date.now();
    const signal = Context.current().cancellationSignal;
    try {
      const result = endpoint.provider === 'ollama' ? await chatOllama(endpoint, input, signal) : await chatOpenAi(endpoint, input, signal);
      return { ...result, durationMs: Date.now() - started };
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof ApplicationFailure) throw error;
      return infrastructureFault(endpoint, input.model, error);
    }
  }
  return { generateCode };
}

export type LlmActivities = ReturnType<typeof createLlmActivities>;
