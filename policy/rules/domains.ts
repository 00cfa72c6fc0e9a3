/** The guide's domains and the rule that infers a task's domain when its file names none. */

export const DOMAINS = ['CUDA/Kernel', 'C++/System', 'Audio/DSP', 'Tests/Docs', 'Planning/Refactor'] as const;
export type Domain = (typeof DOMAINS)[number];

export function isDomain(value: string): value is Domain {
  return (DOMAINS as readonly string[]).includes(value);
}

const AUDIO_WORDS = /\b(audio|dsp|biquad|filter|fft|sample rate|samplerate|oscillator|reverb|equali[sz]er|pcm|resampl\w*)\b/i;
const TESTS_DOCS_WORDS = /\b(unit tests?|test suite|documentation|docstrings?|readme)\b/i;
const PLANNING_WORDS = /\b(refactor\w*|restructur\w*|plan(ning)?|architecture)\b/i;

export interface DomainInference {
  domain: Domain;
  reason: string;
}

/**
 * Infers a domain from the language and the goal text.
 * CUDA is always CUDA/Kernel; C++ goes to Audio/DSP, Tests/Docs or Planning/Refactor when the goal
 * says so, else C++/System.
 */
export function inferDomain(language: 'cuda' | 'cpp', text: string): DomainInference {
  if (language === 'cuda') return { domain: 'CUDA/Kernel', reason: 'inferred: language cuda' };
  const audio = AUDIO_WORDS.exec(text);
  if (audio) return { domain: 'Audio/DSP', reason: `inferred: C++ goal mentions "${audio[0]}"` };
  const docs = TESTS_DOCS_WORDS.exec(text);
  if (docs) return { domain: 'Tests/Docs', reason: `inferred: C++ goal mentions "${docs[0]}"` };
  const planning = PLANNING_WORDS.exec(text);
  if (planning) return { domain: 'Planning/Refactor', reason: `inferred: C++ goal mentions "${planning[0]}"` };
  return { domain: 'C++/System', reason: 'inferred: language cpp, no more specific keyword' };
}
