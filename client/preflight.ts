/**
 * Quick checks before `up` and `submit` (the full set is `kisystem doctor`): chain models missing
 * on the model server, with the `ollama pull` line; and, when a start fails, whether the Temporal
 * namespace lacks kisystem's search attributes (the server says only "Failed to start Workflow").
 */
import type { Client } from '@temporalio/client';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { llmEndpoint } from '../workers/gpu-worker';
import { chainModels, missingSearchAttributes, pullLine, registerCommand, serverModels } from './doctor-services';

/** Warns about each model of the chains (of `domains`, or all) that the server does not have. */
export async function warnMissingModels(config: KisystemConfig, domains: readonly string[] | undefined, log: (line: string) => void): Promise<void> {
  const server = llmEndpoint(config);
  const listed = await serverModels(server);
  if (!listed.ok) {
    log(`warning: the model server (${server.provider} at ${server.url}) does not answer (${listed.error}); tasks wait for it and say so`);
    return;
  }
  const norm = (n: string) => (n.includes(':') ? n : `${n}:latest`);
  const have = new Set(listed.models.map(norm));
  for (const model of chainModels(config, domains)) {
    if (!have.has(norm(model))) log(`warning: model ${model} is in a chain but not on ${server.url}; tasks that reach it wait for it. Get it with: ${pullLine(server, model)}`);
  }
}

/** Turns a failed start into a clear error when the namespace lacks search attributes; else the original. */
export async function explainStartFailure(client: Client, namespace: string, error: unknown): Promise<Error> {
  const missing = await missingSearchAttributes(client.connection, namespace).catch(() => []);
  if (missing.length === 0) return error as Error;
  return new Error(
    `the Temporal namespace ${namespace} lacks kisystem's search attributes ${missing.join(', ')}; register them with:\n  ${registerCommand(namespace, missing)}\n(or run: kisystem doctor --fix)`,
  );
}
