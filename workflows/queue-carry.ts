/**
 * Pending tasks packed for continue-as-new: one short tuple per task with its domain and model as
 * indexes into two dictionaries, so that 10,000 pending tasks stay well under the 2 MB payload limit
 * (about 90 bytes a task). Pure.
 */
import type { PackedPending, PendingRef, QueueCarryV2 } from '../contracts/queue-messages';

export function packPending(pending: readonly PendingRef[]): { domains: string[]; models: string[]; pending: PackedPending[] } {
  const domains: string[] = [];
  const models: string[] = [];
  const index = (list: string[], value: string) => {
    const i = list.indexOf(value);
    return i >= 0 ? i : list.push(value) - 1;
  };
  return {
    domains,
    models,
    pending: pending.map((p) => [
      p.taskId, p.seq, p.bodyId, index(domains, p.domain), index(models, p.model), p.ownPriority, p.filePriority,
      Date.parse(p.addedAt),
    ]),
  };
}

export function unpackPending(carry: Pick<QueueCarryV2, 'domains' | 'models' | 'pending'>): PendingRef[] {
  return carry.pending.map(([taskId, seq, bodyId, d, m, ownPriority, filePriority, addedMs]) => ({
    key: `${taskId}-${seq}`,
    seq,
    taskId,
    bodyId,
    domain: carry.domains[d]!,
    model: carry.models[m]!,
    ownPriority,
    filePriority,
    addedAt: new Date(addedMs).toISOString(),
  }));
}
