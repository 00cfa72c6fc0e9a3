/** The Grafana dashboard in docs/ reads only metrics kisystem defines (workers/metrics.ts), under their exported names. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/settings';

it('every kisystem_* series of docs/grafana-dashboard.json is defined in workers/metrics.ts and documented', () => {
  const dashboard = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs/grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const source = readFileSync(join(PROJECT_ROOT, 'workers/metrics.ts'), 'utf8');
  const docs = readFileSync(join(PROJECT_ROOT, 'docs/metrics.md'), 'utf8');
  const defined = new Set([...source.matchAll(/create(Counter|Gauge)\('(kisystem_\w+)'/g)].map((m) => (m[1] === 'Counter' ? `${m[2]}_total` : m[2]!)));
  const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/kisystem_\w+/g)].map((m) => m[0]))));
  expect(used.size).toBeGreaterThan(0);
  for (const name of used) expect(defined).toContain(name);
  for (const name of defined) expect(docs).toContain(`\`${name}\``);
});
