/**
 * `kisystem doctor`: checks every part kisystem needs and prints, for each problem, what to do.
 * Exit code 1 when a problem blocks (Temporal, Postgres, g++, a full disk); warnings (no GPU, a model
 * not pulled, a model server that is down: tasks wait for it) leave it 0. `up` runs it first.
 */
import { join } from 'node:path';
import { databaseUrl } from '../db/database';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { Settings } from '../runtime/settings';
import { llmEndpoint } from '../workers/gpu-worker';
import { temporalConnectOptions } from '../runtime/temporal-connection';
import { checkFleet } from './doctor-fleet';
import { checkCompilers, checkDisk, checkGpu, checkSandbox, type Check } from './doctor-host';
import { chainModels, checkModelServer, checkPostgres, checkTemporal, isLocalAddress } from './doctor-services';

export interface DoctorOptions {
  settings: Settings;
  config: KisystemConfig;
  /** Register missing search attributes (always for a local server). */
  fix?: boolean;
  /** Skip the Temporal checks (up checks before it starts its own dev server). */
  skipTemporal?: boolean;
  temporalAddress?: string;
  /** Skip which-hosts-poll-which-queues (up asks before its workers start). */
  skipFleet?: boolean;
}

export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const { settings, config } = options;
  const address = options.temporalAddress ?? settings.temporalAddress;
  const runs = process.env.KISYSTEM_WORK_DIR || join(settings.dataDir, 'runs');
  const [temporalChecks, postgres, model] = await Promise.all([
    options.skipTemporal
      ? Promise.resolve([])
      : checkTemporal(temporalConnectOptions(settings, address), settings.namespace, options.fix === true || isLocalAddress(address), (connection) => (options.skipFleet ? Promise.resolve([]) : checkFleet(connection, settings))),
    checkPostgres(databaseUrl()),
    checkModelServer(llmEndpoint(config), chainModels(config)),
  ]);
  return [...temporalChecks, postgres, ...model, ...checkCompilers(), ...checkGpu(), checkSandbox(), checkDisk(runs)];
}

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** Prints the findings; returns true when nothing blocks. */
export function printReport(checks: readonly Check[], log: (line: string) => void): boolean {
  for (const check of checks) {
    log(`${MARK[check.status]}  ${check.area.padEnd(18)} ${check.detail}`);
    if (check.fix && check.status !== 'ok') log(`      ${''.padEnd(18)} -> ${check.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  log(failed ? `${failed} blocking problem(s), ${warned} warning(s)` : warned ? `nothing blocks; ${warned} warning(s)` : 'everything is in order');
  return failed === 0;
}
