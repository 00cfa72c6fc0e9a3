/** Task ids: lower-case letters, digits, . _ - (they prefix workflow ids). No zod here: workflows import it. */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,99}$/;
