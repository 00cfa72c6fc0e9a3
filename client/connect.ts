/** A Temporal client from the environment's settings, with a clear error when no server answers. */
import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../runtime/settings';
import { temporalConnectOptions } from '../runtime/temporal-connection';

/**
 * Connects to Temporal. With `patienceMs`, a server that does not answer yet (restarting) is tried
 * again every 2 s for that long, with one note, before the clear error.
 */
export async function connectClient(settings: Settings, address = settings.temporalAddress, patienceMs = 0, log: (line: string) => void = () => undefined): Promise<Client> {
  const deadline = Date.now() + patienceMs;
  let noted = false;
  for (;;) {
    try {
      const connection = await Connection.connect({ ...temporalConnectOptions(settings, address), connectTimeout: '5 seconds' });
      if (noted) log(`reconnected to the Temporal server at ${address}`);
      return new Client({ connection, namespace: settings.namespace });
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new Error(`cannot reach Temporal at ${address}: ${(error as Error).message}. Start the local stack with \`kisystem up\`, or set TEMPORAL_ADDRESS; \`kisystem doctor\` checks every part.`);
      }
      if (!noted) log(`the Temporal server at ${address} does not answer (${(error as Error).message.split('\n')[0]}); trying again for up to ${Math.round(patienceMs / 1000)} s ...`);
      noted = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
