/**
 * `enable_async_io: false` (guide section 7): a host runs one thing at a time, as Phase 6
 * did: one LLM generation, build, test or profile, never two at once and never a generation next to a
 * build. The GPU worker polls two task queues (LLM calls on the shared queue, builds and tests on its
 * host queue), each with one slot when the switch is off; `HostSerial` is the one slot both share: a
 * wrapped activity waits for it (heartbeating, cancellable) before it runs.
 */
import { Context } from '@temporalio/activity';
import type { KisystemConfig } from '../policy/schemas/config-schema';

/** How the GPU worker's pollers are sized for a config. */
export interface HostConcurrency {
  /** Whether LLM calls and host steps share one slot (`enable_async_io: false`). */
  serial: boolean;
  llmSlots: number;
  hostSlots: number;
}

export function hostConcurrency(config: Pick<KisystemConfig, 'enable_async_io' | 'max_concurrent_builds'>, llmSlotsWhenAsync: number): HostConcurrency {
  if (config.enable_async_io) return { serial: false, llmSlots: llmSlotsWhenAsync, hostSlots: config.max_concurrent_builds };
  return { serial: true, llmSlots: 1, hostSlots: 1 };
}

/** Seconds between heartbeats while an activity waits for the host's slot. */
const WAIT_HEARTBEAT_MS = 5000;

export class HostSerial {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  /** Runs `run` when the slot is free; the activity heartbeats while it waits and can be cancelled then. */
  async exclusive<T>(run: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await run();
    } finally {
      this.release();
    }
  }

  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args: A) => this.exclusive(() => fn(...args));
  }

  /** Wraps every function of an activity object. */
  wrapAll<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(activities)) out[name] = this.wrap(fn as (...args: unknown[]) => Promise<unknown>);
    return out as T;
  }

  private async acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return;
    }
    const context = inActivity();
    let turn!: () => void;
    const granted = new Promise<void>((resolve) => (turn = resolve));
    this.waiting.push(turn);
    const beat = context ? setInterval(() => context.heartbeat(), WAIT_HEARTBEAT_MS) : null;
    try {
      await (context ? Promise.race([granted, context.cancelled]) : granted);
    } catch (cancelled) {
      // Cancelled while waiting: leave the line (or pass on a turn given in the meantime), rethrow as is.
      const i = this.waiting.indexOf(turn);
      if (i >= 0) this.waiting.splice(i, 1);
      else await granted.then(() => this.release());
      throw cancelled;
    } finally {
      if (beat) clearInterval(beat);
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight on: `busy` stays true
    else this.busy = false;
  }
}

function inActivity(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}
