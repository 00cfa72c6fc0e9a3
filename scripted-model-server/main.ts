/**
 * CLI for the scripted model server (tests and demo only; never a model):
 *
 *   node dist/scripted-model-server/main.js [--examples <dir>] [--script <file>...] [--port 11434]
 *     [--host 127.0.0.1] [--api-key <key>] [--chunk-delay-ms <n>] [--first-token-delay-ms <n>]
 *     [--context-length <tokens>]
 *
 * Without --examples or --script it loads `./examples`. Stops cleanly on SIGINT/SIGTERM.
 */
import { findModelScripts, loadModelScripts } from './scripts';
import { startScriptedModelServer } from './server';

/** Parsed command line. */
export interface CliOptions {
  examples?: string;
  scripts: string[];
  port: number;
  host: string;
  apiKey?: string;
  chunkDelayMs: number;
  firstTokenDelayMs?: number;
  contextLength?: number;
}

const USAGE =
  'usage: scripted-model-server [--examples <dir>] [--script <file>...] [--port 11434] [--host 127.0.0.1] [--api-key <key>] [--chunk-delay-ms <n>] [--first-token-delay-ms <n>] [--context-length <tokens>]';

/** Parses argv (without node and script path). @throws Error with the usage line on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const opts: CliOptions = { scripts: [], port: 11434, host: '127.0.0.1', chunkDelayMs: 0 };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const int = (s: string, flag: string): number => {
    if (!/^[0-9]+$/.test(s)) throw new Error(`${flag} must be a non-negative integer, got "${s}"\n${USAGE}`);
    return Number(s);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--examples':
        opts.examples = value(++i, flag);
        break;
      case '--script':
        // `--script a.yaml b.yaml` and `--script a.yaml --script b.yaml` both work.
        opts.scripts.push(value(++i, flag));
        while (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) opts.scripts.push(argv[++i]);
        break;
      case '--port':
        opts.port = int(value(++i, flag), flag);
        break;
      case '--host':
        opts.host = value(++i, flag);
        break;
      case '--api-key':
        opts.apiKey = value(++i, flag);
        break;
      case '--chunk-delay-ms':
        opts.chunkDelayMs = int(value(++i, flag), flag);
        break;
      case '--first-token-delay-ms':
        opts.firstTokenDelayMs = int(value(++i, flag), flag);
        break;
      case '--context-length':
        opts.contextLength = int(value(++i, flag), flag);
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument "${flag}"\n${USAGE}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  // One load for all files, so a task scripted both in examples and by --script is refused.
  const files = opts.examples !== undefined || opts.scripts.length === 0 ? findModelScripts(opts.examples ?? 'examples') : [];
  const scripts = loadModelScripts([...files, ...opts.scripts]);
  const server = await startScriptedModelServer({
    scripts,
    port: opts.port,
    host: opts.host,
    apiKey: opts.apiKey,
    chunkDelayMs: opts.chunkDelayMs,
    firstTokenDelayMs: opts.firstTokenDelayMs,
    contextLength: opts.contextLength,
  });
  console.log(`loaded ${scripts.length} script(s): ${scripts.map((s) => s.task).join(', ') || '(none)'}`);
  console.log(server.url);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`scripted model server: ${signal}, stopping`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  });
}
