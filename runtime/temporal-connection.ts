/**
 * How every kisystem process reaches Temporal: the address, and for a remote server TLS (server CA,
 * client certificate for mTLS, server name) and an API key, from the Temporal CLI's variables
 * (runtime/settings.ts). One function, so the client, doctor and both workers connect alike.
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Settings } from './settings';

export interface TemporalConnectOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

function readNamed(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${variable}=${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Options for Connection.connect and NativeConnection.connect; files named by the settings are read here, with the variable named on failure. */
export function temporalConnectOptions(settings: Pick<Settings, 'temporalAddress' | 'tls' | 'apiKey'>, address = settings.temporalAddress): TemporalConnectOptions {
  const t = settings.tls;
  const options: TemporalConnectOptions = { address };
  if (settings.apiKey) options.apiKey = settings.apiKey;
  if (!t) return settings.apiKey ? { ...options, tls: true } : options; // an API key is only ever sent over TLS
  const tls: TLSConfig = {};
  if (t.serverName) tls.serverNameOverride = t.serverName;
  if (t.caPath) tls.serverRootCACertificate = readNamed(t.caPath, 'TEMPORAL_TLS_CA');
  if (t.certPath && t.keyPath) tls.clientCertPair = { crt: readNamed(t.certPath, 'TEMPORAL_TLS_CERT'), key: readNamed(t.keyPath, 'TEMPORAL_TLS_KEY') };
  options.tls = Object.keys(tls).length ? tls : true;
  return options;
}

/** One line for people: how the connection is secured. */
export function describeConnection(options: TemporalConnectOptions): string {
  if (!options.tls) return `${options.address} (plain gRPC, no TLS)`;
  const t = options.tls === true ? {} : options.tls;
  const parts = ['TLS', t.serverRootCACertificate ? 'own CA' : 'system CAs', t.clientCertPair ? 'client certificate (mTLS)' : null, t.serverNameOverride ? `server name ${t.serverNameOverride}` : null, options.apiKey ? 'API key' : null];
  return `${options.address} (${parts.filter(Boolean).join(', ')})`;
}
