import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsFromEnv } from '../../runtime/settings';
import { describeConnection, temporalConnectOptions } from '../../runtime/temporal-connection';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

afterAll(removeTempDirs);

test('no TLS variable: plain gRPC, as for the local servers', () => {
  const options = temporalConnectOptions(settingsFromEnv({ TEMPORAL_ADDRESS: '10.0.0.5:7233' }));
  expect(options).toEqual({ address: '10.0.0.5:7233' });
  expect(describeConnection(options)).toBe('10.0.0.5:7233 (plain gRPC, no TLS)');
});

test('CA, client certificate and server name are read from the named files', () => {
  const dir = tempDir('kisystem-tls-');
  for (const f of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, f), `${f} contents`);
  const options = temporalConnectOptions(settingsFromEnv({
    TEMPORAL_ADDRESS: 'temporal.example:7233',
    TEMPORAL_TLS_CA: join(dir, 'ca.pem'),
    TEMPORAL_TLS_CERT: join(dir, 'client.pem'),
    TEMPORAL_TLS_KEY: join(dir, 'client.key'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  }));
  const tls = options.tls as { serverRootCACertificate: Buffer; clientCertPair: { crt: Buffer; key: Buffer }; serverNameOverride: string };
  expect(tls.serverRootCACertificate.toString()).toBe('ca.pem contents');
  expect(tls.clientCertPair.key.toString()).toBe('client.key contents');
  expect(tls.serverNameOverride).toBe('temporal.internal');
  expect(describeConnection(options)).toBe('temporal.example:7233 (TLS, own CA, client certificate (mTLS), server name temporal.internal)');
});

test('TEMPORAL_TLS=true alone: TLS with the system roots; an API key implies TLS', () => {
  expect(temporalConnectOptions(settingsFromEnv({ TEMPORAL_TLS: 'true' })).tls).toBe(true);
  expect(temporalConnectOptions(settingsFromEnv({ TEMPORAL_API_KEY: 'k' }))).toMatchObject({ tls: true, apiKey: 'k' });
});

test('bad TLS settings are refused with the variable named', () => {
  expect(() => settingsFromEnv({ TEMPORAL_TLS_CERT: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY is missing/);
  expect(() => temporalConnectOptions(settingsFromEnv({ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }))).toThrow(/TEMPORAL_TLS_CA=\/nonexistent\/ca.pem: cannot read it \(ENOENT\)/);
});
