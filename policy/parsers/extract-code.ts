/**
 * Turning a model's reply into files: fenced code blocks, optional file names, and the refusal of
 * names that would leave the run folder. Pure; the build activity checks paths again on disk.
 * Reading the Markdown is policy/parsers/reply-blocks.ts; which block is the solution, policy/parsers/solution-choice.ts.
 */
import { parseBlocks, readReply } from './reply-blocks';
import { chooseSolution, declaredNames, definesMain } from './solution-choice';

export interface ExtractedFile {
  path: string;
  content: string;
}

export type Extraction =
  | { ok: true; files: ExtractedFile[]; note: string }
  | { ok: false; reason: string; unsafePath?: string };

const LANGUAGE_TAGS: Record<'cuda' | 'cpp', RegExp> = {
  cuda: /^(cuda|cu|cuh|c\+\+|cpp|cc|cxx|c|h|hpp)$/i,
  cpp: /^(c\+\+|cpp|cc|cxx|c|h|hpp|hh|hxx)$/i,
};

/** Reasoning models (deepseek-r1) think aloud first; code inside the thoughts is not the answer (see {@link readReply}). */
export function stripThinking(reply: string): string {
  return readReply(reply).text;
}

/** `./a//b.cu` -> `a/b.cu`: names are compared in this form, so `./harness.cu` is the harness. */
export function normalizeFileName(name: string): string {
  return name.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

/** Why a model-given file name is refused, or null when it stays inside the run folder. */
export function unsafeFileName(name: string): string | null {
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'contains ".."';
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*$/.test(name)) return 'unusual characters';
  return null;
}

/** What the task says that helps to tell the solution from examples (a ResolvedTask fits). */
export interface ReplyTaskContext {
  interfaceFiles?: readonly { path: string; content: string }[];
  harnessFiles?: readonly { path: string; content: string }[];
}

/**
 * Picks the solution (and any extra named files) from a reply. The solution is the block named
 * `solutionFile`; else, among the blocks in the task's language, never one with main() when the
 * harness has its own, then the one defining most of the interface's names, then the longest.
 * Harness files are never replaced.
 */
export function extractFiles(
  reply: string,
  solutionFile: string,
  language: 'cuda' | 'cpp',
  harnessFiles: readonly string[],
  task: ReplyTaskContext = {},
): Extraction {
  const readable = readReply(reply);
  const blocks = parseBlocks(readable.text);
  if (blocks.length === 0) {
    return {
      ok: false,
      reason: readable.endedInThought
        ? 'the reply ended inside its <think> section: the model gave no answer after its thoughts'
        : 'the reply holds no fenced code block',
    };
  }
  for (const block of blocks) {
    if (!block.name) continue;
    const problem = unsafeFileName(block.name);
    if (problem) return { ok: false, reason: `the reply names a file outside the run folder (${block.name}: ${problem})`, unsafePath: block.name };
    block.name = normalizeFileName(block.name);
  }
  const harness = harnessFiles.map(normalizeFileName);
  const base = (p: string) => p.split('/').pop() ?? p;
  const named = blocks.find((b) => b.name && (b.name === normalizeFileName(solutionFile) || base(b.name) === base(solutionFile)));
  const candidates = blocks.filter((b) => (b.tag === '' || LANGUAGE_TAGS[language].test(b.tag)) && !(b.name && harness.includes(b.name)));
  const choice = chooseSolution(named, candidates, {
    solutionFile,
    harnessHasMain: (task.harnessFiles ?? []).some((f) => definesMain(f.content)),
    interfaceNames: declaredNames((task.interfaceFiles ?? []).map((f) => f.content)),
  });
  if (!choice.ok || choice.block.content.trim().length === 0) {
    return { ok: false, reason: (!choice.ok && choice.reason) || `the reply holds no ${language === 'cuda' ? 'CUDA' : 'C++'} code block` };
  }
  const solution = choice.block;
  const files: ExtractedFile[] = [{ path: solutionFile, content: ensureTrailingNewline(solution.content) }];
  const skipped: string[] = [];
  for (const block of blocks) {
    if (block === solution || !block.name) continue;
    if (harness.includes(block.name) || files.some((f) => normalizeFileName(f.path) === block.name)) {
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
