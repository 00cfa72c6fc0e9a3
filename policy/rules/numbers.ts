/** Small number helpers shared by the rules and parsers (one of each). Pure. */

/** The middle value; for an even count the mean of the two middle values. Throws on an empty list or NaN. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  if (values.some((v) => Number.isNaN(v))) throw new RangeError('median of a list with NaN');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A score for people: up to 3 decimals, trailing zeros trimmed, one decimal kept (0.91, 1.0, 0.7, 0.874); non-finite as is. */
export function formatScore(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = Math.round(value * 1000) / 1000;
  const text = (rounded === 0 ? 0 : rounded).toFixed(3).replace(/0+$/, '');
  return text.endsWith('.') ? `${text}0` : text;
}
