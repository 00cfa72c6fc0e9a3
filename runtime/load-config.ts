/** Reads `optimization_config.json` once, validates it, freezes it. */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, parseConfig, type KisystemConfig } from '../policy/schemas/config-schema';

export function loadConfig(path: string): Readonly<KisystemConfig> {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path} (copy config/optimization_config.json.template)`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(path, value);
}
