/**
 * OpenAI-compatible face of the scripted model server (tests and demo only), as served by vLLM
 * and the llama.cpp server: `GET /v1/models` and `POST /v1/chat/completions`, streamed as SSE
 * `data:` lines of `chat.completion.chunk` objects ending in `data: [DONE]`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError } from './answers';
import { coldLoad, logRefused, planChat, streamPieces, waitOrDrop, type PlannedReply } from './chat';
import { SCRIPTED_HEADERS, promptText, readJsonObject, roughTokens, sendJson, type HandlerContext } from './http';

/** OpenAI's error body shape, which OpenAI-compatible clients read `error.message` from. */
function sendError(res: ServerResponse, status: number, message: string, type: string, code: string | number | null): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}

/**
 * Checks `Authorization: Bearer <key>` when the server has a key, as vLLM's `--api-key` does.
 * Returns false (after answering 401) when the key is missing or wrong.
 */
export function checkApiKey(apiKey: string | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  if (apiKey === undefined) return true;
  if (req.headers.authorization === `Bearer ${apiKey}`) return true;
  sendError(res, 401, 'scripted model server: missing or wrong API key (send Authorization: Bearer <key>)', 'invalid_request_error', 'invalid_api_key');
  return false;
}

/** `GET /v1/models`: the scripted models as written in the scripts. */
export function handleModels(ctx: HandlerContext, res: ServerResponse): void {
  const data = ctx.book.models().map((id) => ({ id, object: 'model', created: 0, owned_by: 'kisystem-scripted-model-server', max_model_len: ctx.contextLength }));
  sendJson(res, 200, { object: 'list', data });
}

let completionSeq = 0;

/** `POST /v1/chat/completions`, streamed when `stream` is true (the OpenAI default is false). */
export async function handleChatCompletions(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  if (!body) return sendError(res, 400, 'invalid JSON request body', 'invalid_request_error', null);
  const model = body.model;
  if (typeof model !== 'string' || model === '') return sendError(res, 400, 'model is required', 'invalid_request_error', null);
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const stream = body.stream === true;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;

  if (!ctx.book.hasModel(model)) {
    logRefused(ctx, 'openai', model, stream, 404, 'unknown model');
    return sendError(res, 404, `The model \`${model}\` does not exist.`, 'invalid_request_error', 'model_not_found');
  }
  let plan: PlannedReply;
  try {
    plan = planChat(ctx, 'openai', req, model, messages, stream);
  } catch (err) {
    if (err instanceof BadRequestError) return sendError(res, 400, err.message, 'invalid_request_error', null);
    throw err;
  }
  if (plan.kind === 'error') {
    const { status, message } = plan;
    if (await waitOrDrop(ctx, plan.delayMs, res)) sendError(res, status, message, status >= 500 ? 'server_error' : 'invalid_request_error', status);
    return;
  }

  const id = `chatcmpl-scripted-${++completionSeq}`;
  const created = Math.floor(Date.now() / 1000);
  const promptTokens = roughTokens(promptText(messages));
  const completionTokens = roughTokens(plan.content);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };

  if (!stream) {
    if (!(await waitOrDrop(ctx, plan.delayMs, res))) return;
    return sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: plan.content }, logprobs: null, finish_reason: plan.finishReason }],
      usage,
    });
  }

  if (!(await coldLoad(ctx, res))) return;
  res.writeHead(200, { ...SCRIPTED_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
  // The first chunk carries the role, as OpenAI and vLLM send it.
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  const piece = (content: string) => chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]);
  if (!(await streamPieces(ctx, plan.content, plan.delayMs, piece))) return void res.destroy();
  if (plan.breakStream) return void res.destroy(); // a server that dies mid-answer
  chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: plan.finishReason }]);
  if (streamOptions && streamOptions.include_usage === true) chunk([], { usage });
  res.write('data: [DONE]\n\n');
  res.end();
}
