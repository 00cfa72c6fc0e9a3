/** The v2 queue's carry: pending tasks packed for continue-as-new, unpacked unchanged, small. */
import fc from 'fast-check';
import { packPending, unpackPending } from '../../workflows/queue-carry';
import type { PendingRef } from '../../contracts/queue-messages';

const pendingRef = fc
  .record({
    taskId: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,30}$/),
    seq: fc.integer({ min: 1, max: 1_000_000 }),
    bodyId: fc.stringMatching(/^[0-9a-f]{16}$/),
    domain: fc.constantFrom('CUDA/Kernel', 'C++/System', 'Audio/DSP', 'Tests/Docs', 'Planning/Refactor'),
    model: fc.constantFrom('qwen2.5-coder:32b', 'deepseek-r1:32b', 'mistral:7b'),
    ownPriority: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    filePriority: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
    addedMs: fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2030-01-01') }),
  })
  .map(({ addedMs, ...p }): PendingRef => ({ ...p, key: `${p.taskId}-${p.seq}`, addedAt: new Date(addedMs).toISOString() }));

describe('queue carry', () => {
  it('unpacks what it packed', () => {
    fc.assert(fc.property(fc.array(pendingRef, { maxLength: 50 }), (pending) => {
      expect(unpackPending(packPending(pending))).toEqual(pending);
    }));
  });

  it('carries 10,000 pending tasks in well under the 2 MB payload limit', () => {
    const pending: PendingRef[] = Array.from({ length: 10_000 }, (_, i) => ({
      key: `matmul-tiled-${i}-${i + 1}`, seq: i + 1, taskId: `matmul-tiled-${i}`, bodyId: '0123456789abcdef', domain: 'CUDA/Kernel',
      model: 'qwen2.5-coder:32b', ownPriority: null, filePriority: 90, addedAt: '2026-11-29T22:00:00.000Z',
    }));
    expect(JSON.stringify(packPending(pending)).length).toBeLessThan(1_000_000);
  });
});
