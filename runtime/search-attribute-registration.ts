/** kisystem's search attributes in a namespace: which are missing, and registering them (doctor --fix, the production setup). */
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

const INDEXED_TYPE: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/** kisystem's search attributes that the namespace lacks. */
export async function missingSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<string[]> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(response.customAttributes ?? {}), ...Object.keys(response.systemAttributes ?? {})]);
  return ALL_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !known.has(name));
}

/** Registers the missing ones; returns their names (none: nothing was missing). */
export async function registerMissingSearchAttributes(connection: Pick<Connection, 'operatorService'>, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return [];
  const searchAttributes = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.filter((k) => missing.includes(k.name)).map((k) => [k.name, INDEXED_TYPE[k.type.toUpperCase()]!]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing;
}
