/**
 * runtime/dev-server.ts chooses every port the dev server listens on (gRPC, Web UI, HTTP API,
 * metrics), and a start that loses one of them to another process is retried with new ports.
 */
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { freePort, isListening, startDevServer, type DevServer } from '../../runtime/dev-server';
import { temporalCli } from '../helpers/temporal-env';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

jest.setTimeout(180_000);

let holder: Server | undefined;
let server: DevServer | undefined;

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
  removeTempDirs();
});

it('a start that finds one of its ports taken starts again on new ports', async () => {
  const taken = await freePort();
  holder = createServer();
  await new Promise<void>((resolve) => holder!.listen(taken, '127.0.0.1', resolve));
  const chosen: number[] = [];
  // The first start's HTTP API port (the third port chosen) is one another process holds.
  const choosePort = async () => {
    const port = chosen.length === 2 ? taken : await freePort();
    chosen.push(port);
    return port;
  };
  const dataDir = tempDir('kisystem-dev-server-ports-');
  server = await startDevServer({ binary: temporalCli(), dataDir, choosePort });
  expect(chosen).toHaveLength(8); // two starts, four ports each
  expect(server.port).toBe(chosen[4]);
  expect(server.uiPort).toBe(chosen[5]);
  expect(await isListening('127.0.0.1', server.port)).toBe(true);
  expect(readFileSync(server.logFile, 'utf8')).toMatch(new RegExp(`${taken}.*address already in use`));
});
