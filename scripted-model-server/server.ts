/**
 * The scripted model server: a real HTTP server, for tests and the demo ONLY, that plays local
 * LLMs by answering from per-task scripts. It speaks the Ollama and OpenAI-compatible protocols so
 * the project's real LLM client code talks to it unchanged. It is never a model and must never
 * stand in for one outside tests and the demo.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnswerBook, type RequestLogEntry } from './answers';
import { SCRIPTED_HEADERS, sendJson, type HandlerContext } from './http';
import { handleChat, handlePs, handleShow, handleTags, handleVersion } from './ollama';
import { checkApiKey, handleChatCompletions, handleModels } from './openai';
import type { LoadedScript } from './scripts';

export type { RequestLogEntry } from './answers';
export { ATTEMPT_HEADER, TASK_HEADER } from './answers';

/** Options of {@link startScriptedModelServer}. */
export interface ScriptedModelServerOptions {
  scripts: LoadedScript[];
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1, so nothing outside the machine reaches it by accident. */
  host?: string;
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>` (as vLLM's `--api-key`). */
  apiKey?: string;
  /** Extra pause between streamed chunks in ms (default 0), to make streams observably slow. */
  chunkDelayMs?: number;
  /** Holds every chat answer this long before its first byte, as a cold model loading does (default 0). */
  firstTokenDelayMs?: number;
  /**
   * Holds every streamed chat answer before its first byte until the promise it returns resolves,
   * after firstTokenDelayMs: a cold load that lasts until the test says, whatever the machine's speed.
   */
  holdFirstToken?: () => Promise<void>;
  /** Context length the models report on `/api/show` and `/v1/models` (default 32768). */
  contextLength?: number;
  /** Where the start line goes; default console.log. */
  log?: (line: string) => void;
}

/** A running scripted model server. */
export interface ScriptedModelServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (Ollama host; OpenAI base is `${url}/v1`). */
  url: string;
  port: number;
  /** Every chat request served or refused, in arrival order (the live array). */
  requests: RequestLogEntry[];
  /** Stops listening, ends open streams and resolves when the port is free. */
  close(): Promise<void>;
}

/** Banner used on start, and on `GET /`, so nobody takes this for a model. */
export const BANNER = 'scripted model server (tests and demo only, not a model)';

/** Starts the scripted model server and resolves once it is listening. */
export async function startScriptedModelServer(options: ScriptedModelServerOptions): Promise<ScriptedModelServer> {
  const book = new AnswerBook(options.scripts);
  const requests: RequestLogEntry[] = [];
  const host = options.host ?? '127.0.0.1';
  const closing = new AbortController();

  const server = http.createServer((req, res) => {
    // One signal per request: stops its sleeps when the client hangs up or the server closes.
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const ctx: HandlerContext = {
      book,
      requests,
      chunkDelayMs: options.chunkDelayMs ?? 0,
      firstTokenDelayMs: options.firstTokenDelayMs ?? 0,
      holdFirstToken: options.holdFirstToken,
      contextLength: options.contextLength ?? 32768,
      signal: AbortSignal.any([gone.signal, closing.signal]),
    };
    route(ctx, options.apiKey, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `scripted model server: ${(err as Error).message}` });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  (options.log ?? console.log)(`${BANNER} listening on ${url}`);

  return {
    url,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would otherwise hold close() open for seconds.
        server.closeAllConnections();
      }),
  };
}

async function route(ctx: HandlerContext, apiKey: string | undefined, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  const is = (m: string, p: string) => method === m && path === p;

  if (path.startsWith('/v1/') && !checkApiKey(apiKey, req, res)) return;
  if (is('GET', '/') || is('HEAD', '/')) {
    // Ollama answers "Ollama is running" here; health checks that look for it keep working.
    res.writeHead(200, { ...SCRIPTED_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end(method === 'HEAD' ? undefined : `Ollama is running (${BANNER})`);
  }
  if (is('GET', '/health')) return sendJson(res, 200, { status: 'ok' });
  if (is('GET', '/api/tags')) return handleTags(ctx, res);
  if (is('GET', '/api/version')) return handleVersion(res);
  if (is('GET', '/api/ps')) return handlePs(res);
  if (is('POST', '/api/chat')) return handleChat(ctx, req, res);
  if (is('POST', '/api/show')) return handleShow(ctx, req, res);
  if (is('GET', '/v1/models')) return handleModels(ctx, res);
  if (is('POST', '/v1/chat/completions')) return handleChatCompletions(ctx, req, res);
  sendJson(res, 404, { error: `scripted model server: no route ${method} ${path}` });
}
