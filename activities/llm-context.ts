/**
 * How many tokens a model can take, asked from the server once per model: Ollama's POST /api/show
 * (model_info "<arch>.context_length"), an OpenAI-compatible server's GET /models (vLLM's
 * max_model_len). null when the server does not say; a model Ollama does not have is ModelNotAvailable.
 */
import { modelNotAvailable, modelRequestFailure, type LlmEndpointRef } from './llm-faults';

const known = new Map<string, number | null>();

/** Forgets what was learned (tests). */
export function forgetContextLengths(): void {
  known.clear();
}

function contextLengthOf(modelInfo: unknown): number | null {
  if (!modelInfo || typeof modelInfo !== 'object') return null;
  for (const [key, value] of Object.entries(modelInfo as Record<string, unknown>)) {
    if (key.endsWith('.context_length') && typeof value === 'number' && value > 0) return value;
  }
  return null;
}

async function askOllama(endpoint: LlmEndpointRef, model: string, signal: AbortSignal): Promise<number | null> {
  let response: Response;
  try {
    response = await fetch(`${endpoint.url.replace(/\/$/, '')}/api/show`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model }),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw modelRequestFailure(endpoint, model, error);
  }
  if (response.status === 404) {
    const text = await response.text().catch(() => '');
    if (/not found/i.test(text) && /model/i.test(text)) throw modelNotAvailable(endpoint, model, `HTTP 404 ${text.slice(0, 300)}`);
    return null;
  }
  if (response.status >= 500 || response.status === 429) {
    throw modelRequestFailure(endpoint, model, Object.assign(new Error((await response.text().catch(() => '')).slice(0, 300)), { status_code: response.status }));
  }
  if (!response.ok) return null;
  const body = (await response.json().catch(() => null)) as { model_info?: unknown } | null;
  return contextLengthOf(body?.model_info);
}

async function askOpenAi(endpoint: LlmEndpointRef & { apiKey?: string }, model: string, signal: AbortSignal): Promise<number | null> {
  try {
    const response = await fetch(`${endpoint.url.replace(/\/$/, '')}/models`, {
      signal,
      headers: endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {},
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { data?: { id?: string; max_model_len?: number }[] };
    const entry = body.data?.find((m) => m.id === model);
    return typeof entry?.max_model_len === 'number' ? entry.max_model_len : null;
  } catch (error) {
    if (signal.aborted) throw error;
    return null; // the chat request itself reports an unreachable server
  }
}

/** The model's context length in tokens, or null when the server does not say. Cached per server and model. */
export async function modelContextLength(endpoint: LlmEndpointRef & { apiKey?: string }, model: string, signal: AbortSignal): Promise<number | null> {
  const key = `${endpoint.provider} ${endpoint.url} ${model}`;
  if (known.has(key)) return known.get(key)!;
  const length = endpoint.provider === 'ollama' ? await askOllama(endpoint, model, signal) : await askOpenAi(endpoint, model, signal);
  known.set(key, length);
  return length;
}
