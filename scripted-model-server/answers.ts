/**
 * Which scripted answer a chat request gets (scripted model server; tests and demo only).
 *
 * The caller says which task and which attempt it is with two headers, so a retried request
 * (same attempt number) gets the same answer however often the transport retries it. Callers that
 * send no headers still work: the task comes from a `Task id: <id>` line in the messages and the
 * attempt from a per (task, model) counter.
 */
import type { LoadedScript, ScriptedAnswer } from './scripts';

/** Header naming the task a request belongs to. */
export const TASK_HEADER = 'x-kisystem-task-id';
/** Header with the 1-based count of this model's answers in this task so far (the request included). */
export const ATTEMPT_HEADER = 'x-kisystem-model-attempt';

/** Fallback when no task header is sent: the first `Task id: <id>` in the messages. */
const TASK_LINE = /Task id:\s*([A-Za-z0-9][A-Za-z0-9._:\/-]*)/i;

/** One served (or refused) chat request, kept in memory for tests to inspect. */
export interface RequestLogEntry {
  /** ISO time the request arrived. */
  at: string;
  protocol: 'ollama' | 'openai';
  model: string;
  /** Null when neither the header nor the messages name a task. */
  task: string | null;
  /** 1-based attempt used to pick the answer (0 when no answer was picked, e.g. unknown model). */
  attempt: number;
  attemptFrom: 'header' | 'counter' | 'none';
  /** Index into the model's answer list, or null when no scripted item answered. */
  item: number | null;
  /** What answered: the item's label (`file answers/x.cu`, `text`, `http_status 500`), `no script` or `unknown model`. */
  answeredBy: string;
  stream: boolean;
  /** HTTP status sent. */
  status: number;
  /** Ollama request: options.num_ctx and keep_alive as sent (so tests see the client set them). */
  numCtx?: number;
  keepAlive?: string | number;
}

/** The outcome of picking an answer for one request. */
export interface Pick {
  task: string | null;
  attempt: number;
  attemptFrom: 'header' | 'counter';
  item: number | null;
  /** Null when there is no script for this task and model. */
  answer: ScriptedAnswer | null;
}

/** Ollama treats `name` and `name:latest` as the same model; so do we, for both protocols. */
export function canonicalModel(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

/** Text of a message's content: a plain string (Ollama) or OpenAI content parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : '')).join('\n');
  }
  return '';
}

/** First `Task id: <id>` across the messages, or null. */
export function taskFromMessages(messages: readonly unknown[]): string | null {
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const match = TASK_LINE.exec(contentText((m as { content?: unknown }).content));
    if (match) return match[1];
  }
  return null;
}

/** Thrown for a malformed attempt header: a client bug that should fail loudly, not pick answer 1. */
export class BadRequestError extends Error {}

/** Answer lookup plus the header-less counters; one per server. */
export class AnswerBook {
  private readonly scripts = new Map<string, LoadedScript>();
  private readonly counters = new Map<string, number>();

  constructor(scripts: readonly LoadedScript[]) {
    for (const s of scripts) this.scripts.set(s.task, s);
  }

  /** Every model named in any script, as written, without duplicates. */
  models(): string[] {
    const seen = new Map<string, string>();
    for (const s of this.scripts.values()) {
      for (const m of Object.keys(s.models)) if (!seen.has(canonicalModel(m))) seen.set(canonicalModel(m), m);
    }
    return [...seen.values()];
  }

  /** Whether any script names this model (an unknown model is a 404, like a model never pulled). */
  hasModel(model: string): boolean {
    return this.models().some((m) => canonicalModel(m) === canonicalModel(model));
  }

  /** Picks the answer for a request; `headers` are Node's lower-cased request headers. */
  pick(model: string, headers: Record<string, string | string[] | undefined>, messages: readonly unknown[]): Pick {
    const headerTask = firstHeader(headers[TASK_HEADER]);
    const task = headerTask !== undefined && headerTask.trim() !== '' ? headerTask.trim() : taskFromMessages(messages);

    let attempt: number;
    let attemptFrom: Pick['attemptFrom'];
    const headerAttempt = firstHeader(headers[ATTEMPT_HEADER]);
    if (headerAttempt !== undefined) {
      if (!/^\s*[1-9][0-9]*\s*$/.test(headerAttempt)) {
        throw new BadRequestError(`${ATTEMPT_HEADER} must be a positive integer, got "${headerAttempt}"`);
      }
      attempt = Number(headerAttempt);
      attemptFrom = 'header';
    } else {
      const key = `${task ?? ''}\u0000${canonicalModel(model)}`;
      attempt = (this.counters.get(key) ?? 0) + 1;
      this.counters.set(key, attempt);
      attemptFrom = 'counter';
    }

    const script = task === null ? undefined : this.scripts.get(task);
    const scriptModel = script && Object.keys(script.models).find((m) => canonicalModel(m) === canonicalModel(model));
    if (!script || scriptModel === undefined) return { task, attempt, attemptFrom, item: null, answer: null };
    const answers = script.models[scriptModel];
    // The last answer repeats: a loop that keeps asking keeps getting the final scripted reply.
    const item = Math.min(attempt, answers.length) - 1;
    return { task, attempt, attemptFrom, item, answer: answers[item] };
  }
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The plain reply (HTTP 200, no code block) for a task or model that has no script. */
export function noScriptReply(task: string | null, model: string): string {
  return `scripted model server: no script for task ${task ?? '(none: no task header and no "Task id:" line)'} and model ${model}`;
}
