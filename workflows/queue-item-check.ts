/** Checks of what an update hands the queue: the client validates task files first; this guards the workflow. */
import { isDomain } from '../policy/rules/domains';
import { TASK_ID_PATTERN } from '../policy/task-id';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { checkTaskWiring, formatWiringProblem, wiringOfTask } from '../policy/schemas/task-wiring';
import type { QueueItemInput, StoredTaskRef } from '../contracts/queue-messages';

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isFileList(value: unknown): boolean {
  return Array.isArray(value) && value.every((f) => f && typeof f === 'object' && typeof f.path === 'string' && typeof f.content === 'string');
}

export function checkPriority(value: unknown, what: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    return `${what} must be a number between 0 and 100 (got ${JSON.stringify(value)})`;
  }
  return null;
}

/** Why an item cannot enter the queue, or null. The client validates task files first; this guards the workflow. */
export function checkQueueItem(item: unknown): string | null {
  if (!item || typeof item !== 'object') return 'an item must be an object { task, priority? }';
  const { task, priority } = item as Partial<QueueItemInput>;
  if (!task || typeof task !== 'object') return 'task: missing';
  const t = task as Partial<ResolvedTask>;
  if (typeof t.id !== 'string' || !TASK_ID_PATTERN.test(t.id))
    return `task.id: must be lower-case letters, digits, . _ - (got ${JSON.stringify(t.id)})`;
  if (!isText(t.title)) return 'task.title: must be a non-empty string';
  if (!isText(t.goal)) return 'task.goal: must be a non-empty string';
  if (t.language !== 'cuda' && t.language !== 'cpp') return `task.language: must be cuda or cpp (got ${JSON.stringify(t.language)})`;
  if (typeof t.domain !== 'string' || !isDomain(t.domain)) return `task.domain: unknown domain ${JSON.stringify(t.domain)}`;
  if (!isText(t.solution_file)) return 'task.solution_file: must be a non-empty string';
  if (!isFileList(t.harnessFiles) || (t.harnessFiles as unknown[]).length === 0)
    return 'task.harnessFiles: must be a non-empty list of { path, content }';
  if (!isFileList(t.interfaceFiles)) return 'task.interfaceFiles: must be a list of { path, content }';
  if (!t.build || typeof t.build !== 'object' || !Array.isArray(t.build.flags) || typeof t.build.output !== 'string')
    return 'task.build: must have flags and output';
  if (!t.test || typeof t.test !== 'object' || !Array.isArray(t.test.command) || t.test.command.length === 0)
    return 'task.test.command: must be a non-empty list';
  const wiring = checkTaskWiring(
    wiringOfTask(t as ResolvedTask),
    (t.harnessFiles as ResolvedTask['harnessFiles']).map((f) => f.path),
  ).errors[0];
  if (wiring) return formatWiringProblem('task', wiring);
  return checkPriority(priority, 'priority') ?? checkPriority(t.priority, 'task.priority');
}

/** Why a stored item (a body the client stored first) cannot enter the queue, or null. */
export function checkStoredItem(item: unknown): string | null {
  const { stored, priority } = item as { stored?: Partial<StoredTaskRef>; priority?: unknown };
  if (!stored || typeof stored !== 'object') return 'stored: missing';
  if (typeof stored.taskId !== 'string' || !TASK_ID_PATTERN.test(stored.taskId)) {
    return `stored.taskId: must be lower-case letters, digits, . _ - (got ${JSON.stringify(stored.taskId)})`;
  }
  if (typeof stored.bodyId !== 'string' || !/^[0-9a-f]{16}$/.test(stored.bodyId)) {
    return `stored.bodyId: must be 16 hex digits (got ${JSON.stringify(stored.bodyId)})`;
  }
  if (stored.language !== 'cuda' && stored.language !== 'cpp') return `stored.language: must be cuda or cpp (got ${JSON.stringify(stored.language)})`;
  if (typeof stored.domain !== 'string' || !isDomain(stored.domain)) return `stored.domain: unknown domain ${JSON.stringify(stored.domain)}`;
  return checkPriority(priority, 'priority') ?? checkPriority(stored.filePriority, 'stored.filePriority');
}
