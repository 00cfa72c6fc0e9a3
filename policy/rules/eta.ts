/**
 * ETA of a task (guide section 5 "ETA Estimation"):
 * the guide's table, model base seconds x domain multiplier + overhead (30 s for build and test),
 * until the history holds `history_min_samples` (5) finished tasks of that model and domain; from
 * then on the median of their real durations.
 *
 * Pure: no I/O, no clock. The caller (an activity reading the Learning-DB) passes the durations in.
 */
import type { KisystemConfig } from '../schemas/config-schema';

export interface EtaEstimate {
  /** Always a finite number > 0. */
  seconds: number;
  source: 'table' | 'history';
  /** Finished tasks of this model and domain that the history offered (also when the table was used). */
  samples: number;
  /** e.g. "table: 300 s x 1.2 + 30 s" or "history: median of 7 runs" */
  reason: string;
}

type EtaConfig = KisystemConfig['eta'];

function own<T>(record: Readonly<Record<string, T>> | Partial<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? (record as Record<string, T>)[key] : undefined;
}

/** Seconds without float noise in a message: 360.00000000000006 -> "360". */
function fmt(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/**
 * The guide's table: `model_seconds[model]` (else `default_model_seconds`) x
 * `domain_multipliers[domain]` (else 1.0) + `overhead_seconds`.
 */
export function tableEta(model: string, domain: string, eta: EtaConfig): EtaEstimate {
  const knownBase = own(eta.model_seconds, model);
  const base = knownBase ?? eta.default_model_seconds;
  const knownMultiplier = own<number>(eta.domain_multipliers, domain);
  const multiplier = knownMultiplier ?? 1.0;
  const seconds = base * multiplier + eta.overhead_seconds;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(`ETA must be > 0: the eta table gives ${seconds} s for ${model} in ${domain}`);
  }
  const baseText = knownBase === undefined ? `default ${fmt(base)} s (unknown model)` : `${fmt(base)} s`;
  const multiplierText = knownMultiplier === undefined ? `${fmt(multiplier)} (unknown domain)` : fmt(multiplier);
  return {
    seconds,
    source: 'table',
    samples: 0,
    reason: `table: ${baseText} x ${multiplierText} + ${fmt(eta.overhead_seconds)} s`,
  };
}

/**
 * The median of the real durations of finished tasks of this model and domain once there are at
 * least `history_min_samples` of them, else {@link tableEta}. Every duration must be finite and > 0.
 */
export function estimateEta(model: string, domain: string, eta: EtaConfig, historyDurationsSeconds: readonly number[]): EtaEstimate {
  for (const d of historyDurationsSeconds) {
    if (!Number.isFinite(d) || d <= 0) {
      throw new RangeError(`ETA must be > 0: history duration ${d} s of ${model} in ${domain} is not a number > 0`);
    }
  }
  const samples = historyDurationsSeconds.length;
  if (samples >= eta.history_min_samples) {
    return { seconds: median(historyDurationsSeconds), source: 'history', samples, reason: `history: median of ${samples} runs` };
  }
  const table = tableEta(model, domain, eta);
  const note = samples === 0 ? '' : ` (history: ${samples} of ${eta.history_min_samples} runs needed)`;
  return { ...table, samples, reason: table.reason + note };
}

/** The one median (policy/rules/numbers.ts), re-exported for the callers of this module. */
export { median } from './numbers';
import { median } from './numbers';
