/**
 * Complexity detection (guide section 3): the guide's
 * CUDA and C++ keyword rules, applied to a text (the task's text plus the current code).
 *
 * The guide tests substrings (`"class" in code`), case-sensitively, and so does this module, with
 * one exception: the CUDA library names cufft/cublas/cudnn also match in the lower-cased text
 * ("cuFFT", "CUBLAS"), as the guide's FFT example counts cufft for a task about "FFT".
 * Substring means substring: "class" also fires on "subclass", "template" inside a comment.
 *
 * Scores are summed in tenths (integers) so that 0.5 + 0.1 + 0.2 is exactly 0.8.
 */

export type ComplexityLanguage = 'cuda' | 'cpp';

interface ComplexityRule {
  /** Shown in `matched`: which keywords fired. */
  name: string;
  /** What the rule adds, in tenths. */
  tenths: number;
  test: (text: string, lower: string) => boolean;
}

const has = (text: string, word: string): boolean => text.includes(word);

const CUDA_LIBRARIES = ['cufft', 'cublas', 'cudnn'] as const;

/**
 * "no cuBLAS", "without cufft or cudnn", "do not use cuBLAS", "ohne cuFFT": a library the task
 * rules out adds no complexity. Removes
 * such mentions from lower-cased text: a negation, at most three words, then a list of library
 * names joined by commas, slashes, "or", "and", "nor".
 */
export function withoutNegatedLibraries(lower: string): string {
  const lib = '(?:cufft|cublas|cudnn)\\w*';
  const negated = new RegExp(
    `\\b(?:no|not|without|never|avoid|avoiding|don't|dont|ohne|kein|keine|keinen|nicht)\\b(?:[\\s-]+[a-z'()]+){0,3}?[\\s-]+${lib}(?:\\s*(?:,|/|\\bor\\b|\\band\\b|\\bnor\\b|\\boder\\b|\\bund\\b)\\s*${lib})*`,
    'g',
  );
  return lower.replace(negated, ' ');
}

/** The guide's rules, in the guide's order. */
export const COMPLEXITY_RULES: Readonly<Record<ComplexityLanguage, readonly ComplexityRule[]>> = {
  cuda: [
    { name: '__global__ and <<<', tenths: 1, test: (t) => has(t, '__global__') && has(t, '<<<') },
    { name: '__shared__ or blockIdx', tenths: 2, test: (t) => has(t, '__shared__') || has(t, 'blockIdx') },
    {
      name: 'cufft, cublas or cudnn',
      tenths: 3,
      // The lower-cased text covers the case-sensitive match too; a negated mention ("no cuBLAS") is not a use.
      test: (_t, lower) => {
        const used = withoutNegatedLibraries(lower);
        return CUDA_LIBRARIES.some((kw) => has(used, kw));
      },
    },
    { name: '__syncthreads and __shared__', tenths: 2, test: (t) => has(t, '__syncthreads') && has(t, '__shared__') },
  ],
  cpp: [
    { name: 'std::vector and #include', tenths: 1, test: (t) => has(t, 'std::vector') && has(t, '#include') },
    { name: 'template or class', tenths: 2, test: (t) => has(t, 'template') || has(t, 'class') },
    { name: 'std::async or std::thread', tenths: 3, test: (t) => has(t, 'std::async') || has(t, 'std::thread') },
  ],
};

const BASE_TENTHS = 5;
const CAP_TENTHS = 10;

export interface ComplexityStep {
  rule: string;
  /** What the rule added (0.1, 0.2, 0.3). */
  add: number;
  /** The running total after this rule, before the cap (the guide's "+0.3 = 1.1"). */
  total: number;
}

/** The rules that fired, in order, with the running (uncapped) total after each: the explanation. */
export function complexitySteps(text: string, language: ComplexityLanguage): ComplexityStep[] {
  const lower = text.toLowerCase();
  const steps: ComplexityStep[] = [];
  let tenths = BASE_TENTHS;
  for (const rule of COMPLEXITY_RULES[language]) {
    if (!rule.test(text, lower)) continue;
    tenths += rule.tenths;
    steps.push({ rule: rule.name, add: rule.tenths / 10, total: tenths / 10 });
  }
  return steps;
}

/** The guide's `detect_complexity`: 0.5 plus every rule that fires, capped at 1.0; `matched` names the rules. */
export function detectComplexity(text: string, language: ComplexityLanguage): { score: number; matched: string[] } {
  const steps = complexitySteps(text, language);
  const tenths = BASE_TENTHS + steps.reduce((sum, step) => sum + Math.round(step.add * 10), 0);
  return { score: Math.min(CAP_TENTHS, tenths) / 10, matched: steps.map((step) => step.rule) };
}

/**
 * Complexity of a task: the CUDA rules for CUDA/Kernel, the C++ rules for
 * C++/System, the 0.5 baseline for every other domain (Audio/DSP included, although its code is C++).
 */
export function taskComplexity(domain: string, text: string): { score: number; matched: string[] } {
  if (domain === 'CUDA/Kernel') return detectComplexity(text, 'cuda');
  if (domain === 'C++/System') return detectComplexity(text, 'cpp');
  return { score: 0.5, matched: [] };
}

/** The text the complexity rules read at a task's start: its title, goal and interface files. */
export function taskComplexityText(task: { title: string; goal: string; interfaceFiles: readonly { content: string }[] }): string {
  return [task.title, task.goal, ...task.interfaceFiles.map((f) => f.content)].join('\n');
}
