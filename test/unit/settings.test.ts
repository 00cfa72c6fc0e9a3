/** Settings from the environment: parsed with zod, defaults for a local setup, refused loudly by name. */
import { DEFAULT_DATABASE_URL, SettingsError, settingsFromEnv } from '../../runtime/settings';

describe('settingsFromEnv', () => {
  it('gives the local defaults for an empty environment (an empty variable counts as unset)', () => {
    const s = settingsFromEnv({ TEMPORAL_ADDRESS: '', KISYSTEM_LOG_LEVEL: '  ' });
    expect(s).toMatchObject({ temporalAddress: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kisystem', gpuQueue: 'kisystem-gpu', webUiUrl: 'http://localhost:8233', databaseUrl: DEFAULT_DATABASE_URL, maxConcurrentLlm: 4, logLevel: 'WARN' });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('reads every variable it knows', () => {
    const s = settingsFromEnv({ TEMPORAL_ADDRESS: 'temporal:7300', DATABASE_URL: 'postgresql://u@db/k', KISYSTEM_HOST_ID: 'h1', KISYSTEM_MAX_CONCURRENT_LLM: '2', KISYSTEM_LOG_LEVEL: 'INFO', OLLAMA_HOST: 'gpu:11434' });
    expect(s).toMatchObject({ temporalAddress: 'temporal:7300', webUiUrl: 'http://localhost:8300', databaseUrl: 'postgresql://u@db/k', hostId: 'h1', maxConcurrentLlm: 2, logLevel: 'INFO', ollamaHost: 'gpu:11434' });
  });

  it.each([
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS="localhost": must be host:port'],
    [{ KISYSTEM_MAX_CONCURRENT_LLM: 'many' }, 'KISYSTEM_MAX_CONCURRENT_LLM="many"'],
    [{ KISYSTEM_MAX_CONCURRENT_LLM: '0' }, 'KISYSTEM_MAX_CONCURRENT_LLM="0"'],
    [{ KISYSTEM_LOG_LEVEL: 'LOUD' }, 'KISYSTEM_LOG_LEVEL="LOUD"'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL="mysql://x": must be a postgres:// URL'],
    [{ KISYSTEM_WEB_UI: 'not a url' }, 'KISYSTEM_WEB_UI="not a url"'],
  ])('refuses %j by name', (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(SettingsError);
    expect(() => settingsFromEnv(env)).toThrow(message);
  });
});
