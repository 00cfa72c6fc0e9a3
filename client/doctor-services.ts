/**
 * `kisystem doctor`, the services' part: Temporal (reachable, namespace, kisystem's search
 * attributes, registered when it may), Postgres (reachable, migrated) and the model server
 * (reachable, which of the chains' models it has, with the `ollama pull` line for each missing one).
 */
import { Connection } from '@temporalio/client';
import { Migrator } from 'kysely';
import { openDatabase, redact } from '../db/database';
import { migratorFor } from '../db/migrations';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { missingSearchAttributes, registerMissingSearchAttributes } from '../runtime/search-attribute-registration';
import type { Check } from './doctor-host';
import { describeConnection, type TemporalConnectOptions } from '../runtime/temporal-connection';

const CLI_TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int' };

/** The `temporal` command that registers the given search attributes. */
export function registerCommand(namespace: string, names: readonly string[]): string {
  const pairs = ALL_SEARCH_ATTRIBUTES.filter((key) => names.includes(key.name)).map((key) => `--name ${key.name} --type ${CLI_TYPE[key.type.toUpperCase()] ?? 'Keyword'}`);
  return `temporal operator search-attribute create --namespace ${namespace} ${pairs.join(' ')}`;
}

export { missingSearchAttributes };

export function isLocalAddress(address: string): boolean {
  return /^(127\.0\.0\.1|localhost|\[?::1\]?)(:\d+)?$/.test(address);
}

export async function checkTemporal(connect: TemporalConnectOptions, namespace: string, mayRegister: boolean, more: (connection: Connection) => Promise<Check[]> = async () => []): Promise<Check[]> {
  const address = connect.address;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connect, connectTimeout: '5 seconds' });
  } catch (error) {
    return [{ area: 'Temporal', status: 'fail', detail: `no Temporal server answers at ${address}: ${(error as Error).message.split('\n')[0]}`, fix: isLocalAddress(address) ? 'kisystem up starts a local dev server (kisystem up --production the PostgreSQL-backed one); or start your server and set TEMPORAL_ADDRESS' : 'check TEMPORAL_ADDRESS, and for a server with TLS set TEMPORAL_TLS=true or TEMPORAL_TLS_CA (its CA file), TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY (mTLS), TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY' }];
  }
  try {
    const checks: Check[] = [{ area: 'Temporal', status: 'ok', detail: `server at ${describeConnection(connect)} answers` }];
    try {
      await connection.workflowService.describeNamespace({ namespace });
      checks.push({ area: 'Temporal namespace', status: 'ok', detail: namespace });
    } catch (error) {
      checks.push({ area: 'Temporal namespace', status: 'fail', detail: `namespace ${namespace}: ${(error as Error).message.split('\n')[0]}`, fix: `temporal operator namespace create --namespace ${namespace} (or set TEMPORAL_NAMESPACE)` });
      return checks;
    }
    const missing = await missingSearchAttributes(connection, namespace);
    // The Web UI keeps its list columns in the browser: no server call can add them, so doctor says how.
    const columns = 'Web UI list: add them under "Configure columns" to tell waiting and given-up tasks apart (docs/endings.md)';
    if (missing.length === 0) {
      checks.push({ area: 'search attributes', status: 'ok', detail: `${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}; ${columns}` });
    } else if (mayRegister) {
      await registerMissingSearchAttributes(connection, namespace);
      checks.push({ area: 'search attributes', status: 'ok', detail: `registered the missing ones: ${missing.join(', ')}; ${columns}` });
    } else {
      checks.push({ area: 'search attributes', status: 'fail', detail: `missing in namespace ${namespace}: ${missing.join(', ')}`, fix: `${registerCommand(namespace, missing)}  (or: kisystem doctor --fix)` });
    }
    return [...checks, ...(await more(connection))];
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function checkPostgres(url: string): Promise<Check> {
  const db = openDatabase(url, 1);
  try {
    const migrations = await migratorFor(db).getMigrations();
    const pending = migrations.filter((m) => !m.executedAt).map((m) => m.name);
    if (pending.length === 0) return { area: 'Postgres', status: 'ok', detail: `${redact(url)}: reachable, ${migrations.length} migrations applied` };
    return { area: 'Postgres', status: 'warn', detail: `${redact(url)}: ${pending.length} migration(s) not applied (${pending.join(', ')})`, fix: 'kisystem migrate (kisystem up does it too)' };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '3D000') return { area: 'Postgres', status: 'warn', detail: `${redact(url)}: the database does not exist yet`, fix: 'kisystem migrate creates it (kisystem up does it too)' };
    return { area: 'Postgres', status: 'fail', detail: `${redact(url)}: ${(error as Error).message.split('\n')[0]}`, fix: 'start PostgreSQL (docker compose up -d postgres) or set DATABASE_URL' };
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

/** Every model a chain, the default route or a hybrid tier may use. */
export function chainModels(config: Pick<KisystemConfig, 'routing' | 'default_route' | 'hybrid_model_tiers'>, domains?: readonly string[]): string[] {
  const routing = config.routing as Record<string, string[]>;
  const chains = domains ? domains.map((d) => routing[d] ?? config.default_route) : [...Object.values(routing), config.default_route, config.hybrid_model_tiers.map((t) => t.model)];
  return [...new Set(chains.flat())];
}

export interface ModelServerView {
  provider: 'ollama' | 'openai';
  url: string;
  apiKey?: string;
}

/** The server's models, or why it could not be asked. */
export async function serverModels(server: ModelServerView): Promise<{ ok: true; models: string[] } | { ok: false; error: string }> {
  const path = server.provider === 'ollama' ? '/api/tags' : '/models';
  try {
    const response = await fetch(`${server.url.replace(/\/$/, '')}${path}`, {
      signal: AbortSignal.timeout(5000),
      headers: server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {},
    });
    if (!response.ok) return { ok: false, error: `HTTP ${response.status} on ${path}` };
    const body = (await response.json()) as { models?: { name?: string; model?: string }[]; data?: { id?: string }[] };
    const names = server.provider === 'ollama' ? (body.models ?? []).flatMap((m) => [m.name, m.model]) : (body.data ?? []).map((m) => m.id);
    return { ok: true, models: [...new Set(names.filter((n): n is string => typeof n === 'string'))] };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: `${(error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
}

/** "qwen2.5-coder" and "qwen2.5-coder:latest" are the same Ollama model. */
function sameModel(a: string, b: string): boolean {
  const norm = (n: string) => (n.includes(':') ? n : `${n}:latest`);
  return norm(a) === norm(b);
}

/** The line that gets a missing model onto the server. */
export function pullLine(server: ModelServerView, model: string): string {
  return server.provider === 'ollama' ? `ollama pull ${model}` : `start ${server.url} with the model ${model} (vLLM: --served-model-name ${model})`;
}

export async function checkModelServer(server: ModelServerView, models: readonly string[]): Promise<Check[]> {
  const listed = await serverModels(server);
  if (!listed.ok) {
    return [{
      area: 'model server',
      status: 'warn',
      detail: `${server.provider} at ${server.url} does not answer: ${listed.error}; tasks wait for it (visibly) until llm.outage_budget_seconds`,
      fix: server.provider === 'ollama' ? 'start Ollama (ollama serve, or systemctl start ollama), or set OLLAMA_HOST' : 'start the OpenAI-compatible server, or set KISYSTEM_OPENAI_BASE_URL',
    }];
  }
  const missing = models.filter((m) => !listed.models.some((have) => sameModel(have, m)));
  const present = models.filter((m) => !missing.includes(m));
  const checks: Check[] = [{ area: 'model server', status: 'ok', detail: `${server.provider} at ${server.url}: ${present.length} of ${models.length} chain models present${present.length ? ` (${present.join(', ')})` : ''}` }];
  for (const model of missing) {
    checks.push({ area: 'model missing', status: 'warn', detail: `${model} is in a chain but not on the server: tasks that reach it wait for it`, fix: pullLine(server, model) });
  }
  return checks;
}
