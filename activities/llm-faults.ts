/**
 * Model-server faults as the workflow expects them: non-retryable
 * ApplicationFailures of type LlmUnavailable or ModelNotAvailable with one details object
 * { server, model, error, hint? }. The workflow waits (durably, visibly) and tries again; Temporal's
 * retry policy does not, so an outage is never spent in a few quick retries.
 */
import { ApplicationFailure } from '@temporalio/activity';

export interface LlmEndpointRef {
  provider: 'ollama' | 'openai';
  url: string;
}

/** The details payload of LlmUnavailable and ModelNotAvailable. */
export interface ModelServerFaultDetails {
  /** Base URL of the model server. */
  server: string;
  model: string;
  /** What went wrong, in one line. */
  error: string;
  /** What a person can do, e.g. "run: ollama pull qwen2.5-coder:32b". */
  hint?: string;
}

function failure(type: 'LlmUnavailable' | 'ModelNotAvailable', message: string, details: ModelServerFaultDetails): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** The model server cannot be reached, fails (5xx, 429), sends no first token in time, or breaks the stream. */
export function llmUnavailable(endpoint: LlmEndpointRef, model: string, error: string): ApplicationFailure {
  const hint = endpoint.provider === 'ollama'
    ? `is Ollama running at ${endpoint.url}? (ollama serve, or systemctl status ollama); kisystem waits and tries again`
    : `is the OpenAI-compatible server at ${endpoint.url} running? kisystem waits and tries again`;
  return failure('LlmUnavailable', `model server ${endpoint.url} (${endpoint.provider}) unavailable for ${model}: ${error}`, { server: endpoint.url, model, error, hint });
}

/** The server runs but does not have the model. */
export function modelNotAvailable(endpoint: LlmEndpointRef, model: string, error: string): ApplicationFailure {
  const hint = endpoint.provider === 'ollama' ? `run: ollama pull ${model}` : `start the server at ${endpoint.url} with the model ${model} (vLLM: --served-model-name ${model})`;
  return failure('ModelNotAvailable', `model ${model} is not available at ${endpoint.url}: ${error} (${hint})`, { server: endpoint.url, model, error, hint });
}

/** The failure for an error thrown by a request: HTTP status (status_code) or a network error. */
export function modelRequestFailure(endpoint: LlmEndpointRef, model: string, error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const status = (error as { status_code?: number }).status_code;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = [(error as Error)?.message ?? String(error), cause?.code ?? cause?.message].filter(Boolean).join(': ');
  if (status === 404 || (status === 400 && /model.*(not found|does not exist)|model_not_found/i.test(message))) {
    return modelNotAvailable(endpoint, model, `HTTP ${status} ${message}`);
  }
  if (status !== undefined && status < 500 && status !== 429 && status !== 408) {
    return ApplicationFailure.create({
      type: 'LlmRequestRejected',
      message: `${endpoint.url} rejected the request for ${model}: HTTP ${status} ${message}`,
      nonRetryable: true,
      details: [{ server: endpoint.url, model, error: `HTTP ${status} ${message}` }],
    });
  }
  return llmUnavailable(endpoint, model, `${status ? `HTTP ${status} ` : ''}${message}`);
}
