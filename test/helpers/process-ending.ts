import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` is ending already: a zombie, or sent SIGKILL and not yet run by the kernel.
 * A killed process leaves /proc only once the kernel ran its exit, later on a loaded machine, but
 * its pending SIGKILL shows at once (SigPnd or ShdPnd bit 9). Throws when `pid` is gone.
 */
export function processEnding(pid: number): boolean {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const state = /^State:\s+(\S)/m.exec(status)?.[1];
  const pending = BigInt(`0x${/^SigPnd:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`) | BigInt(`0x${/^ShdPnd:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
  return state === 'Z' || state === 'X' || (pending & (1n << 8n)) !== 0n;
}
