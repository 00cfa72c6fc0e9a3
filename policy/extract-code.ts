/**
 * Turning a model's reply into files: fenced code blocks, optional file names, and the refusal of
 * names that would leave the run folder. Pure; the build activity checks paths again on disk.
 */

export interface ExtractedFile {
  path: string;
  content: string;
}

export type Extraction =
  | { ok: true; files: ExtractedFile[]; note: string }
  | { ok: false; reason: string; unsafePath?: string };

interface Block {
  info: string;
  name?: string;
  content: string;
}

const FENCE = /(^|\n)(```|~~~)([^\n]*)\n([\s\S]*?)\n\2[ \t]*(?=\n|$)/g;
const NAME_COMMENT = /^\s*(?:\/\/|#|\/\*)\s*(?:file(?:name)?|path)\s*:\s*([^\s*]+)/i;
const LANGUAGE_TAGS: Record<'cuda' | 'cpp', RegExp> = {
  cuda: /^(cuda|cu|c\+\+|cpp|cc|cxx|c)$/i,
  cpp: /^(c\+\+|cpp|cc|cxx|c|h|hpp)$/i,
};

/** Reasoning models (deepseek-r1) think aloud first; code inside the thoughts is not the answer. */
export function stripThinking(reply: string): string {
  return reply.replace(/<think>[\s\S]*?(<\/think>|$)/gi, '');
}

/** `./a//b.cu` -> `a/b.cu`: names are compared in this form, so `./harness.cu` is the harness. */
export function normalizeFileName(name: string): string {
  return name.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

function parseBlocks(reply: string): Block[] {
  const blocks: Block[] = [];
  for (const match of reply.replace(/\r\n/g, '\n').matchAll(FENCE)) {
    const [tag = '', second] = (match[3] ?? '').trim().split(/\s+/);
    const content = match[4] ?? '';
    const fromComment = NAME_COMMENT.exec(content.split('\n', 1)[0] ?? '')?.[1];
    const fromInfo = second && /[./]/.test(second) ? second.replace(/^(file|title)=/, '').replace(/["']/g, '') : undefined;
    const name = fromComment ?? fromInfo;
    blocks.push({ info: tag, name: name === undefined || unsafeFileName(name) ? name : normalizeFileName(name), content });
  }
  return blocks;
}

/** Why a model-given file name is refused, or null when it stays inside the run folder. */
export function unsafeFileName(name: string): string | null {
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'contains ".."';
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*$/.test(name)) return 'unusual characters';
  return null;
}

/**
 * Picks the solution (and any extra named files) from a reply. The solution is the block named
 * `solutionFile`, else the longest block in the task's language. Harness files are never replaced.
 */
export function extractFiles(
  reply: string,
  solutionFile: string,
  language: 'cuda' | 'cpp',
  harnessFiles: readonly string[],
): Extraction {
  const blocks = parseBlocks(stripThinking(reply));
  if (blocks.length === 0) return { ok: false, reason: 'the reply holds no fenced code block' };
  for (const block of blocks) {
    if (!block.name) continue;
    const problem = unsafeFileName(block.name);
    if (problem) return { ok: false, reason: `the reply names a file outside the run folder (${block.name}: ${problem})`, unsafePath: block.name };
  }
  const base = (p: string) => p.split('/').pop() ?? p;
  const named = blocks.find((b) => b.name && (b.name === solutionFile || base(b.name) === base(solutionFile)));
  const inLanguage = blocks.filter((b) => !b.name && (b.info === '' || LANGUAGE_TAGS[language].test(b.info)));
  const solution = named ?? [...inLanguage].sort((a, b) => b.content.length - a.content.length)[0];
  if (!solution || solution.content.trim().length === 0) {
    return { ok: false, reason: `the reply holds no ${language === 'cuda' ? 'CUDA' : 'C++'} code block` };
  }
  const files: ExtractedFile[] = [{ path: solutionFile, content: ensureTrailingNewline(solution.content) }];
  const skipped: string[] = [];
  for (const block of blocks) {
    if (block === solution || !block.name) continue;
    if (harnessFiles.map(normalizeFileName).includes(block.name) || files.some((f) => normalizeFileName(f.path) === block.name)) {
      skipped.push(block.name);
      continue;
    }
    files.push({ path: block.name, content: ensureTrailingNewline(block.content) });
  }
  const note = skipped.length ? `ignored blocks for harness files: ${skipped.join(', ')}` : '';
  return { ok: true, files, note };
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
