/** Categorizing a reply that cannot become a candidate: cut short, no code, or a file name that escapes the run folder. */
import type { Categorization } from '../run-types';

export function categorizeReply(doneReason: string, extractionProblem: { reason: string; unsafePath?: string } | null): Categorization | null {
  if (doneReason === 'length' || doneReason === 'incomplete') {
    return {
      errorType: 'GENERATION',
      phase: 'GENERATE',
      severity: 2,
      recoverable: true,
      hint: 'Your reply was cut short before the code was complete. Answer with the code only, without explanations.',
      firstErrorLine: `reply cut short (done_reason: ${doneReason})`,
      rule: 'reply-cut-short',
    };
  }
  if (!extractionProblem) return null;
  if (extractionProblem.unsafePath !== undefined) {
    // Writing outside the run folder is never acceptable: move on to the next model at once.
    return {
      errorType: 'GENERATION',
      phase: 'GENERATE',
      severity: 5,
      recoverable: true,
      hint: 'Write only the requested file, with a plain relative name.',
      firstErrorLine: extractionProblem.reason,
      rule: 'unsafe-file-name',
    };
  }
  return {
    errorType: 'GENERATION',
    phase: 'GENERATE',
    severity: 2,
    recoverable: true,
    hint: 'Answer with the complete source file inside one fenced code block.',
    firstErrorLine: extractionProblem.reason,
    rule: 'no-code',
  };
}
