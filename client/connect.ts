/** A Temporal client from the environment's settings, with a clear error when no server answers. */
import { Client, Connection } from '@temporalio/client';
import type { Settings } from '../runtime/settings';

export async function connectClient(settings: Settings, address = settings.temporalAddress): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
  } catch (error) {
    throw new Error(`cannot reach Temporal at ${address}: ${(error as Error).message}. Start the local stack with \`kisystem up\`, or set TEMPORAL_ADDRESS.`);
  }
  return new Client({ connection, namespace: settings.namespace });
}
