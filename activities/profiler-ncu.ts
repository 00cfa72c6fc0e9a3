/**
 * Nsight Compute (and Nsight Systems) as tier-1 profilers of CUDA tasks: the argument arrays and the
 * choice of tool. The profiled run itself is the benchmark's own run with these arguments in front
 * (activities/profile.ts): only the prefix and the report reader are the profiler's.
 *
 * Tier 1 scores with ncu only: Nsight Systems gives kernel times but no throughput % of peak, so a
 * speed-of-light score would need the task's bytes/FLOPs (decisions.md), which task files do not
 * carry yet. `chooseProfiler` therefore always ends at ncu, and says why in `fellBack` when nsys was
 * asked for (and whether it works here). The nsys argument arrays are kept ready for that day.
 */
import type { ProfilerRequest } from '../contracts/profile-types';
import type { HostCapabilities } from './host-capabilities';

/** ncu's metrics beyond the two sections: duration, DRAM bytes and throughput, achieved occupancy. */
export const NCU_METRICS = [
  'gpu__time_duration.sum',
  'dram__bytes.sum',
  'dram__throughput.avg.pct_of_peak_sustained_elapsed',
  'sm__warps_active.avg.pct_of_peak_sustained_active',
];

/** The report written by {@link ncuProfileArgs}, without its `.ncu-rep` extension. */
export function reportBase(runFolder: string): string {
  return `${runFolder.replace(/\/+$/, '')}/prof`;
}

/** `ncu ... --launch-count 1 --log-file stderr -f -o <runFolder>/prof <command...>`: writes `<runFolder>/prof.ncu-rep`. */
export function ncuProfileArgs(runFolder: string, command: readonly string[], kernelRegex?: string | null): string[] {
  if (command.length === 0) throw new RangeError('the benchmark command is empty');
  const args = ['ncu', '--clock-control', 'none', '--section', 'SpeedOfLight', '--section', 'Occupancy', '--metrics', NCU_METRICS.join(',')];
  if (kernelRegex) args.push('-k', `regex:${kernelRegex}`);
  // One launch: a benchmark program launches its kernel 20+ times, and each profiled launch costs
  // ncu a dozen replays; the first launch shows the same kernel.
  args.push('--launch-count', '1');
  // ncu writes its own lines ("==PROF== Connected to process ...") to stdout by default, into the
  // middle of the candidate's answer frames, and the trusted checker then finds no answer at all.
  args.push('--log-file', 'stderr');
  args.push('-f', '-o', reportBase(runFolder), ...command);
  return args;
}

/** `ncu --import <runFolder>/prof.ncu-rep --csv`: the details page, one row per metric and rule. */
export function ncuImportArgs(runFolder: string): string[] {
  return ['ncu', '--import', `${reportBase(runFolder)}.ncu-rep`, '--csv'];
}

/** `nsys profile -o <runFolder>/prof <command...>` (kept for a future nsys-based score; not run yet). */
export function nsysProfileArgs(runFolder: string, command: readonly string[]): string[] {
  if (command.length === 0) throw new RangeError('the benchmark command is empty');
  return ['nsys', 'profile', '--trace=cuda', '--force-overwrite=true', '-o', reportBase(runFolder), ...command];
}

/** `nsys stats --report cuda_gpu_kern_sum --format csv <runFolder>/prof.nsys-rep` (parseNsysKernelSummaryCsv). */
export function nsysStatsArgs(runFolder: string): string[] {
  return ['nsys', 'stats', '--report', 'cuda_gpu_kern_sum', '--format', 'csv', `${reportBase(runFolder)}.nsys-rep`];
}

export type ProfilerChoice = { ok: true; tool: 'ncu'; fellBack: string | null } | { ok: false; message: string };

/**
 * Which profiler runs tier 1 on this host. Only ncu gives the speed-of-light score, so the choice
 * ends at ncu or at a clear error; `fellBack` says why when nsys was asked for.
 */
export function chooseProfiler(requested: ProfilerRequest, capabilities: Pick<HostCapabilities, 'hostId' | 'ncu' | 'nsysWorks' | 'nsysWhy'>): ProfilerChoice {
  const host = capabilities.hostId;
  const nsysWhy = capabilities.nsysWhy ? `: ${capabilities.nsysWhy}` : '';
  const hasNcu = capabilities.ncu !== null;
  if (!hasNcu) {
    const nsys = capabilities.nsysWorks
      ? 'nsys works here, but it gives no throughput % of peak, so it cannot score a kernel'
      : `and no working nsys either${nsysWhy}`;
    return { ok: false, message: `no profiler for tier 1 on host ${host}: ncu (Nsight Compute) is missing, ${nsys}; install Nsight Compute or run the task on a host that has it` };
  }
  if (requested === 'nsys') {
    const why = capabilities.nsysWorks
      ? `nsys was asked for, but it gives no speed-of-light score; tier 1 used ncu on host ${host}`
      : `nsys was asked for, but it does not work on host ${host} (${capabilities.nsysWhy || 'missing or cannot write reports'}); fell back to ncu`;
    return { ok: true, tool: 'ncu', fellBack: why };
  }
  return { ok: true, tool: 'ncu', fellBack: null };
}

