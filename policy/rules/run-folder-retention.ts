/**
 * Which run folders a host keeps (config `run_folders`): the newest `keep_last`, and every one
 * younger than `keep_days`; beyond those, failed runs are kept for inspection, newest first, while
 * their total size stays under `failed_cap_mb`; the rest go. Pure: no I/O.
 */
export interface RunFolderInfo {
  path: string;
  /** Last change (ms since the epoch). */
  mtimeMs: number;
  bytes: number;
  /** false only when the test passed; a failed build or test, or no result at all, is a failure. */
  failed: boolean;
}

export interface RetentionPolicy {
  keep_last: number;
  keep_days: number;
  failed_cap_mb: number;
}

export function foldersToDelete(folders: readonly RunFolderInfo[], policy: RetentionPolicy, nowMs: number): RunFolderInfo[] {
  const newestFirst = [...folders].sort((a, b) => b.mtimeMs - a.mtimeMs || a.path.localeCompare(b.path));
  const youngest = nowMs - policy.keep_days * 86_400_000;
  let failedBytes = 0;
  const doomed: RunFolderInfo[] = [];
  newestFirst.forEach((f, index) => {
    if (index < policy.keep_last || f.mtimeMs >= youngest) return;
    if (f.failed && failedBytes + f.bytes <= policy.failed_cap_mb * 1024 * 1024) {
      failedBytes += f.bytes;
      return;
    }
    doomed.push(f);
  });
  return doomed;
}
