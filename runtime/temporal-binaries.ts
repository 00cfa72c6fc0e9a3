/**
 * The production-shaped Temporal server's programs, built once from the Go module proxy into
 * `.tools/` (docker-compose.yml's release, runtime/temporal-release.ts) and reused after: the server,
 * temporal-sql-tool with the release's PostgreSQL schema beside it, and the Web UI server.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GO_PACKAGES, TEMPORAL_RELEASE } from './temporal-release';
import { PROJECT_ROOT } from './settings';

export interface ServerPrograms {
  server: string;
  sqlTool: string;
  /** `<schema>/temporal/versioned` and `<schema>/visibility/versioned`: temporal-sql-tool's update-schema folders. */
  schemaDir: string;
}

/** Where the built programs live: `.tools/` of the project, or KISYSTEM_TOOLS_DIR. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KISYSTEM_TOOLS_DIR?.trim() || join(PROJECT_ROOT, '.tools');
}

export function serverProgramsIn(dir: string): ServerPrograms {
  return { server: join(dir, 'server'), sqlTool: join(dir, 'sql'), schemaDir: join(dir, 'schema') };
}

function findGo(env: NodeJS.ProcessEnv): string {
  for (const dir of [...(env.PATH ?? '').split(delimiter), '/usr/local/go/bin', '/usr/lib/go/bin']) {
    if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  throw new Error('building the Temporal server needs Go (>= 1.24): install it, or put prebuilt binaries in .tools/temporal-server/<version>/ (server, sql, schema/)');
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve(out);
      log(err.trim().split('\n').slice(-20).join('\n'));
      reject(new Error(`${program} ${args.join(' ')} exited ${code}`));
    });
  });
}

/** `go install module/pkg@version ...` into a fresh folder, moved into place when complete (a half-built folder is never used). */
async function goInstall(target: string, spec: { module: string; version: string; packages: readonly string[] }, log: (line: string) => void, finish?: (dir: string, env: NodeJS.ProcessEnv, go: string) => Promise<void>): Promise<void> {
  const env = { ...process.env, GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ') };
  const go = findGo(env);
  const building = `${target}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  log(`building ${spec.module} ${spec.version} (${spec.packages.join(', ')}) with ${go}: a few minutes the first time, cached in ${target}`);
  const started = Date.now();
  try {
    await run(go, ['install', ...spec.packages.map((p) => `${spec.module}/${p}@${spec.version}`)], { ...env, GOBIN: building }, log);
    if (finish) await finish(building, env, go);
    rmSync(target, { recursive: true, force: true });
    renameSync(building, target);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  log(`built ${spec.module} ${spec.version} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The server and temporal-sql-tool of the release, with its PostgreSQL schema; built when missing. */
export async function ensureServerPrograms(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<ServerPrograms> {
  const dir = join(toolsDir(env), 'temporal-server', GO_PACKAGES.server.version);
  const programs = serverProgramsIn(dir);
  if (existsSync(programs.server) && existsSync(programs.sqlTool) && existsSync(programs.schemaDir)) return programs;
  await goInstall(dir, GO_PACKAGES.server, log, async (building, goEnv, go) => {
    // The schema files come with the module's source, which `go install` just put in the module cache.
    const info = JSON.parse(await run(go, ['mod', 'download', '-json', `${GO_PACKAGES.server.module}@${GO_PACKAGES.server.version}`], goEnv, log)) as { Dir?: string };
    if (!info.Dir) throw new Error(`go mod download named no folder for ${GO_PACKAGES.server.module}`);
    const schema = join(building, 'schema');
    cpSync(join(info.Dir, 'schema', TEMPORAL_RELEASE.schemaRoot), schema, { recursive: true });
    chmodRecursive(schema);
  });
  return programs;
}

/** The Web UI server of the release; built when missing. */
export async function ensureUiProgram(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = join(toolsDir(env), 'temporal-ui', GO_PACKAGES.ui.version);
  const program = join(dir, 'server');
  if (existsSync(program)) return program;
  await goInstall(dir, GO_PACKAGES.ui, log);
  return program;
}

/** The module cache's files are read-only; the copy must stay removable by whoever cleans .tools/. */
function chmodRecursive(path: string): void {
  chmodSync(path, 0o755);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chmodRecursive(child);
    else chmodSync(child, 0o644);
  }
}
