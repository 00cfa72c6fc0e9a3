import fc from 'fast-check';
import { HostLoad } from '../../activities/host-load';
import { CLAIM_HOLD_S, claimDecision, FULL_HOST_REFUSALS } from '../../policy/rules/host-claim';

describe('claimDecision', () => {
  it.each([
    ['a free slot: taken', { running: 0, claimedNotStarted: 0, slots: 1 }, 1, true],
    ['one of three slots used: taken', { running: 1, claimedNotStarted: 0, slots: 3 }, 1, true],
    ['full by running steps: refused first', { running: 3, claimedNotStarted: 0, slots: 3 }, 1, false],
    ['full by claims not started yet: refused first', { running: 1, claimedNotStarted: 2, slots: 3 }, 2, false],
    ['full, every host refused long enough: taken', { running: 3, claimedNotStarted: 0, slots: 3 }, FULL_HOST_REFUSALS + 1, true],
  ])('%s', (_name, load, attempt, take) => {
    expect(claimDecision(load, attempt).take).toBe(take);
  });

  it('a host with a free slot never refuses; a full host always takes a claim after FULL_HOST_REFUSALS attempts', () => {
    fc.assert(
      fc.property(fc.nat(10), fc.nat(10), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20 }), (running, claimed, slots, attempt) => {
        const take = claimDecision({ running, claimedNotStarted: claimed, slots }, attempt).take;
        if (running + claimed < slots || attempt > FULL_HOST_REFUSALS) expect(take).toBe(true);
        else expect(take).toBe(false);
      }),
    );
  });
});

describe('HostLoad', () => {
  it('counts running steps and claims whose build has not started, claims for CLAIM_HOLD_S at most', async () => {
    let now = 1_000_000;
    const load = new HostLoad(2, () => now);
    load.claimed();
    load.claimed();
    expect(load.view()).toEqual({ running: 0, claimedNotStarted: 2, slots: 2 });
    let finish!: () => void;
    const step = load.track(() => new Promise<void>((resolve) => (finish = resolve)));
    const running = step();
    expect(load.view()).toEqual({ running: 1, claimedNotStarted: 1, slots: 2 });
    now += (CLAIM_HOLD_S + 1) * 1000;
    expect(load.view()).toEqual({ running: 1, claimedNotStarted: 0, slots: 2 });
    finish();
    await running;
    expect(load.view().running).toBe(0);
  });

  it('a failing step still frees its count', async () => {
    const load = new HostLoad(1);
    await expect(load.track(async () => { throw new Error('compiler missing'); })()).rejects.toThrow('compiler missing');
    expect(load.view().running).toBe(0);
  });
});
