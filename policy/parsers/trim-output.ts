/** Keeps process output to a sane size: the head (where compilers put the first error) and the tail. */
export function trimOutput(text: string, keepChars: number): string {
  if (text.length <= keepChars) return text;
  const head = Math.floor(keepChars * 0.7);
  const tail = keepChars - head;
  const dropped = text.length - head - tail;
  return `${text.slice(0, head)}\n... [${dropped} characters cut by kisystem] ...\n${text.slice(text.length - tail)}`;
}
