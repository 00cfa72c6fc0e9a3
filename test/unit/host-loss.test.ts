import fc from 'fast-check';
import { afterPickupTimeout, hostLossTimeouts, hostStepPickupSeconds, probeQueueOf, worstCaseMoveOnSeconds } from '../../policy/rules/host-loss';
import { defaultConfig } from '../../policy/schemas/config-schema';

const t = { host_pickup: 300, host_probe_after: 15, host_probe: 10 };

describe('afterPickupTimeout', () => {
  it.each([
    ['no answer at the first bound: gone', { probeAnswered: false, waitedS: 15 }, 'claim_another', /did not answer its liveness probe within 10 s: it is gone/],
    ['no answer after long waiting: gone', { probeAnswered: false, waitedS: 200 }, 'claim_another', /gone/],
    ['answered at the first bound: busy, wait on', { probeAnswered: true, waitedS: 15 }, 'wait_again', /alive and busy; waiting on \(15 of 300 s\)/],
    ['answered just before host_pickup: wait on', { probeAnswered: true, waitedS: 299 }, 'wait_again', /alive and busy/],
    ['answered at host_pickup: busy too long, move on', { probeAnswered: true, waitedS: 300 }, 'claim_another', /busy too long/],
  ])('%s', (_name, wait, next, reason) => {
    const verdict = afterPickupTimeout({ hostId: 'h1', ...wait }, t);
    expect(verdict.next).toBe(next);
    expect(verdict.reason).toMatch(reason);
  });

  it('never gives up on a host that answers before host_pickup, never waits on one that does not answer', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.double({ min: 0, max: 10_000, noNaN: true }), fc.integer({ min: 1, max: 3600 }), (answered, waitedS, pickup) => {
        const verdict = afterPickupTimeout({ hostId: 'h', probeAnswered: answered, waitedS }, { ...t, host_pickup: pickup });
        expect(verdict.next).toBe(answered && waitedS < pickup ? 'wait_again' : 'claim_another');
      }),
    );
  });
});

describe('timeouts', () => {
  it('the pickup bound is host_probe_after, never past host_pickup, at least 1 s', () => {
    expect(hostStepPickupSeconds(t)).toBe(15);
    expect(hostStepPickupSeconds({ ...t, host_pickup: 5 })).toBe(5);
    expect(hostStepPickupSeconds({ ...t, host_probe_after: 0 })).toBe(1);
  });

  it('a config from before the probe keys gets their defaults (old workflow inputs replay unchanged)', () => {
    expect(hostLossTimeouts({ host_pickup: 300 })).toEqual({ host_pickup: 300, host_probe_after: 15, host_probe: 10 });
  });

  it('with the default config a dead host holds its candidate under a minute', () => {
    const config = defaultConfig();
    expect(worstCaseMoveOnSeconds({ ...hostLossTimeouts(config.timeouts), heartbeat: config.timeouts.heartbeat })).toBe(55);
  });

  it('the probe queue sits beside the host queue', () => {
    expect(probeQueueOf('kisystem-gpu@h200-a')).toBe('kisystem-gpu@h200-a/alive');
  });
});
