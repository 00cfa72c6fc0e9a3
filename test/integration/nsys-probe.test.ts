/**
 * The real nsys probe (activities/nsys-probe.ts): its own time limit with a clear reason, and nothing
 * it started left running, not even a daemon that left its process group and session. The probe's
 * paths are shown with a test-only nsys stand-in (a shell script that answers `--version` and, for
 * `profile`, starts a `setsid` daemon as `nsys --start-agent` does); the real nsys is probed too where
 * one is installed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NSYS_PROBE_MARKER, probeNsys } from '../../activities/nsys-probe';
import { processesCarrying } from '../../runtime/marked-processes';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

afterAll(removeTempDirs);

/** Writes the stand-in; `profile` starts the daemon, waits until it runs, then does `then`. */
function nsysStandIn(then: 'exit 1' | 'exec sleep 100000'): { nsys: string; agentPidFile: string } {
  const dir = tempDir('kisystem-nsys-standin-');
  const agentPidFile = join(dir, 'agent.pid');
  const nsys = join(dir, 'nsys');
  writeFileSync(
    nsys,
    [
      '#!/bin/sh',
      '# Test-only stand-in for Nsight Systems: `profile` leaves a daemon in a session of its own.',
      'case "$1" in',
      '  --version) echo "NVIDIA Nsight Systems version 0.0.0-test-stand-in" ;;',
      `  profile) setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 100000' '${agentPidFile}' </dev/null >/dev/null 2>&1 &`,
      `    while [ ! -s '${agentPidFile}' ]; do sleep 0.01; done`,
      `    ${then} ;;`,
      '  *) exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(nsys, 0o755);
  return { nsys, agentPidFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

it('an nsys that writes no report does not work, and its daemon does not outlive the probe', async () => {
  const { nsys, agentPidFile } = nsysStandIn('exit 1');
  const marker = `test-${process.pid}-no-report`;
  const result = await probeNsys({ nsys, marker });
  expect(result).toEqual({ works: false, why: expect.stringContaining(`${nsys} profile exited with 1`) });
  const agent = Number(readFileSync(agentPidFile, 'utf8'));
  expect(agent).toBeGreaterThan(0);
  expect(alive(agent)).toBe(false);
  expect(processesCarrying(NSYS_PROBE_MARKER, marker)).toEqual([]);
});

it('an nsys that hangs ends at the probe time limit, says so, and leaves nothing running', async () => {
  const { nsys } = nsysStandIn('exec sleep 100000');
  const marker = `test-${process.pid}-hangs`;
  const result = await probeNsys({ nsys, marker, timeoutMs: 1000 });
  expect(result).toEqual({ works: false, why: `${nsys} profile ran past the probe's 1 s limit (killed with everything it started)` });
  expect(processesCarrying(NSYS_PROBE_MARKER, marker)).toEqual([]);
});

it('a missing nsys does not work, and says it is not installed', async () => {
  const result = await probeNsys({ nsys: join(tempDir('kisystem-no-nsys-'), 'nsys') });
  expect(result).toEqual({ works: false, why: expect.stringMatching(/nsys is not installed \(ENOENT\)$/) });
});

const installed = spawnSync('sh', ['-c', 'command -v nsys'], { encoding: 'utf8' }).stdout.trim();
if (!installed) console.warn('the real nsys probe test is SKIPPED: no nsys on PATH (Debian: nvidia-cuda-toolkit)');
(installed && existsSync(installed) ? it : it.skip)('the installed nsys is probed within the time limit and leaves no daemon behind', async () => {
  const marker = `test-${process.pid}-real`;
  const result = await probeNsys({ marker });
  expect(typeof result.works).toBe('boolean');
  if (!result.works) expect(result.why).not.toBe('');
  expect(processesCarrying(NSYS_PROBE_MARKER, marker)).toEqual([]);
}, 120_000);
