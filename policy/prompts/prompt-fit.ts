/**
 * Fitting a prompt into the model's context window, never silently: a server that truncates a
 * prompt drops its beginning (the goal and the interface) without a word. Pure.
 *
 * Tokens are estimated conservatively at 3 characters a token (real tokenizers average about 4 for
 * English and code). A quarter of the window (at most 8192 tokens) is kept free for the answer.
 * When the prompt is too long, it is shortened in this order, and the note says what was cut:
 *   1. tool output (```text blocks: compiler and test output of earlier runs), oldest message
 *      first, each cut to its first and last lines around a visible "[... left out ...]" marker;
 *   2. those blocks removed entirely (the marker stays);
 * the goal, the interface and the code are never cut: if it still does not fit, the prompt is
 * refused with the figures.
 */
import type { ChatMessage } from './prompt';

export const CHARS_PER_TOKEN = 3;

/** Conservative token estimate of a message list (content plus a few tokens of framing per message). */
export function estimateTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + Math.ceil(m.content.length / CHARS_PER_TOKEN) + 8, 0);
}

/** Tokens kept free for the answer in a window of `window` tokens. */
export function answerReserve(window: number): number {
  return Math.min(8192, Math.floor(window / 4));
}

export type PromptFit =
  | { ok: true; messages: ChatMessage[]; note: string; promptTokens: number; window: number }
  | { ok: false; reason: string; promptTokens: number; window: number };

function cutMiddle(text: string, keepChars: number): string {
  if (text.length <= keepChars) return text;
  const head = text.slice(0, Math.ceil(keepChars * 0.7));
  const tail = text.slice(text.length - Math.floor(keepChars * 0.3));
  return `${head}\n[... ${text.length - head.length - tail.length} characters of output left out to fit the model's context window ...]\n${tail}`;
}

/**
 * Shortens `messages` to fit `window` tokens (the smaller of the configured num_ctx and the model's
 * own context length; null when the server does not say), or refuses.
 */
export function fitPrompt(messages: readonly ChatMessage[], window: number): PromptFit {
  const budget = window - answerReserve(window);
  const original = estimateTokens(messages);
  if (original <= budget) return { ok: true, messages: [...messages], note: '', promptTokens: original, window };
  const current = messages.map((m) => ({ ...m }));
  const excessChars = () => (estimateTokens(current) - budget) * CHARS_PER_TOKEN;
  let cutBlocks = 0;
  let droppedBlocks = 0;
  // Each message as [prose, ```text block, prose, ...], so every change is measured at once.
  const parts = current.map((m) => m.content.split(/(```text\n[\s\S]*?\n```)/));
  const isBlock = (i: number) => i % 2 === 1;
  const rewrite = (m: number, i: number, body: string) => {
    parts[m]![i] = '```text\n' + body + '\n```';
    current[m]!.content = parts[m]!.join('');
  };
  // 1. Shorten tool output, oldest message first.
  for (let m = 0; m < current.length && excessChars() > 0; m++) {
    for (let i = 1; i < parts[m]!.length && excessChars() > 0; i += 2) {
      const body = parts[m]![i]!.slice('```text\n'.length, -'\n```'.length);
      const keep = Math.max(600, body.length - excessChars() - 200);
      if (keep >= body.length) continue;
      cutBlocks++;
      rewrite(m, i, cutMiddle(body, keep));
    }
  }
  // 2. Drop tool output altogether.
  for (let m = 0; m < current.length && excessChars() > 0; m++) {
    for (let i = 1; i < parts[m]!.length && excessChars() > 0; i += 2) {
      if (!isBlock(i)) continue;
      droppedBlocks++;
      rewrite(m, i, "[output left out to fit the model's context window]");
    }
  }
  const promptTokens = estimateTokens(current);
  if (promptTokens > budget) {
    return {
      ok: false,
      reason:
        `the prompt needs about ${original} tokens (estimated at ${CHARS_PER_TOKEN} characters a token), ` +
        `and even without the earlier tool output about ${promptTokens}, but the context window is ${window} tokens ` +
        `with ${answerReserve(window)} kept for the answer: raise llm.num_ctx (and the model's context) or shorten the goal or interface`,
      promptTokens,
      window,
    };
  }
  const note =
    `prompt shortened to fit the context window of ${window} tokens (about ${original} -> ${promptTokens} tokens): ` +
    [cutBlocks ? `${cutBlocks} tool output block(s) cut in the middle` : '', droppedBlocks ? `${droppedBlocks} left out` : ''].filter(Boolean).join(', ');
  return { ok: true, messages: current, note, promptTokens, window };
}
