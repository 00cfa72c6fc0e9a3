/** The one formatter of zod issues for files people write (task files, the config, learning lines). */
import type { z } from 'zod';

/** Formats zod issues as `file: field.path: message` lines. */
export function formatIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => `${source}: ${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('\n');
}
