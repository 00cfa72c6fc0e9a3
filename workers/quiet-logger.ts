/** The SDK's logger at a chosen level, minus a start-up warning that is expected for activity-only workers. */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { settingsFromEnv } from '../runtime/settings';

export function workerLogger(level: LogLevel = settingsFromEnv().logLevel ?? 'WARN'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    // Activity-only workers poll no workflow tasks, by design.
    if (entry.message.startsWith('No workflows registered')) return;
    const meta = entry.meta && Object.keys(entry.meta).length ? ` ${JSON.stringify(entry.meta)}` : '';
    process.stderr.write(`${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${meta}\n`);
  });
}
