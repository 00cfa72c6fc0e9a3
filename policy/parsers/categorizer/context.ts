/** What the categorizer's rules read (the run's lines, its signal, its located errors) and the helpers they share. Pure. */
import type { Categorization, ErrorType, ProcessOutcome, Severity } from '../../run-types';
import { NVCC_ERROR, GCC_ERROR, SIGNALS } from './patterns';

/** `firstErrorLine` is at most this long. */
export const MAX_LINE_LENGTH = 300;

/** The marker the task's harness prints: `KISYSTEM_VERDICT: PASS` or `KISYSTEM_VERDICT: FAIL <reason>`. */
export const VERDICT_MARKER = 'KISYSTEM_VERDICT:';

export type RunPhase = ProcessOutcome['phase'];

/** What a rule reads: the outcome, its output split into trimmed lines, and the signal that ended it. */
export interface Context {
  outcome: ProcessOutcome;
  phase: RunPhase;
  lines: string[];
  signal: SignalInfo | null;
  /** Located compiler errors, in output order (parsed once; BUILD only). */
  errors: LocatedError[];
}

/** A rule returns a categorization when it recognizes the outcome, else null. */
export type Rule = (ctx: Context) => Categorization | null;

export interface Finding {
  errorType: ErrorType;
  severity: Severity;
  rule: string;
  hint: string;
  line: string;
  recoverable?: boolean;
}

/** A compiler error with a location: nvcc `file(line): error: msg`, g++ `file:line:col: error: msg`. */
export interface LocatedError {
  file: string;
  lineNo: number;
  message: string;
  /** The whole output line. */
  text: string;
}

export interface SignalInfo {
  name: string;
  number: number;
}

/**
 * The signal that ended the process: the signal name when the runner saw one, else a shell-style
 * exit status 128+N, or a negative status -N as some runners report it.
 */
export function resolveSignal(outcome: ProcessOutcome): SignalInfo | null {
  if (typeof outcome.signal === 'string' && outcome.signal.trim() !== '') {
    const raw = outcome.signal.trim().toUpperCase();
    const name = raw.startsWith('SIG') ? raw : `SIG${raw}`;
    const entry = Object.entries(SIGNALS).find(([, n]) => n === name);
    return { name, number: entry ? Number(entry[0]) : 0 };
  }
  const code = outcome.exitCode;
  if (typeof code !== 'number' || !Number.isInteger(code)) return null;
  const n = code > 128 && code < 128 + 65 ? code - 128 : code < 0 && code > -65 ? -code : 0;
  if (n === 0) return null;
  return { name: SIGNALS[n] ?? `SIG${n}`, number: n };
}

/** `signal-11` for known numbers, `signal-SIGWINCH` when only the name is known. */
export function signalRuleName(sig: SignalInfo): string {
  return `signal-${sig.number > 0 ? sig.number : sig.name}`;
}

export function makeContext(outcome: ProcessOutcome): Context {
  const phase: RunPhase = outcome.phase === 'BUILD' || outcome.phase === 'PROFILE' ? outcome.phase : 'TEST';
  const safe: ProcessOutcome = {
    ...outcome,
    phase,
    output: typeof outcome.output === 'string' ? outcome.output : '',
    solutionFile: typeof outcome.solutionFile === 'string' ? outcome.solutionFile : '',
    harnessFiles: Array.isArray(outcome.harnessFiles) ? outcome.harnessFiles.filter((f) => typeof f === 'string') : [],
  };
  const lines = splitLines(safe.output);
  return { outcome: safe, phase, lines, signal: resolveSignal(safe), errors: phase === 'BUILD' ? locatedErrors(lines) : [] };
}

/** Non-empty, trimmed lines. */
export function splitLines(output: string): string[] {
  return String(output ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export function locatedErrors(lines: readonly string[]): LocatedError[] {
  const errors: LocatedError[] = [];
  for (const text of lines) {
    if (!text.includes('error')) continue; // cheap filter before the regexes
    const m = NVCC_ERROR.exec(text) ?? GCC_ERROR.exec(text);
    if (m) errors.push({ file: m[1]!, lineNo: Number(m[2]), message: (m[3] ?? '').trim(), text });
  }
  return errors;
}

/** The error to report: the first one in the solution file (the model can act on it), else the first. */
export function primaryError(ctx: Context): LocatedError | undefined {
  const errors = ctx.errors;
  const solution = basename(ctx.outcome.solutionFile);
  return errors.find((e) => solution !== '' && basename(e.file) === solution) ?? errors[0];
}

/** The last well-formed verdict line, with the FAIL reason. */
export function lastVerdict(lines: readonly string[]): { verdict: 'PASS' | 'FAIL'; line: string; reason: string } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    const at = line.indexOf(VERDICT_MARKER);
    if (at < 0) continue;
    const m = /^\s*(PASS|FAIL)\b(.*)$/.exec(line.slice(at + VERDICT_MARKER.length));
    if (m) return { verdict: m[1] as 'PASS' | 'FAIL', line: clipMiddle(line), reason: (m[2] ?? '').trim() };
  }
  return null;
}

export function signalLine(lines: readonly string[]): string {
  return lines.find((l) => /segmentation fault|core dumped|bus error|floating point exception|illegal instruction|aborted|killed/i.test(l)) ?? '';
}

/** The last line that is not the sanitizer's or profiler's framing; "" when there is none. */
export function lastMeaningfulLine(lines: readonly string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (!/^(?:==PROF==|=========\s*$)/.test(l)) return l;
  }
  return '';
}

export function stripSanitizerPrefix(line: string): string {
  return line.replace(/^=========\s*/, '').trim();
}

export function basename(path: string): string {
  const parts = String(path ?? '').split(/[\\/]/);
  return (parts[parts.length - 1] ?? '').trim();
}

export function isHeader(file: string): boolean {
  return /\.(?:h|hh|hpp|hxx|cuh|inl)$/i.test(file);
}

export function where(e: LocatedError): string {
  return `${basename(e.file)} line ${e.lineNo}`;
}

export function solutionName(ctx: Context): string {
  return ctx.outcome.solutionFile || 'the solution file';
}

export function exitText(ctx: Context): string {
  const code = ctx.outcome.exitCode;
  return typeof code === 'number' ? `exit status ${code}` : 'an unknown exit status';
}

/** A profile score (0..100) in messages: at most one decimal (91, 91.3). */
export function formatProfileScore(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : String(n);
}

/**
 * Trims and cuts to `max` characters (an ellipsis where cut). A line that says what was expected
 * ("got 3, expected 4") keeps that part: the model and a person need it more than the middle.
 */
export function clip(text: string, max: number = MAX_LINE_LENGTH): string {
  const t = String(text ?? '').trim();
  if (t.length <= max) return t;
  const expected = t.search(/\bexpected\b/i);
  if (expected > 0) {
    const tail = clip(t.slice(expected), Math.floor(max / 2));
    const headRoom = max - tail.length - 2;
    if (expected > headRoom) return `${t.slice(0, headRoom).trimEnd()}… ${tail}`;
  }
  return `${t.slice(0, max - 1).trimEnd()}…`;
}

/**
 * Cuts a verdict line in the middle when it is longer than `max`: the head says which case and
 * what was computed, the tail what was expected, and the model needs both.
 */
export function clipMiddle(text: string, max: number = MAX_LINE_LENGTH): string {
  const t = String(text ?? '').trim();
  if (t.length <= max) return t;
  const tail = Math.floor((max - 1) * 0.45);
  return `${t.slice(0, max - 1 - tail).trimEnd()}…${t.slice(t.length - tail).trimStart()}`;
}

export function finish(ctx: Context, f: Finding): Categorization {
  return {
    errorType: f.errorType,
    phase: ctx.phase,
    severity: f.severity,
    recoverable: f.recoverable ?? true,
    // Tool output pads with runs of spaces ("what():  msg"); one space reads better in a prompt.
    hint: clip(f.hint.replace(/\s+/g, ' '), 600) || 'Read the output and fix the first error it shows.',
    firstErrorLine: clip(f.line),
    rule: f.rule,
  };
}
