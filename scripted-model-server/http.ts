/** Small HTTP helpers shared by the Ollama and OpenAI faces of the scripted model server. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { AnswerBook, RequestLogEntry } from './answers';

/** What a protocol handler needs from the server around it. */
export interface HandlerContext {
  book: AnswerBook;
  requests: RequestLogEntry[];
  /** Extra pause between streamed chunks, on top of any scripted delay. */
  chunkDelayMs: number;
  /** Pause before the first byte of every chat answer (a cold model loading); 0 for none. */
  firstTokenDelayMs: number;
  /** After that pause, the first byte also waits until this resolves: a cold load whose end a test decides. */
  holdFirstToken?: () => Promise<void>;
  /** What `/api/show` and `/v1/models` report as the models' context length (tokens). */
  contextLength: number;
  /** Aborted when the client goes away or the server closes: stops sleeps and streams. */
  signal: AbortSignal;
}

/** Marks every response, so nobody mistakes this server for a model in a capture or a log. */
export const SCRIPTED_HEADERS = { 'x-kisystem-scripted-model-server': 'tests-and-demo-only' } as const;

/** Request bodies above this are refused: prompts are large, but not this large. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads and parses a JSON body; null when it is missing, too big or not an object. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    parts.push(part as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(parts).toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Sends one JSON object with a JSON content type (the Ollama client reads error text from it). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SCRIPTED_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sleeps unless aborted; returns false when aborted so the caller stops writing. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) {
    // Still yield, so chunks leave as separate writes the way a model's tokens do.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return !signal.aborted;
  }
  try {
    await sleepFor(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Splits text into several pieces (by code point, never halving a surrogate pair). */
export function splitChunks(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  // At least ~4 pieces so streaming is really exercised; at most 64 characters each.
  const size = Math.max(1, Math.min(64, Math.ceil(chars.length / 4)));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** The first half of a reply: what a generation stopped by a token limit leaves. */
export function cutShort(text: string): string {
  const chars = Array.from(text);
  return chars.slice(0, Math.floor(chars.length / 2)).join('');
}

/** Rough token count for the usage fields: real tokenizers average about four characters a token. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** All message text of a request, for the prompt token estimate. */
export function promptText(messages: readonly unknown[]): string {
  return messages
    .map((m) => (m && typeof m === 'object' ? (m as { content?: unknown }).content : ''))
    .map((c) => (typeof c === 'string' ? c : JSON.stringify(c ?? '')))
    .join('\n');
}
