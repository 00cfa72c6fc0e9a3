/** Everything the workflow worker registers. Workflow code: no Node built-ins, no pg, no kysely. */
export { taskWorkflow } from './task-workflow';
export { queueWorkflow } from './queue-workflow';
export { queuedTaskWorkflow } from './queue-task-child';
