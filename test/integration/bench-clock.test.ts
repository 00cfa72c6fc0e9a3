/**
 * What tier 0 times (`benchmark.clock`), through the real microbenchmark activity, the real trusted
 * driver and the real sandbox: 'wall' is each answer's round trip, 'cpu' the CPU time the
 * candidate's processes used for it, read from the run's cgroup. The candidate's calls burn some CPU
 * and then sleep 50 ms: a sleep costs wall time and next to no CPU time, so the CPU clock stays
 * far below the sleep whatever the machine's load. (How far the wall clock is from 50 ms depends on
 * the load, so no bound on it is asserted.) Where the sandbox has no cgroup (an unprivileged
 * worker), 'cpu' falls back to the wall time and says so.
 */
import type { BuildResult } from '../../contracts/activity-types';
import { sandboxedHost, type SandboxedHost } from '../helpers/sandboxed-host';

jest.setTimeout(180_000);

/** Under a millisecond of arithmetic on an idle core, then a 50 ms sleep, per call. */
const BURN_AND_SLEEP = `#include <chrono>
#include <thread>
int twice(int x) {
  volatile unsigned spin = 0;
  for (unsigned i = 0; i < 200000u; ++i) spin = spin + i;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return 2 * x;
}
`;

let h: SandboxedHost;
let build: BuildResult;

beforeAll(async () => {
  h = await sandboxedHost();
  build = await h.build(BURN_AND_SLEEP);
  expect({ ok: build.ok, output: build.output }).toEqual({ ok: true, output: expect.any(String) });
});

afterAll(() => h?.cleanup());

describe('benchmark.clock', () => {
  it("'wall' (the default) times the round trip", async () => {
    const wall = await h.bench(build);
    expect(wall.medianMs).toBeGreaterThan(0);
    expect(wall.output).toMatch(/KISYSTEM_BENCH kernel=twice ms=\S+ timed_by=trusted-driver clock=wall/);
  });

  it("'cpu' times the CPU the candidate used: the sleep does not count", async () => {
    const cpu = await h.bench(build, 'cpu');
    if (!h.sandbox.cgroups) {
      console.warn('bench-clock: this sandbox has no cgroups (unprivileged worker): checking the fallback to wall time');
      expect(cpu.output).toMatch(/clock=wall/);
      expect(cpu.output).toMatch(/benchmark\.clock cpu: host \S+ runs candidates without a cgroup/);
      return;
    }
    expect(cpu.output).toMatch(/KISYSTEM_BENCH kernel=twice ms=\S+ timed_by=trusted-driver clock=cpu/);
    expect(cpu.medianMs).toBeGreaterThan(0);
    // A call's CPU time is its arithmetic alone; its wall time adds the 50 ms sleep (and any wait for a core).
    expect(cpu.medianMs).toBeLessThan(10);
  });
});
