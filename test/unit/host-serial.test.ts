/** enable_async_io: off, a host runs one LLM call, build or test at a time; on, they overlap. */
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { HostSerial, hostConcurrency } from '../../workers/host-serial';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs 2 generations and 2 builds at once; returns the most that ran at the same moment and the order they ran in. */
async function race(wrap: <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => (...a: A) => Promise<R>) {
  let now = 0;
  let most = 0;
  const order: string[] = [];
  const step = (name: string) =>
    wrap(async (ms: number) => {
      order.push(name);
      most = Math.max(most, ++now);
      await sleep(ms);
      now--;
      return name;
    });
  const generate = step('generate');
  const build = step('build');
  await Promise.all([generate(40), build(30), generate(20), build(10)]);
  return { most, order };
}

describe('enable_async_io', () => {
  it.each([
    [{ enable_async_io: true, max_concurrent_builds: 3 }, 4, { serial: false, llmSlots: 4, hostSlots: 3 }],
    [{ enable_async_io: false, max_concurrent_builds: 3 }, 4, { serial: true, llmSlots: 1, hostSlots: 1 }],
  ])('%j sizes the pollers as %#', (config, llm, expected) => {
    expect(hostConcurrency(config, llm)).toEqual(expected);
  });

  it('off: generations and builds never overlap and run in arrival order', async () => {
    const serial = new HostSerial();
    const { most, order } = await race((fn) => serial.wrap(fn));
    expect(most).toBe(1);
    expect(order).toEqual(['generate', 'build', 'generate', 'build']);
  });

  it('on (not wrapped): they overlap (the check above can fail)', async () => {
    const { most } = await race((fn) => fn);
    expect(most).toBe(4);
  });

  it('an activity cancelled while it waits for the slot rethrows the cancellation and the slot goes on', async () => {
    const serial = new HostSerial();
    const first = serial.exclusive(() => sleep(100).then(() => 'first'));
    const env = new MockActivityEnvironment();
    const waiting = env.run(() => serial.exclusive(async () => 'never'));
    await sleep(10);
    env.cancel();
    await expect(waiting).rejects.toBeInstanceOf(CancelledFailure);
    await expect(first).resolves.toBe('first');
    await expect(serial.exclusive(async () => 'next')).resolves.toBe('next');
  });
});
