/**
 * The GPU worker refuses to start without a working bubblewrap (here: KISYSTEM_BWRAP points at a
 * missing binary), and says how to install it, unless the config says sandbox.kind "none"; then it
 * says "UNSANDBOXED". Real bwrap, real worker start-up code (it stops before connecting to Temporal).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSandbox, SandboxRefusedError, setUpSandbox } from '../../activities/sandbox-host';
import { defaultConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import { runGpuWorker } from '../../workers/gpu-worker';

jest.setTimeout(120_000);

const folder = mkdtempSync(join(tmpdir(), 'kisystem-refusal-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function config(kind: 'bubblewrap' | 'none'): KisystemConfig {
  const base = defaultConfig();
  return { ...base, sandbox: { ...base.sandbox, kind } };
}

it('the real bwrap works here, and the worker log line names the limits in force', async () => {
  const box = await setUpSandbox(config('bubblewrap'), folder, { PATH: process.env.PATH });
  expect(box.settings.kind).toBe('bubblewrap');
  expect(describeSandbox(box, config('bubblewrap'))).toMatch(/^bubblewrap .*no network.*(cgroup v[12]|per-process limits only)/);
});

it('a missing bwrap: setUpSandbox refuses and says how to install it', async () => {
  const missing = join(folder, 'no-such-bwrap');
  await expect(setUpSandbox(config('bubblewrap'), folder, { KISYSTEM_BWRAP: missing })).rejects.toThrow(SandboxRefusedError);
  await expect(setUpSandbox(config('bubblewrap'), folder, { KISYSTEM_BWRAP: missing })).rejects.toThrow(/refuses to start: bubblewrap .* is not installed: install it \(Debian\/Ubuntu: apt-get install bubblewrap/);
});

it('a missing bwrap with sandbox.kind "none": the worker starts unsandboxed and says so', async () => {
  const missing = join(folder, 'no-such-bwrap');
  const box = await setUpSandbox(config('none'), folder, { KISYSTEM_BWRAP: missing });
  expect(box.settings.kind).toBe('none');
  expect(describeSandbox(box, config('none'))).toMatch(/^UNSANDBOXED/);
});

it('the GPU worker itself refuses to start when bwrap is missing', async () => {
  const configFile = join(folder, 'config.json');
  writeFileSync(configFile, JSON.stringify({}));
  const saved = { ...process.env };
  process.env.KISYSTEM_BWRAP = join(folder, 'no-such-bwrap');
  process.env.KISYSTEM_CONFIG = configFile;
  process.env.KISYSTEM_WORK_DIR = join(folder, 'runs');
  try {
    await expect(runGpuWorker()).rejects.toThrow(/kisystem gpu worker refuses to start: bubblewrap .* is not installed/);
  } finally {
    process.env = saved;
  }
});
