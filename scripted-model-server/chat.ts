/**
 * Protocol-neutral part of a chat request (scripted model server; tests and demo only): pick the
 * scripted answer, log it, and turn it into either an error to send or text to send.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { noScriptReply, type RequestLogEntry } from './answers';
import { cutShort, pause, splitChunks, type HandlerContext } from './http';

/** What to send back for one chat request. */
export type PlannedReply =
  | { kind: 'error'; status: number; message: string; delayMs: number }
  | { kind: 'text'; content: string; finishReason: 'stop' | 'length'; delayMs: number; breakStream?: boolean };

/**
 * Picks and logs the answer for a chat request whose model is known.
 * @throws BadRequestError for a malformed attempt header.
 */
export function planChat(
  ctx: HandlerContext,
  protocol: RequestLogEntry['protocol'],
  req: IncomingMessage,
  model: string,
  messages: readonly unknown[],
  stream: boolean,
): PlannedReply {
  const pick = ctx.book.pick(model, req.headers, messages);
  const entry: RequestLogEntry = {
    at: new Date().toISOString(),
    protocol,
    model,
    task: pick.task,
    attempt: pick.attempt,
    attemptFrom: pick.attemptFrom,
    item: pick.item,
    answeredBy: pick.answer ? pick.answer.label : 'no script',
    stream,
    status: pick.answer?.kind === 'http_status' ? pick.answer.status : 200,
  };
  ctx.requests.push(entry);
  const answer = pick.answer;
  if (!answer) return { kind: 'text', content: noScriptReply(pick.task, model), finishReason: 'stop', delayMs: 0 };
  if (answer.kind === 'http_status') {
    return {
      kind: 'error',
      status: answer.status,
      message: `scripted model server: injected HTTP ${answer.status} for task ${pick.task} model ${model} attempt ${pick.attempt}`,
      delayMs: answer.delayMs,
    };
  }
  if (answer.breakStream) return { kind: 'text', content: cutShort(answer.content), finishReason: 'stop', delayMs: answer.delayMs, breakStream: true };
  return answer.cutShort
    ? { kind: 'text', content: cutShort(answer.content), finishReason: 'length', delayMs: answer.delayMs }
    : { kind: 'text', content: answer.content, finishReason: 'stop', delayMs: answer.delayMs };
}

/** Logs a request refused before any answer was picked (unknown model). */
export function logRefused(
  ctx: HandlerContext,
  protocol: RequestLogEntry['protocol'],
  model: string,
  stream: boolean,
  status: number,
  answeredBy: string,
): void {
  ctx.requests.push({
    at: new Date().toISOString(),
    protocol,
    model,
    task: null,
    attempt: 0,
    attemptFrom: 'none',
    item: null,
    answeredBy,
    stream,
    status,
  });
}

/**
 * Writes text piece by piece, spreading the scripted delay over the pieces the way a model's
 * tokens arrive over its generation time. Returns false if the client left or the server closed.
 */
export async function streamPieces(
  ctx: HandlerContext,
  content: string,
  delayMs: number,
  write: (piece: string) => void,
): Promise<boolean> {
  const pieces = splitChunks(content);
  const gap = (pieces.length > 0 ? delayMs / pieces.length : 0) + ctx.chunkDelayMs;
  if (pieces.length === 0 && !(await pause(delayMs, ctx.signal))) return false;
  for (const piece of pieces) {
    if (!(await pause(gap, ctx.signal))) return false;
    write(piece);
  }
  return true;
}

/** A cold model: nothing at all until it is loaded (the delay, then the test's hold); false when the client left. */
export async function coldLoad(ctx: HandlerContext, res: ServerResponse): Promise<boolean> {
  if (!(await waitOrDrop(ctx, ctx.firstTokenDelayMs, res))) return false;
  if (!ctx.holdFirstToken) return true;
  const left = new Promise<false>((resolve) => {
    if (ctx.signal.aborted) resolve(false);
    ctx.signal.addEventListener('abort', () => resolve(false), { once: true });
  });
  const loaded = await Promise.race([ctx.holdFirstToken().then(() => true as const), left]);
  if (!loaded) res.destroy();
  return loaded;
}

/** Waits the scripted delay; false (and the connection dropped) when the client or server went away. */
export async function waitOrDrop(ctx: HandlerContext, delayMs: number, res: ServerResponse): Promise<boolean> {
  if (delayMs <= 0 || (await pause(delayMs, ctx.signal))) return true;
  res.destroy();
  return false;
}
