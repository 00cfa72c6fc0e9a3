/**
 * Which of a reply's blocks is the solution, judged by what the task says: the interface's
 * functions and classes, and whether the harness brings its own main(). Pure.
 *
 * Order (first that decides wins):
 * 1. a block named after the solution file;
 * 2. among the other blocks in the task's language (unnamed, or named but not a harness file and not
 *    a header beside a non-header solution): never a block that defines main() when the harness has
 *    one; then the block that defines the most of the interface's declared names;
 * 3. then the longest.
 */
import type { ReplyBlock } from './reply-blocks';

const NOT_NAMES = new Set([
  'if', 'for', 'while', 'switch', 'return', 'sizeof', 'alignof', 'decltype', 'static_assert', 'catch',
  'defined', 'noexcept', 'operator', 'template', 'typename', 'static_cast', 'reinterpret_cast', 'const_cast',
  'dynamic_cast', 'assert', 'main', 'explicit', 'delete', 'default',
]);

/** The function and class names an interface declares (in code or, as some headers do, in comments). */
export function declaredNames(interfaceSources: readonly string[]): string[] {
  const names = new Set<string>();
  const definedThere = new Set<string>();
  for (const source of interfaceSources) {
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
    const text = source.replace(/^\s*\/\/ ?/gm, '');
    for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*(?:const\s*)?(?:noexcept\s*)?(?:override\s*)?;/g)) {
      if (!NOT_NAMES.has(m[1]!)) names.add(m[1]!);
    }
    for (const m of text.matchAll(/\b(?:class|struct)\s+([A-Za-z_]\w*)\s*(?:final\s*)?[:{]/g)) names.add(m[1]!);
    // What the interface itself defines (a struct of parameters) is not the solution's to write.
    for (const name of names) if (definesName(code, name)) definedThere.add(name);
  }
  return [...names].filter((name) => !definedThere.has(name));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `code` defines `name`: a function body `name(...) ... {` or a class/struct body. */
export function definesName(code: string, name: string): boolean {
  const n = escapeRegExp(name);
  return (
    new RegExp(`\\b${n}\\s*\\([^;{}]*\\)\\s*(?:const\\s*)?(?:noexcept\\s*)?(?::[^;{]*)?\\{`).test(code) ||
    new RegExp(`\\b(?:class|struct)\\s+${n}\\b[^;{]*\\{`).test(code)
  );
}

/** Whether `code` defines a main() (not merely mentions it in a comment). */
export function definesMain(code: string): boolean {
  const withoutComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  return /\bint\s+main\s*\([^)]*\)\s*\{/.test(withoutComments) || /^\s*(?:auto|void)\s+main\s*\(/m.test(withoutComments);
}

export interface SolutionContext {
  solutionFile: string;
  /** Does a harness file define main()? Then a block with main() is an example, not the solution. */
  harnessHasMain: boolean;
  /** Names the interface declares (see {@link declaredNames}). */
  interfaceNames: readonly string[];
}

export type SolutionChoice =
  | { ok: true; block: ReplyBlock; rule: 'named' | 'interface' | 'longest' }
  | { ok: false; reason: string };

const HEADER = /\.(?:h|hh|hpp|hxx|cuh|inl)$/i;

/**
 * Chooses among `candidates` (blocks in the task's language that are not harness files).
 * `named` is the block named after the solution file, if the reply has one.
 */
export function chooseSolution(named: ReplyBlock | undefined, candidates: readonly ReplyBlock[], ctx: SolutionContext): SolutionChoice {
  if (named) return { ok: true, block: named, rule: 'named' };
  // Unnamed blocks first; a block the reply named otherwise (kernel.cu for vector_add.cu) only when
  // there is none, and a named header never stands in for a source file (or the other way round).
  const unnamed = candidates.filter((b) => !b.name);
  const sameKind = candidates.filter((b) => b.name && HEADER.test(b.name) === HEADER.test(ctx.solutionFile));
  const pool = unnamed.some((b) => b.content.trim() !== '') ? unnamed : sameKind;
  const nonEmpty = pool.filter((b) => b.content.trim() !== '');
  if (nonEmpty.length === 0) return { ok: false, reason: '' };
  const withoutMain = ctx.harnessHasMain ? nonEmpty.filter((b) => !definesMain(b.content)) : nonEmpty;
  if (withoutMain.length === 0) {
    return {
      ok: false,
      reason: `every code block of the reply defines main(), but the harness has its own main(): write ${ctx.solutionFile} without main()`,
    };
  }
  const score = (b: ReplyBlock) => ctx.interfaceNames.filter((name) => definesName(b.content, name)).length;
  const ranked = [...withoutMain].sort((a, b) => score(b) - score(a) || b.content.length - a.content.length);
  const best = ranked[0]!;
  const rule = score(best) > 0 && ranked.some((b) => score(b) < score(best)) ? 'interface' : 'longest';
  return { ok: true, block: best, rule };
}
