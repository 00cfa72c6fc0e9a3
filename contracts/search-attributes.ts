/** Custom search attributes: the Web UI's workflow list can be filtered by them. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TASK_ID = defineSearchAttributeKey('KisystemTaskId', SearchAttributeType.KEYWORD);
export const DOMAIN = defineSearchAttributeKey('KisystemDomain', SearchAttributeType.KEYWORD);
export const CURRENT_MODEL = defineSearchAttributeKey('KisystemModel', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('KisystemStatus', SearchAttributeType.KEYWORD);
export const ESCALATIONS = defineSearchAttributeKey('KisystemEscalations', SearchAttributeType.INT);

export const ALL_SEARCH_ATTRIBUTES = [TASK_ID, DOMAIN, CURRENT_MODEL, STATUS, ESCALATIONS];

/** `--search-attribute` values for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  const typeName: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double' };
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${typeName[key.type.toUpperCase()] ?? 'Keyword'}`]);
}
