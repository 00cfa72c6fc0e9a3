/**
 * Ollama face of the scripted model server (tests and demo only): `/api/tags`, `/api/version`,
 * `/api/ps` and `/api/chat`, in the wire format the official `ollama` npm client parses
 * (NDJSON stream ending in a `done: true` line; errors as `{"error": "..."}` with a JSON type).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, canonicalModel } from './answers';
import { coldLoad, logRefused, planChat, streamPieces, waitOrDrop, type PlannedReply } from './chat';
import { SCRIPTED_HEADERS, promptText, readJsonObject, roughTokens, sendJson, type HandlerContext } from './http';

/** Reported by `/api/version`; says what this is rather than pretending to be an Ollama release. */
export const SCRIPTED_OLLAMA_VERSION = '0.0.0-scripted-model-server';

/** Fixed date, so `/api/tags` is the same on every run. */
const MODIFIED_AT = '2024-01-01T00:00:00Z';

/** `GET /api/tags`: the scripted models, in Ollama's list shape. */
export function handleTags(ctx: HandlerContext, res: ServerResponse): void {
  const models = ctx.book.models().map((m) => {
    const name = canonicalModel(m);
    return {
      name,
      model: name,
      modified_at: MODIFIED_AT,
      size: 0,
      digest: createHash('sha256').update(`scripted:${name}`).digest('hex'),
      details: {
        parent_model: '',
        format: 'scripted',
        family: 'scripted',
        families: ['scripted'],
        parameter_size: '0',
        quantization_level: 'none',
      },
    };
  });
  sendJson(res, 200, { models });
}

/** `GET /api/version`. */
export function handleVersion(res: ServerResponse): void {
  sendJson(res, 200, { version: SCRIPTED_OLLAMA_VERSION });
}

/** `GET /api/ps`: nothing is ever loaded in memory, because there is no model. */
export function handlePs(res: ServerResponse): void {
  sendJson(res, 200, { models: [] });
}

/** `POST /api/show`: the model's details; `model_info` carries the context length, as Ollama's does. */
export async function handleShow(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  const model = body?.model ?? body?.name;
  if (typeof model !== 'string' || model === '') return sendJson(res, 400, { error: 'model is required' });
  if (!ctx.book.hasModel(model)) return sendJson(res, 404, { error: `model '${model}' not found` });
  sendJson(res, 200, {
    modelfile: '# scripted model server: no model file',
    details: { format: 'scripted', family: 'scripted', parameter_size: '0', quantization_level: 'none' },
    model_info: { 'general.architecture': 'scripted', 'scripted.context_length': ctx.contextLength },
    capabilities: ['completion'],
    modified_at: MODIFIED_AT,
  });
}

/** `POST /api/chat`: streams (the Ollama default) or answers with one object when `stream` is false. */
export async function handleChat(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  if (!body) return sendJson(res, 400, { error: 'invalid JSON request body' });
  const model = body.model;
  if (typeof model !== 'string' || model === '') return sendJson(res, 400, { error: 'model is required' });
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const stream = body.stream !== false;

  if (!ctx.book.hasModel(model)) {
    logRefused(ctx, 'ollama', model, stream, 404, 'unknown model');
    return sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });
  }
  let plan: PlannedReply;
  try {
    plan = planChat(ctx, 'ollama', req, model, messages, stream);
    const entry = ctx.requests[ctx.requests.length - 1]!;
    const options = body.options as { num_ctx?: unknown } | undefined;
    if (typeof options?.num_ctx === 'number') entry.numCtx = options.num_ctx;
    if (typeof body.keep_alive === 'string' || typeof body.keep_alive === 'number') entry.keepAlive = body.keep_alive;
  } catch (err) {
    if (err instanceof BadRequestError) return sendJson(res, 400, { error: err.message });
    throw err;
  }
  const evalCount = plan.kind === 'text' ? roughTokens(plan.content) : 0;

  const started = process.hrtime.bigint();
  const line = (content: string, done: boolean) => ({
    model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content },
    done,
  });
  const final = (content: string, reason: string) => {
    const total = Number(process.hrtime.bigint() - started);
    return {
      ...line(content, true),
      done_reason: reason,
      total_duration: total,
      load_duration: 0,
      prompt_eval_count: roughTokens(promptText(messages)),
      prompt_eval_duration: 0,
      eval_count: evalCount,
      eval_duration: total,
    };
  };

  if (plan.kind === 'error') {
    const { status, message } = plan;
    if (await waitOrDrop(ctx, plan.delayMs, res)) sendJson(res, status, { error: message });
    return;
  }
  if (!stream) {
    if (await waitOrDrop(ctx, plan.delayMs, res)) sendJson(res, 200, final(plan.content, plan.finishReason));
    return;
  }
  // A cold model: nothing at all (not even the headers) until it is loaded.
  if (!(await coldLoad(ctx, res))) return;
  res.writeHead(200, { ...SCRIPTED_HEADERS, 'Content-Type': 'application/x-ndjson' });
  const write = (obj: unknown) => res.write(`${JSON.stringify(obj)}\n`);
  if (!(await streamPieces(ctx, plan.content, plan.delayMs, (piece) => write(line(piece, false))))) return void res.destroy();
  if (plan.breakStream) return void res.destroy(); // a server that dies mid-answer
  write(final('', plan.finishReason));
  res.end();
}
