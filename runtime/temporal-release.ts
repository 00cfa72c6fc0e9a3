/**
 * The Temporal release kisystem runs in production, in one place: docker-compose.yml's image tags and
 * shared settings, and the native setup (`kisystem up --production`, runtime/production-server.ts)
 * that builds the same server from the Go module proxy. test/unit/temporal-release.test.ts checks the
 * compose file and its setup scripts against these values, so the two ways stay in step.
 */
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';

export const TEMPORAL_RELEASE = Object.freeze({
  /** `go.temporal.io/server` (cmd/server, cmd/tools/sql) and the image temporalio/server. */
  server: '1.29.1',
  /** temporalio/admin-tools: temporal-sql-tool of the same server release, and the CLI. */
  adminTools: '1.29.1-tctl-1.18.4-cli-1.5.0',
  /** `github.com/temporalio/ui-server/v2` (cmd/server) and the image temporalio/ui. */
  ui: '2.42.1',
  /** temporal-sql-tool's plugin and the server's persistence plugin (compose: DB=postgres12). */
  sqlPlugin: 'postgres12',
  /** Schema folders under the release's schema/ tree, as the compose setup script applies them. */
  schemaRoot: 'postgresql/v12',
  databases: Object.freeze({ persistence: 'temporal', visibility: 'temporal_visibility' }),
  /** How long closed workflows are kept in a namespace kisystem creates. */
  namespaceRetention: '720h',
  /** The dynamic config both setups load (compose mounts it; the native server reads it in place). */
  dynamicConfigFile: 'docker/temporal-dynamicconfig.yaml',
  /** History shards of a new cluster; fixed for the life of its database (Temporal's default config: 4). */
  historyShards: 4,
});

const CLI_TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', BOOL: 'Bool', DOUBLE: 'Double' };

/** kisystem's search attributes as `Name:Type` pairs (docker/temporal-register.sh's list). */
export function searchAttributePairs(): string[] {
  return ALL_SEARCH_ATTRIBUTES.map((key) => `${key.name}:${CLI_TYPE[key.type.toUpperCase()] ?? 'Keyword'}`);
}

/** Go packages the native setup builds, each into its own folder under .tools/ (both binaries are named `server`). */
export const GO_PACKAGES = Object.freeze({
  server: { module: 'go.temporal.io/server', version: `v${TEMPORAL_RELEASE.server}`, packages: ['cmd/server', 'cmd/tools/sql'] },
  ui: { module: 'github.com/temporalio/ui-server/v2', version: `v${TEMPORAL_RELEASE.ui}`, packages: ['cmd/server'] },
});
