/** Per-domain model chains (guide section 2) and the start of a task's escalation. */
import type { KisystemConfig } from '../schemas/config-schema';
import type { Domain } from './domains';

export interface DomainChain {
  /** The ordered escalation chain for this task. */
  models: readonly string[];
  /** Why this chain: "routing table" or "default route (domain X not in the routing table)". */
  reason: string;
}

/** The domain's chain from the routing table, or the configured default route (and says so). */
export function chainForDomain(config: Pick<KisystemConfig, 'routing' | 'default_route'>, domain: Domain): DomainChain {
  const models = config.routing[domain];
  if (models && models.length > 0) return { models, reason: `routing table for ${domain}` };
  return { models: config.default_route, reason: `default route: ${domain} is not in the routing table` };
}

/**
 * The chain a task runs on when it starts at `startModel` (a bias model that is not
 * in the chain is put in front of it for this task).
 */
export function chainStartingAt(chain: readonly string[], startModel: string): { models: string[]; startIndex: number } {
  const index = chain.indexOf(startModel);
  if (index >= 0) return { models: [...chain], startIndex: index };
  return { models: [startModel, ...chain], startIndex: 0 };
}
