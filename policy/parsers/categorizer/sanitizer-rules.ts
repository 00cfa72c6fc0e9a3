/** compute-sanitizer and the host sanitizers (ASan, LSan, TSan, UBSan): what went wrong and where. */
import type { Categorization } from '../../run-types';
import { type Context, type Rule, stripSanitizerPrefix, clip, finish } from './context';

/** Sanitizer reports say what went wrong and where, so they win over the signal that follows them. */
export const sanitizerReport: Rule = (ctx) => computeSanitizer(ctx) ?? hostSanitizer(ctx);

/** compute-sanitizer: `========= Invalid __global__ write of size 4 bytes`, then indented details. */
export function computeSanitizer(ctx: Context): Categorization | null {
  if (!ctx.lines.some((l) => l.startsWith('========= COMPUTE-SANITIZER') || /^========= ERROR SUMMARY: [1-9]/.test(l))) return null;
  const isHead = (l: string) =>
    /^========= \S/.test(l) &&
    !/^========= (?:COMPUTE-SANITIZER|ERROR SUMMARY|LEAK SUMMARY|Target application returned|Program finished|No .* errors? detected)/.test(l);
  const headIndex = ctx.lines.findIndex(isHead);
  if (headIndex < 0) return null;
  const head = stripSanitizerPrefix(ctx.lines[headIndex]!);
  // The indented lines below the head hold the location and the thread/block.
  const details: string[] = [];
  for (let i = headIndex + 1; i < ctx.lines.length && details.length < 2; i++) {
    const l = ctx.lines[i]!;
    if (!/^=========\s{2,}\S/.test(l)) break;
    const d = stripSanitizerPrefix(l);
    if (/^(?:at |by thread )/.test(d)) details.push(d);
  }
  const advice = /Race reported|race/i.test(head)
    ? 'threads race on shared memory: add __syncthreads() between writing and reading it'
    : /Uninitialized/i.test(head)
      ? 'memory is read before anything writes it: initialize it or copy the input first'
      : /Barrier error|divergent/i.test(head)
        ? 'a __syncthreads() is reached by only part of a block: move it out of divergent branches'
        : /^Program hit/i.test(head)
          ? 'a CUDA API call failed: check its arguments'
          : 'an index goes out of bounds: guard each access with if (i < n) and check the grid and index arithmetic';
  return finish(ctx, {
    errorType: 'RUNTIME',
    severity: 3,
    rule: 'compute-sanitizer',
    hint: `compute-sanitizer: ${clip(head, 120)}${details.length ? ` (${clip(details.join(', '), 140)})` : ''}: ${advice}.`,
    line: head,
  });
}

/** AddressSanitizer, LeakSanitizer, ThreadSanitizer and UndefinedBehaviorSanitizer on host code. */
export function hostSanitizer(ctx: Context): Categorization | null {
  const patterns: ReadonlyArray<{ re: RegExp; rule: string }> = [
    { re: /^==\d+==ERROR: AddressSanitizer/, rule: 'asan' },
    { re: /^==\d+==ERROR: LeakSanitizer/, rule: 'lsan' },
    { re: /^WARNING: ThreadSanitizer/, rule: 'tsan' },
    { re: /: runtime error: /, rule: 'ubsan' },
  ];
  for (const { re, rule } of patterns) {
    const index = ctx.lines.findIndex((l) => re.test(l));
    if (index < 0) continue;
    const head = ctx.lines[index]!;
    const summary = ctx.lines.find((l) => /^SUMMARY: \w+Sanitizer: /.test(l));
    const access = ctx.lines.slice(index + 1, index + 3).find((l) => /^(?:READ|WRITE) of size \d+/.test(l));
    const kind = (summary ?? head).replace(/^.*?Sanitizer: /, '');
    const what = clip([access?.replace(/ at 0x.*$/, '').replace(/ thread T\d+$/, ''), kind].filter(Boolean).join(', '), 200);
    return finish(ctx, {
      errorType: 'RUNTIME',
      severity: 3,
      rule,
      hint: `${rule === 'ubsan' ? 'UndefinedBehaviorSanitizer' : (/(\w+Sanitizer)/.exec(head)?.[1] ?? 'The sanitizer')} reports ${what}: ${sanitizerAdvice(kind)}.`,
      line: head,
    });
  }
  return null;
}

export function sanitizerAdvice(kind: string): string {
  if (/overflow|out-of-bounds|out of bounds/.test(kind)) return 'an index runs past the end of a buffer; check loop bounds and buffer sizes';
  if (/use-after-free|use-after-return|use-after-scope/.test(kind)) return 'memory is used after it was freed or went out of scope';
  if (/double-free|bad-free|invalid-free|alloc-dealloc-mismatch/.test(kind)) return 'memory is freed twice or with the wrong function (delete vs delete[] vs free)';
  if (/leak/.test(kind)) return 'free everything you allocate';
  if (/data race/.test(kind)) return 'threads access the same data without synchronization';
  if (/SEGV/.test(kind)) return 'a null or wild pointer is dereferenced';
  return 'fix the reported access';
}
