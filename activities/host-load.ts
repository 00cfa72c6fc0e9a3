/**
 * What a host has on its plate, for its claims (policy/rules/host-claim.ts): host steps running, and
 * candidates it claimed whose build has not started yet (they count for CLAIM_HOLD_S at most, so a
 * claim whose workflow went elsewhere does not hold a slot for ever).
 */
import { CLAIM_HOLD_S, type HostLoadView } from '../policy/rules/host-claim';

export class HostLoad {
  private running = 0;
  private claims: number[] = [];

  constructor(private readonly slots: number, private readonly now: () => number = Date.now) {}

  view(): HostLoadView {
    this.expire();
    return { running: this.running, claimedNotStarted: this.claims.length, slots: this.slots };
  }

  claimed(): void {
    this.claims.push(this.now());
  }

  /** Wraps a host step: it counts while it runs and uses up the oldest open claim. */
  track<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      this.expire();
      this.claims.shift();
      this.running++;
      try {
        return await fn(...args);
      } finally {
        this.running--;
      }
    };
  }

  trackAll<T extends Record<string, (...args: never[]) => Promise<unknown>>>(steps: T): T {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(steps)) out[name] = this.track(fn as (...args: unknown[]) => Promise<unknown>);
    return out as T;
  }

  private expire(): void {
    const oldest = this.now() - CLAIM_HOLD_S * 1000;
    while (this.claims.length > 0 && this.claims[0]! < oldest) this.claims.shift();
  }
}
