/**
 * Reading a model's reply as people write Markdown: the thoughts of reasoning models removed, and
 * fenced code blocks found wherever they stand (top level, indented inside list items, ``` or ~~~,
 * CRLF line ends), each with the file name the reply gives it, if any. Pure.
 */

/** One fenced block of a reply. */
export interface ReplyBlock {
  /** The info string's first word (`cuda`, `c++`, `` for none), lower case. */
  tag: string;
  /** The file name the reply gives the block (info string, first-line comment, or the line above). */
  name?: string;
  /** The block's text, with the fence's indentation removed. */
  content: string;
}

/** The reply without thoughts, and whether it ended while the model was still thinking. */
export interface ReadableReply {
  text: string;
  /** A `<think>` section was opened and never closed: the reply holds no answer after it. */
  endedInThought: boolean;
}

/**
 * Reasoning models (deepseek-r1) think aloud before they answer; code in the thoughts is a draft.
 * - `<think>...</think>` sections are removed;
 * - a `</think>` without its opening tag (some Ollama templates put `<think>` into the prompt) ends
 *   the thoughts: everything before it is dropped;
 * - a `<think>` left open (the reply stopped mid-thought) drops everything after it.
 */
export function readReply(reply: string): ReadableReply {
  let text = reply.replace(/\r\n?/g, '\n').replace(/<think>[\s\S]*?<\/think>/gi, '');
  const orphanClose = text.toLowerCase().lastIndexOf('</think>');
  if (orphanClose >= 0) text = text.slice(orphanClose + '</think>'.length);
  const open = text.search(/<think>/i);
  const endedInThought = open >= 0;
  if (endedInThought) text = text.slice(0, open);
  return { text, endedInThought };
}

const OPENING = /^([ \t]*)((?:[-*+]|\d{1,3}[.)])[ \t]+)?(`{3,}|~{3,})[ \t]*([^\n`]*)$/;
const NAME_COMMENT = /^\s*(?:\/\/|#|\/\*)\s*(?:file(?:name)?|path)\s*:\s*([^\s*]+)/i;
/** A first line that is only a comment holding a file name: `// vector_add.cu` (or the same in a block comment). */
const NAME_ONLY_COMMENT = /^\s*(?:\/\/|\/\*)\s*([A-Za-z0-9_.\-/]+\.(?:cu|cuh|cpp|cc|cxx|c|h|hpp|hh|hxx|inl))\s*(?:\*\/)?\s*$/i;
const FILE_LIKE = /^[A-Za-z0-9_.\-/]+\.(?:cu|cuh|cpp|cc|cxx|c|h|hpp|hh|hxx|inl)$/i;

function nameFromInfo(info: string): string | undefined {
  const words = info.trim().split(/\s+/).slice(1);
  const colonName = /^[A-Za-z+]+:(\S+\.\w+)$/.exec(info.trim())?.[1];
  if (colonName) return colonName;
  for (const word of words) {
    const value = word.replace(/^(file(?:name)?|title|path)=/i, '').replace(/["']/g, '');
    if (/[./]/.test(value)) return value;
  }
  return undefined;
}

/** `**solution.cu**`, `### File: solution.cu`, `` `solution.cu`: `` on the line just above a fence. */
function nameFromLineAbove(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const bare = line
    .trim()
    .replace(/^(?:#{1,6}\s*|(?:[-*+]|\d{1,3}[.)])\s+)/, '')
    .replace(/[*_`"]/g, '')
    .replace(/^(?:file(?:name)?|path)\s*:?\s*/i, '')
    .replace(/\s*[:.]?\s*$/, '')
    .replace(/\s*\((?:[^)]*)\)$/, '');
  return FILE_LIKE.test(bare) ? bare : undefined;
}

function dedent(line: string, indent: number): string {
  let removed = 0;
  while (removed < indent && (line[removed] === ' ' || line[removed] === '\t')) removed++;
  return line.slice(removed);
}

/** The fenced blocks of a reply (thoughts already removed), in order. An unclosed fence runs to the end. */
export function parseBlocks(text: string): ReplyBlock[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: ReplyBlock[] = [];
  let lastProse: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = OPENING.exec(lines[i]!);
    if (!open) {
      if (lines[i]!.trim() !== '') lastProse = lines[i];
      continue;
    }
    const indent = open[1]!.length + (open[2]?.length ?? 0);
    const fence = open[3]!;
    const info = open[4]!.trim();
    const body: string[] = [];
    let j = i + 1;
    const closing = new RegExp(`^[ \\t]*${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
    for (; j < lines.length && !closing.test(lines[j]!); j++) body.push(dedent(lines[j]!, indent));
    const content = body.join('\n');
    const tag = (info.split(/[\s:{]/)[0] ?? '').toLowerCase();
    const fromComment = NAME_COMMENT.exec(body[0] ?? '')?.[1] ?? NAME_ONLY_COMMENT.exec(body[0] ?? '')?.[1];
    const name = fromComment ?? nameFromInfo(info) ?? nameFromLineAbove(lastProse);
    blocks.push(name === undefined ? { tag, content } : { tag, name, content });
    lastProse = undefined;
    i = j;
  }
  return blocks;
}
