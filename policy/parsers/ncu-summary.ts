/** One summary of all an Nsight Compute report's launches: median figures and the top rules (tier 1 of two-tier profiling). Pure. */
import { median } from '../rules/numbers';
import type { NcuRule, NcuKernelProfile, NcuSummary } from './ncu-report';
import { ProfileParseError } from './profiler-csv';

function medianOrNull(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

/**
 * One kernel's summary: the kernel with the largest total duration among `profiles` (the hot one;
 * the others are left out), medians over its launches, compute- or memory-bound by the larger
 * throughput, and its top rules by estimated speedup.
 */
export function summarizeNcu(profiles: NcuKernelProfile[]): NcuSummary {
  if (profiles.length === 0) throw new ProfileParseError('no kernel launches to summarize: the profile is empty');
  const byKernel = new Map<string, NcuKernelProfile[]>();
  for (const p of profiles) {
    const list = byKernel.get(p.kernelName);
    if (list) list.push(p);
    else byKernel.set(p.kernelName, [p]);
  }
  let hot: [string, NcuKernelProfile[]] | undefined;
  let hotTotal = -1;
  for (const entry of byKernel) {
    const total = entry[1].reduce((sum, p) => sum + p.durationNs, 0);
    if (total > hotTotal) {
      hot = entry;
      hotTotal = total;
    }
  }
  const [kernelName, launches] = hot!;
  const smThroughputPct = median(launches.map((p) => p.smThroughputPct));
  const memoryThroughputPct = median(launches.map((p) => p.memoryThroughputPct));

  const rules = new Map<string, { rule: NcuRule; order: number }>();
  for (const p of launches) {
    for (const rule of p.rules) {
      const key = `${rule.name}\u0000${rule.type}\u0000${rule.description}`;
      const seen = rules.get(key);
      if (!seen) rules.set(key, { rule, order: rules.size });
      else if ((rule.estimatedSpeedupPct ?? -Infinity) > (seen.rule.estimatedSpeedupPct ?? -Infinity)) seen.rule = rule;
    }
  }
  const topRules = [...rules.values()]
    .sort((a, b) => {
      const sa = a.rule.estimatedSpeedupPct ?? -Infinity;
      const sb = b.rule.estimatedSpeedupPct ?? -Infinity;
      return sa !== sb ? sb - sa : a.order - b.order;
    })
    .slice(0, 3)
    .map((r) => r.rule);

  return {
    kernelName,
    launches: launches.length,
    medianDurationNs: median(launches.map((p) => p.durationNs)),
    smThroughputPct,
    memoryThroughputPct,
    dramThroughputPct: medianOrNull(launches.map((p) => p.dramThroughputPct)),
    achievedOccupancyPct: medianOrNull(launches.map((p) => p.achievedOccupancyPct)),
    bottleneck: smThroughputPct >= memoryThroughputPct ? 'compute' : 'memory',
    topRules,
  };
}
