/**
 * docker-compose.yml and its setup scripts against runtime/temporal-release.ts, the one place that
 * holds the Temporal release and the settings the compose file and `kisystem up --production` share.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../runtime/settings';
import { GO_PACKAGES, searchAttributePairs, TEMPORAL_RELEASE } from '../../runtime/temporal-release';

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; environment?: Record<string, string>; volumes?: string[] }>;
};
const script = (name: string) => readFileSync(join(PROJECT_ROOT, 'docker', name), 'utf8');

/** `${VAR:-default}` -> default. */
function defaultOf(value: string | undefined): string | undefined {
  return value ? /\$\{[A-Z_]+:-([^}]*)\}/.exec(value)?.[1] ?? value : undefined;
}

test.each([
  ['temporal', `temporalio/server:${TEMPORAL_RELEASE.server}`],
  ['temporal-admin-tools', `temporalio/admin-tools:${TEMPORAL_RELEASE.adminTools}`],
  ['temporal-search-attributes', `temporalio/admin-tools:${TEMPORAL_RELEASE.adminTools}`],
  ['temporal-ui', `temporalio/ui:${TEMPORAL_RELEASE.ui}`],
])('compose service %s runs %s', (service, image) => {
  const declared = compose.services[service]!.image!;
  const name = declared.slice(0, declared.indexOf(':'));
  expect(`${name}:${defaultOf(declared.slice(name.length + 1))}`).toBe(image);
});

test('the admin tools are of the server release, and the Go build is the same release', () => {
  expect(TEMPORAL_RELEASE.adminTools.startsWith(`${TEMPORAL_RELEASE.server}-`)).toBe(true);
  expect(GO_PACKAGES.server.version).toBe(`v${TEMPORAL_RELEASE.server}`);
  expect(GO_PACKAGES.ui.version).toBe(`v${TEMPORAL_RELEASE.ui}`);
});

test('the server and the schema setup use the same SQL plugin', () => {
  expect(compose.services['temporal']!.environment!['DB']).toBe(TEMPORAL_RELEASE.sqlPlugin);
  expect(compose.services['temporal-admin-tools']!.environment!['DB']).toBe(TEMPORAL_RELEASE.sqlPlugin);
  expect(script('temporal-setup-schema.sh')).toContain(`--plugin ${TEMPORAL_RELEASE.sqlPlugin}`);
  expect(script('temporal-setup-schema.sh')).toContain(`/etc/temporal/schema/${TEMPORAL_RELEASE.schemaRoot}`);
});

test('the schema setup creates the same two databases', () => {
  expect(script('temporal-setup-schema.sh')).toContain(`: "\${DBNAME:=${TEMPORAL_RELEASE.databases.persistence}}"`);
  expect(script('temporal-setup-schema.sh')).toContain(`: "\${VISIBILITY_DBNAME:=${TEMPORAL_RELEASE.databases.visibility}}"`);
});

test('the namespace is created with the same retention and the same search attributes', () => {
  expect(defaultOf(compose.services['temporal-search-attributes']!.environment!['NAMESPACE_RETENTION'])).toBe(TEMPORAL_RELEASE.namespaceRetention);
  expect(script('temporal-register.sh')).toContain(`: "\${NAMESPACE_RETENTION:=${TEMPORAL_RELEASE.namespaceRetention}}"`);
  const listed = /KISYSTEM_SEARCH_ATTRIBUTES:=([^}]*)\}/.exec(script('temporal-register.sh'))![1]!.split(' ');
  expect(listed).toEqual(searchAttributePairs());
});

test('both servers load the same dynamic config file', () => {
  const mount = compose.services['temporal']!.volumes!.find((v) => v.includes('dynamicconfig'))!;
  expect(mount.split(':')[0]).toBe(`./${TEMPORAL_RELEASE.dynamicConfigFile}`);
});
